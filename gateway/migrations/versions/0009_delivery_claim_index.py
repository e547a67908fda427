"""deliveries claimed by platform in order of their next attempt: the platform index ends with next_attempt_at

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_deliveries_platform', table_name='deliveries')
    op.create_index('ix_deliveries_claim', 'deliveries', ['platform_id', 'status', 'next_attempt_at'])


def downgrade() -> None:
    op.drop_index('ix_deliveries_claim', table_name='deliveries')
    op.create_index('ix_deliveries_platform', 'deliveries', ['platform_id', 'status'])
