"""calls, voicemails, opt-outs, inbound message ids, admin settings, account lock-out

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('admin_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('opt_outs',
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('keyword', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('channel', 'address')
    )
    op.create_table('calls',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False, comment='sip or twilio'),
    sa.Column('external_id', sa.String(length=128), nullable=False, comment='SIP Call-ID or Twilio CallSid'),
    sa.Column('line', sa.String(length=64), nullable=False, comment='The number dialled'),
    sa.Column('caller', sa.String(length=64), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('worker', sa.String(length=64), nullable=True, comment='The SIP worker that holds the call'),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handed_off_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_s', sa.Double(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('agent', sa.String(length=200), nullable=True),
    sa.Column('recording', sa.String(length=100), nullable=True, comment="Media name of the caller's recording"),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'external_id', name='uq_calls_external_id')
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_caller'), ['caller'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_state'), ['state'], unique=False)

    op.create_table('inbound_messages',
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], ),
    sa.PrimaryKeyConstraint('provider', 'external_id')
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_received_at'), ['received_at'], unique=False)

    op.create_table('voicemails',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('call_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('caller', sa.String(length=64), nullable=True),
    sa.Column('line', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('recording', sa.String(length=100), nullable=False, comment='Media name of the WAV or MP3'),
    sa.Column('duration_s', sa.Double(), nullable=False),
    sa.Column('consent_updates', sa.Boolean(), nullable=False),
    sa.Column('transcript', sa.Text(), nullable=True),
    sa.Column('transcript_source', sa.String(length=40), nullable=True, comment='Engine name, or the agent who wrote it'),
    sa.Column('status', sa.String(length=12), nullable=False, comment='new or handled'),
    sa.Column('handled_by', sa.String(length=100), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('voicemails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voicemails_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_voicemails_status'), ['status'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='zh', nullable=False))
        batch_op.add_column(sa.Column('disabled', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False, comment='Failures since the last success'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('disabled')
        batch_op.drop_column('language')

    with op.batch_alter_table('voicemails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voicemails_status'))
        batch_op.drop_index(batch_op.f('ix_voicemails_call_id'))

    op.drop_table('voicemails')
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_received_at'))

    op.drop_table('inbound_messages')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_state'))
        batch_op.drop_index(batch_op.f('ix_calls_started_at'))
        batch_op.drop_index(batch_op.f('ix_calls_caller'))

    op.drop_table('calls')
    op.drop_table('opt_outs')
    op.drop_table('admin_settings')
