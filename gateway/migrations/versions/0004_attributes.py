"""answers to a service's questions (Open311 attributes) kept apart from the text, on reports and cases

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('attributes', sa.JSON(), nullable=True,
                                   comment="Answers of the first report to its service's questions (Open311 attributes), by code"))
    with op.batch_alter_table('reports') as batch:
        batch.add_column(sa.Column('attributes', sa.JSON(), nullable=True,
                                   comment="Answers to its service's questions (Open311 attributes), by code"))


def downgrade() -> None:
    with op.batch_alter_table('reports') as batch:
        batch.drop_column('attributes')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('attributes')
