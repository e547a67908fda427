"""POST /api/v1/media: a photo upload, checked, stripped of EXIF, stored; its GPS proposes a place."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.api.auth import require
from gateway.api.errors import ApiError, read_body
from gateway.appkeys import MEDIA, SETTINGS
from gateway.location.errors import PhotoError

routes = web.RouteTableDef()


@routes.post("/media")
async def upload_media(request: web.Request) -> web.Response:
    await require(request, "client")
    return web.json_response(await store_photo(request), status=201)


async def store_photo(request: web.Request) -> dict[str, Any]:
    """The request's body as a photo: checked, cleaned and stored under its content's name (the same photo sent again
    gets the same name), described as the upload answers it."""
    settings = request.config_dict[SETTINGS]
    data = await read_body(request, settings.intake.max_photo_bytes)
    try:
        photo = await request.config_dict[MEDIA].clean_photo(data)
    except PhotoError as exc:
        raise ApiError(400 if exc.code != "image_too_large" else 413, exc.code, **exc.params) from None
    stored = request.config_dict[MEDIA].save_photo(photo)
    url = f"{settings.public_base_url.rstrip('/')}/media/{stored.name}"
    gps = {"lat": stored.gps[0], "lon": stored.gps[1], "crs": "wgs84"} if stored.gps else None
    return {"url": url, "content_type": stored.content_type, "width": photo.width, "height": photo.height, "gps": gps}
