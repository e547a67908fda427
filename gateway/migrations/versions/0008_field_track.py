"""field phones: consent to a patrol track, and the track's positions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('field_duty') as batch:
        batch.add_column(sa.Column('share_track', sa.Boolean(), server_default='0', nullable=False,
                                   comment='Consent to a patrol track while on duty'))
    op.create_table('field_track',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False, comment="When the phone took it, on the server's clock"),
    sa.Column('lat', sa.Double(), nullable=False),
    sa.Column('lon', sa.Double(), nullable=False),
    sa.Column('accuracy_m', sa.Double(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username', 'at')
    )
    with op.batch_alter_table('field_track') as batch:
        batch.create_index(batch.f('ix_field_track_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('field_track') as batch:
        batch.drop_index(batch.f('ix_field_track_received_at'))
    op.drop_table('field_track')
    with op.batch_alter_table('field_duty') as batch:
        batch.drop_column('share_track')
