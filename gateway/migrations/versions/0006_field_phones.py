"""field phones: devices, grid bindings of supervisors and liaisons, their reports, on-site tasks, duty

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('field_devices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('enrol_hash', sa.String(length=64), nullable=True, comment='SHA-256 of the enrolment code, until used'),
    sa.Column('enrol_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True, comment='SHA-256 of the device token, once enrolled'),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('enrol_hash'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('field_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_devices_username'), ['username'], unique=False)

    op.create_table('field_duty',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('on_duty', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username')
    )
    op.create_table('field_grids',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username', 'grid_code')
    )
    with op.batch_alter_table('field_grids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_grids_grid_code'), ['grid_code'], unique=False)

    op.create_table('field_tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('platform_id', sa.String(length=64), nullable=False),
    sa.Column('platform_task_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False, comment='verify (核实) or check (核查)'),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False, comment='offered, taken, answered or withdrawn'),
    sa.Column('offered_to', sa.String(length=64), nullable=True),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offers', sa.Integer(), nullable=False, comment='How many supervisors it was offered to in turn'),
    sa.Column('taken_by', sa.String(length=64), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer_id', sa.String(length=36), nullable=True, comment="The phone's UUID of its answer: a resend of it is no second answer"),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=True),
    sa.Column('answer_photos', sa.JSON(), nullable=True),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform_id', 'platform_task_id', name='uq_field_tasks_platform_task')
    )
    with op.batch_alter_table('field_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_tasks_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_tasks_grid_code'), ['grid_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_tasks_offered_to'), ['offered_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_tasks_status'), ['status'], unique=False)

    op.create_table('field_reports',
    sa.Column('id', sa.String(length=36), nullable=False, comment="The phone's UUID of the report"),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('device_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=True),
    sa.Column('accuracy_m', sa.Double(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False, comment="When the report was made, on the server's clock (the phone's corrected)"),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_skew_s', sa.Float(), nullable=False, comment="Server time minus the phone's when it sent"),
    sa.Column('photos', sa.JSON(), nullable=False, comment='[{url, content_type, phase: before|after}]'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['device_id'], ['field_devices.id'], ),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('field_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_reports_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_reports_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_reports_username'), ['username'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('field_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_reports_username'))
        batch_op.drop_index(batch_op.f('ix_field_reports_report_id'))
        batch_op.drop_index(batch_op.f('ix_field_reports_case_id'))

    op.drop_table('field_reports')
    with op.batch_alter_table('field_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_tasks_status'))
        batch_op.drop_index(batch_op.f('ix_field_tasks_offered_to'))
        batch_op.drop_index(batch_op.f('ix_field_tasks_grid_code'))
        batch_op.drop_index(batch_op.f('ix_field_tasks_case_id'))

    op.drop_table('field_tasks')
    with op.batch_alter_table('field_grids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_grids_grid_code'))

    op.drop_table('field_grids')
    op.drop_table('field_duty')
    with op.batch_alter_table('field_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_devices_username'))

    op.drop_table('field_devices')
