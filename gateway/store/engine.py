"""The async engine: SQLite in WAL mode with serialized writers, or PostgreSQL."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


PGBOUNCER = "pgbouncer"
"""Query option of a PostgreSQL database_url: `?pgbouncer=transaction` when PgBouncer in transaction mode stands between."""


def _through_pgbouncer(mode: Any) -> dict[str, Any]:
    """asyncpg's arguments behind PgBouncer in transaction mode: each transaction may get another server connection,
    so no statement is kept prepared across transactions (both statement caches off) and each has a name of its own."""
    if mode != "transaction":
        raise ValueError(f"database_url: {PGBOUNCER}={mode!r} is not known; PgBouncer in transaction mode is {PGBOUNCER}=transaction")
    return {"statement_cache_size": 0, "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": lambda: f"__asyncpg_{uuid.uuid4().hex}__"}


def create_engine(url: str, *, pooled: bool = True) -> AsyncEngine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE transactions.

    Statement errors never carry their parameters (`hide_parameters`): an error of a group commit would otherwise
    print the texts and phone numbers of every citizen in the group into the log."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs: dict[str, Any] = {"pool_size": 10, "max_overflow": 20} if pooled else {"poolclass": NullPool}
        if PGBOUNCER in parsed.query:
            kwargs["connect_args"] = _through_pgbouncer(parsed.query[PGBOUNCER])
            parsed = parsed.difference_update_query([PGBOUNCER])
        return create_async_engine(parsed, pool_recycle=1800, hide_parameters=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True, **({} if pooled else {"poolclass": NullPool}))

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"
