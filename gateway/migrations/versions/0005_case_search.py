"""case search: cases by creation time, their text and address searchable by any part

PostgreSQL: trigram indexes (pg_trgm, a trusted extension) serve ILIKE '%…%' on text and address.
SQLite: an FTS5 table with the trigram tokenizer over cases(text, address), kept in step by triggers. A later
migration that rebuilds the cases table on SQLite (batch_alter_table) drops those triggers and must make them again
(`case_search_triggers` below).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    "CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN "
    "INSERT INTO cases_fts(rowid, text, address) VALUES (new.id, new.text, new.address); END",
    "CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN "
    "INSERT INTO cases_fts(cases_fts, rowid, text, address) VALUES ('delete', old.id, old.text, old.address); END",
    "CREATE TRIGGER cases_fts_update AFTER UPDATE OF text, address ON cases BEGIN "
    "INSERT INTO cases_fts(cases_fts, rowid, text, address) VALUES ('delete', old.id, old.text, old.address); "
    "INSERT INTO cases_fts(rowid, text, address) VALUES (new.id, new.text, new.address); END",
)


def case_search_triggers() -> None:
    """The SQLite triggers that keep cases_fts in step with cases."""
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    op.create_index('ix_cases_created_at', 'cases', ['created_at'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_cases_text_trgm ON cases USING gin (text gin_trgm_ops)")
        op.execute("CREATE INDEX ix_cases_address_trgm ON cases USING gin (address gin_trgm_ops)")
    elif op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE cases_fts USING fts5(text, address, content='cases', content_rowid='id', tokenize='trigram')")
        op.execute("INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')")
        case_search_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_cases_address_trgm")
        op.execute("DROP INDEX IF EXISTS ix_cases_text_trgm")
    elif op.get_bind().dialect.name == 'sqlite':
        for name in ('cases_fts_update', 'cases_fts_delete', 'cases_fts_insert'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS cases_fts")
    op.drop_index('ix_cases_created_at', table_name='cases')
