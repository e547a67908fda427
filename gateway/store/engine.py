"""The async engine: SQLite in WAL mode with serialized writers, or PostgreSQL."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


def create_engine(url: str, *, pooled: bool = True) -> AsyncEngine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE transactions.

    Statement errors never carry their parameters (`hide_parameters`): an error of a group commit would otherwise
    print the texts and phone numbers of every citizen in the group into the log."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs: dict[str, Any] = {"pool_size": 10, "max_overflow": 20} if pooled else {"poolclass": NullPool}
        return create_async_engine(url, pool_recycle=1800, hide_parameters=True, **kwargs)
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
