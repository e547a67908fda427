"""the mayor's mailbox: how far each IMAP mailbox was read, the letters seen, attachments kept for agents

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'mail_mailboxes',
        sa.Column('mailbox_id', sa.String(64), primary_key=True),
        sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
        sa.Column('last_uid', sa.BigInteger(), nullable=False),
        sa.Column('polled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
    )
    op.create_table(
        'mail_messages',
        sa.Column('key', sa.String(64), primary_key=True, comment="SHA-256 of the Message-ID, or of the whole message without one"),
        sa.Column('message_id', sa.String(998), nullable=True, comment="The letter's Message-ID header as sent"),
        sa.Column('source', sa.String(64), nullable=False, comment="The mailbox id, or smtp"),
        sa.Column('uid', sa.BigInteger(), nullable=True),
        sa.Column('sender_key', sa.String(64), nullable=True, comment="SHA-256 of the sender's address"),
        sa.Column('outcome', sa.String(20), nullable=False, comment="case, joined, feedback or skipped"),
        sa.Column('reason', sa.String(40), nullable=True, comment="Why it was skipped (too_large, auto_reply, …)"),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('report_id', BIG_ID, sa.ForeignKey('reports.id'), nullable=True),
        sa.Column('case_id', BIG_ID, sa.ForeignKey('cases.id'), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_mail_messages_sender_key', 'mail_messages', ['sender_key'])
    op.create_index('ix_mail_messages_case_id', 'mail_messages', ['case_id'])
    op.create_index('ix_mail_messages_received_at', 'mail_messages', ['received_at'])
    op.create_table(
        'mail_attachments',
        sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
        sa.Column('report_id', BIG_ID, sa.ForeignKey('reports.id'), nullable=False),
        sa.Column('filename', sa.String(255), nullable=False),
        sa.Column('content_type', sa.String(100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(80), nullable=False, comment="<sha256>.bin under the media directory's mail/ folder"),
    )
    op.create_index('ix_mail_attachments_report_id', 'mail_attachments', ['report_id'])


def downgrade() -> None:
    op.drop_table('mail_attachments')
    op.drop_table('mail_messages')
    op.drop_table('mail_mailboxes')
