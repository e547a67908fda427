"""Letters' attachments that are no photos, for signed-in agents only: always downloaded, never shown inline (an HTML or
SVG file from a letter must not run as one of the console's pages)."""
from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from channels.web.console.auth import login_required
from gateway.appkeys import MEDIA, STORE

routes = web.RouteTableDef()
ATTACHMENT_PATH = "/console/mail/attachments/{attachment_id:[0-9]{1,18}}"


@routes.get(ATTACHMENT_PATH)
@login_required()
async def attachment(request: web.Request) -> web.FileResponse:
    row = await request.app[STORE].attachment(int(request.match_info["attachment_id"]))
    path = request.app[MEDIA].directory / "mail" / row.name if row is not None else None
    if row is None or path is None or not path.is_file():
        raise web.HTTPNotFound()
    headers = {"Content-Type": "application/octet-stream", "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
               "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    return web.FileResponse(path, headers=headers)
