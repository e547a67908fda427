"""class precision and family, further problems and the classifier's suggestions on cases

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('class_precision', sa.String(length=10), nullable=True,
                                   comment="class | family: the member named, or the family's default member"))
        batch.add_column(sa.Column('class_family', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('also_classes', sa.JSON(), nullable=True,
                                   comment='Further problems of the text: [{class_id, confidence, precision, family_id}]'))
        batch.add_column(sa.Column('suggestions', sa.JSON(), nullable=True,
                                   comment="The classifier's likeliest classes [[class_id, confidence], …], also when held for review"))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('suggestions')
        batch.drop_column('also_classes')
        batch.drop_column('class_family')
        batch.drop_column('class_precision')
