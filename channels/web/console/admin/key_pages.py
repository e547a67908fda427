"""API keys of machine clients: the list (never the keys themselves) and revocation, at once in every process."""
from __future__ import annotations

from aiohttp import web

from channels.web.console.admin.platform_pages import actor
from channels.web.console.admin.routing import ADMIN, error_text, page, routes
from channels.web.console.auth import login_required, require_csrf
from gateway.api.auth import API_KEYS
from gateway.appkeys import STORE
from gateway.i18n import InputError
from gateway.store.models import BIGINT_MAX


async def keys_page(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    rows = await request.config_dict[STORE].api_keys()
    revoked = next((r for r in rows if str(r.id) == request.query.get("revoked")), None)
    return page(request, "keys.html", {"rows": rows, "revoked": revoked, "error": error}, status)


@routes.get(f"{ADMIN}/keys")
@login_required("admin")
async def list_keys(request: web.Request) -> web.Response:
    return await keys_page(request)


@routes.post(f"{ADMIN}/keys/{{key_id}}/revoke")
@login_required("admin")
async def revoke_key(request: web.Request) -> web.Response:
    """Revoke a key (audited) and tell every process; an unknown id is refused and changes nothing."""
    require_csrf(request, await request.post())
    text = request.match_info["key_id"]
    key_id = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None
    row = await request.config_dict[STORE].revoke_api_key(key_id, actor(request)) if key_id is not None and key_id <= BIGINT_MAX else None
    if row is None:
        return await keys_page(request, error=error_text(request, InputError("key_not_found", id=text[:40])), status=404)
    await request.config_dict[API_KEYS].revoked()
    raise web.HTTPSeeOther(f"{ADMIN}/keys?revoked={row.id}")
