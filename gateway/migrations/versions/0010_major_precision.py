"""a case's class may be vouched for at its major class only: the class_precision comment says so

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BEFORE = "class | family: the member named, or the family's default member"
AFTER = "class | family | major: the member named, the family's default member, or the likeliest class of a sure major"


def _comment(comment: str, existing: str) -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite keeps no column comments
        return
    op.alter_column('cases', 'class_precision', existing_type=sa.String(length=10), existing_nullable=True,
                    comment=comment, existing_comment=existing)


def upgrade() -> None:
    _comment(AFTER, BEFORE)


def downgrade() -> None:
    _comment(BEFORE, AFTER)
