"""Prometheus metrics of the gateway (exposed at /metrics by `gateway serve`)."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REPORTS = Counter("gateway_reports_total", "Reports accepted", ["channel", "outcome"])
REJECTED = Counter("gateway_rejected_requests_total", "Requests refused as bad input", ["reason"])
INTAKE_SECONDS = Histogram("gateway_intake_seconds", "Time to accept one report", buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1))
DELIVERIES = Counter("gateway_delivery_attempts_total", "Delivery attempts by outcome", ["platform", "outcome"])
OUTBOX_DUE = Gauge("gateway_outbox_requeued", "Deliveries re-queued by the last sweep")
PLATFORM_PAUSED = Gauge("gateway_platform_paused", "1 while a platform's circuit breaker is open", ["platform"])
