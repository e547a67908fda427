"""Typed application storage: what `request.app[...]` holds, searchable by name."""
from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from redis import Redis
from rq import Queue

from classifier.tables import CodeTables
from gateway.casework.deadlines import Deadlines
from gateway.media import MediaStore
from gateway.settings import Settings
from gateway.store.store import Store

if TYPE_CHECKING:
    from gateway.casework.cases import Casework
    from gateway.casework.fieldwork import Fieldwork
    from gateway.intake.pipeline import Pipeline

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
REDIS = web.AppKey("redis", Redis)
QUEUE = web.AppKey("queue", Queue)
TABLES = web.AppKey("tables", CodeTables)
PIPELINE = web.AppKey("pipeline", "Pipeline")
CASEWORK = web.AppKey("casework", "Casework")
FIELDWORK = web.AppKey("fieldwork", "Fieldwork")
MEDIA = web.AppKey("media", MediaStore)
DEADLINES = web.AppKey("deadlines", Deadlines)
