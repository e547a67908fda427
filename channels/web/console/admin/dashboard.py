"""The administrators' dashboard: cases per day by class and channel, open cases on a map, delivery time and success,
satisfaction, overdue cases."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from aiohttp import web

from channels.web.console.admin import queries
from channels.web.console.admin.routing import ADMIN, page, routes
from channels.web.console.admin.rulesets import class_label
from channels.web.console.auth import console_lang, login_required
from channels.web.console.names import channel_name
from channels.web.console.pages import add_nav
from channels.web.vendor import vendor_available
from gateway.appkeys import SETTINGS, STORE, TABLES
from gateway.domain import Satisfaction, satisfaction_name
from gateway.location.crs import from_wgs84
from gateway.store.clock import utcnow
from gateway.store.store import CaseFilter

DAYS_CHOICES = (7, 30, 90)
TOP_CLASSES = 8
HOTSPOT_DEG = 0.01  # about 1 km: the cells of the table shown when there is no map

add_nav(f"{ADMIN}/", {"zh": "管理", "en": "Administration"}, role="admin")


def top_series(series: dict[str, list[int]], keep: int, other: str) -> dict[str, list[int]]:
    """The `keep` largest series by total, the rest summed under `other`."""
    ranked = sorted(series.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    kept = dict(ranked[:keep])
    rest = [sum(values) for values in zip(*(v for _, v in ranked[keep:]))]
    return kept | ({other: rest} if rest else {})


def hotspots(points: list[tuple[float, float]], limit: int = 20) -> list[tuple[float, float, int]]:
    """Open cases counted by ~1 km cell, busiest first: (centre lat, centre lon, count)."""
    cells = Counter((int(lat // HOTSPOT_DEG), int(lon // HOTSPOT_DEG)) for lat, lon in points)
    return [((a + 0.5) * HOTSPOT_DEG, (b + 0.5) * HOTSPOT_DEG, n) for (a, b), n in cells.most_common(limit)]


def satisfaction_rows(counts: dict[str, int], lang: str) -> list[dict[str, Any]]:
    total = sum(counts.values())
    return [{"answer": a.value, "name": satisfaction_name(a.value, lang), "count": counts.get(a.value, 0),
             "share": counts.get(a.value, 0) / total if total else None} for a in Satisfaction]


async def figures(request: web.Request, days: int) -> dict[str, Any]:
    """Everything the dashboard shows, read from the store."""
    store, settings, tables = request.config_dict[STORE], request.config_dict[SETTINGS], request.config_dict[TABLES]
    lang = console_lang(request)
    since = utcnow() - timedelta(days=days)
    daily = await queries.cases_per_day(store, days)
    other = "—"
    by_class = {class_label(tables, cid, lang) if cid != other else other: v for cid, v in top_series(daily.by_class, TOP_CLASSES, other).items()}
    by_channel = {channel_name(channel, lang): v for channel, v in daily.by_channel.items()}
    points = await queries.open_case_points(store)
    counts = await queries.delivery_counts(store, since)
    overdue, overdue_total = await store.cases(CaseFilter(overdue=True, limit=20))
    tiles = bool(settings.tile_url) and vendor_available("leaflet") and vendor_available("leaflet.heat")
    return {
        "days": days, "days_choices": DAYS_CHOICES,
        "labels": [d.isoformat() for d in daily.days],
        "by_class": by_class, "by_channel": by_channel,
        "class_totals": sorted(((k, sum(v)) for k, v in by_class.items()), key=lambda kv: -kv[1]),
        "channel_totals": sorted(((k, sum(v)) for k, v in by_channel.items()), key=lambda kv: -kv[1]),
        "cases_total": sum(sum(v) for v in daily.by_channel.values()),
        "open_located": len(points),
        "map": {"tile_url": settings.tile_url, "points": [from_wgs84(lat, lon, settings.tile_crs) for lat, lon in points],
                "tracks": [[from_wgs84(lat, lon, settings.tile_crs) for lat, lon in line]  # supervisors' patrols of the last day
                           for line in (await store.patrol_tracks(utcnow() - timedelta(days=1))).values()]} if tiles else None,
        "hotspots": [] if tiles else hotspots(points),
        "median_hours": await queries.median_hours_to_delivery(store, since),
        "deliveries": counts, "success_rate": queries.success_rate(counts),
        "satisfaction": satisfaction_rows(await store.satisfaction(since), lang),
        "overdue": overdue, "overdue_total": overdue_total,
        "numbers": await store.case_numbers([c.id for c in overdue]),
        "charts": vendor_available("chart.js"), "tables": tables,
    }


@routes.get(f"{ADMIN}/")
@login_required("admin")
async def dashboard(request: web.Request) -> web.Response:
    raw = request.query.get("days", "30")
    days = int(raw) if raw.isdigit() and int(raw) in DAYS_CHOICES else None
    if days is None:
        context = await figures(request, 30)
        return page(request, "dashboard.html", context | {"error_days": True}, 400)
    return page(request, "dashboard.html", await figures(request, days))
