"""Alembic environment: runs migrations over the gateway's async engine."""
from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from gateway.store.engine import create_engine
from gateway.store.models import Base

config = context.config
target_metadata = Base.metadata


def _modelled(name: str | None, type_: str, parent_names: object) -> bool:
    """Search structures made by hand in migrations (0005: SQLite's cases_fts, PostgreSQL's trigram indexes) have no model."""
    return not (name or "").startswith("cases_fts") and not (type_ == "index" and (name or "").endswith("_trgm"))


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, include_name=_modelled)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
