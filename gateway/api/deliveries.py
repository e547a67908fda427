"""The outbox seen by administrators: list deliveries (dead letters above all) and replay them."""
from __future__ import annotations

from aiohttp import web

from gateway.api.auth import require
from gateway.api.errors import ApiError
from gateway.appkeys import PIPELINE, STORE
from gateway.store.models import DeliveryRow

routes = web.RouteTableDef()


def delivery_json(row: DeliveryRow) -> dict[str, object]:
    return {
        "delivery_id": row.id,
        "platform_id": row.platform_id,
        "case_id": row.case_id,
        "event": row.event,
        "status": row.status,
        "attempts": row.attempts,
        "created_at": row.created_at.isoformat(),
        "next_attempt_at": row.next_attempt_at.isoformat(),
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
    }


@routes.get("/deliveries")
async def list_deliveries(request: web.Request) -> web.Response:
    await require(request, "admin")
    status = request.query.get("status")
    if status not in (None, "pending", "delivering", "delivered", "dead"):
        raise ApiError(400, "invalid_field", at="status", field="status", detail="pending, delivering, delivered, dead")
    rows = await request.config_dict[STORE].deliveries(status=status, limit=500)
    return web.json_response({"items": [delivery_json(r) for r in rows]})


@routes.post("/deliveries/{delivery_id}/replay")
async def replay_delivery(request: web.Request) -> web.Response:
    role = await require(request, "admin")
    delivery_id = request.match_info["delivery_id"]
    async with request.config_dict[STORE].transaction() as tx:
        row = await tx.replay_dead(delivery_id, actor=f"api:{role}")
        if row is None:
            raise ApiError(409, "not_dead_letter", delivery=delivery_id)
    request.config_dict[PIPELINE].outbox.enqueue([delivery_id])
    return web.json_response(delivery_json(row))
