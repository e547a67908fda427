"""Prometheus metrics of the gateway, exposed at /metrics by `gateway serve` to the scraper only.

With `metrics_token` set, every scrape needs `Authorization: Bearer <token>` (Prometheus: `authorization: {credentials: …}`).
Without one, only this machine is answered: a client on a loopback address that no proxy forwarded (a request that
carries Forwarded, X-Forwarded-For or X-Real-IP came through a proxy, so from anywhere).
"""
from __future__ import annotations

import hmac
import ipaddress

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from gateway.i18n import message, negotiate

REPORTS = Counter("gateway_reports_total", "Reports accepted", ["channel", "outcome"])
REJECTED = Counter("gateway_rejected_requests_total", "Requests refused as bad input", ["reason"])
INTAKE_SECONDS = Histogram("gateway_intake_seconds", "Time to accept one report", buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1))
DELIVERIES = Counter("gateway_delivery_attempts_total", "Delivery attempts by outcome", ["platform", "outcome"])
OUTBOX_DUE = Gauge("gateway_outbox_requeued", "Deliveries re-queued by the last sweep")
PLATFORM_PAUSED = Gauge("gateway_platform_paused", "1 while a platform's circuit breaker is open", ["platform"])

PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def _refused(request: web.Request, status: int, code: str, headers: dict[str, str] | None = None) -> web.Response:
    lang = negotiate(request.headers.get("Accept-Language"), request.query.get("lang"))
    return web.json_response({"error": {"code": code, "message": message(code, lang)}}, status=status,
                             headers={"Content-Language": lang, "Cache-Control": "no-store"} | (headers or {}))


def from_this_machine(request: web.Request) -> bool:
    """A client on a loopback address, not forwarded by a proxy."""
    if any(name in request.headers for name in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address((request.remote or "").split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def token_presented(request: web.Request, token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


async def metrics_endpoint(request: web.Request) -> web.Response:
    """The metrics, for the holder of `metrics_token`, or (without one) for this machine only."""
    from gateway.appkeys import SETTINGS

    token = request.app[SETTINGS].metrics_token
    if token is not None:
        if not token_presented(request, token):
            return _refused(request, 401, "metrics_token_required", {"WWW-Authenticate": 'Bearer realm="metrics"'})
    elif not from_this_machine(request):
        return _refused(request, 403, "metrics_local_only")
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
