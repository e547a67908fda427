"""Delivery: outbox rows written with the case change, sent to platforms in batches, retried, paused by a breaker."""
