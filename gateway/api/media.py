"""POST /api/v1/media: a photo upload, checked, stripped of EXIF, stored; its GPS proposes a place."""
from __future__ import annotations

from aiohttp import web

from gateway.api.auth import require
from gateway.api.errors import ApiError
from gateway.appkeys import MEDIA, SETTINGS
from gateway.location.errors import PhotoError
from gateway.location.exif import read_photo

routes = web.RouteTableDef()


@routes.post("/media")
async def upload_media(request: web.Request) -> web.Response:
    await require(request, "client")
    settings = request.config_dict[SETTINGS]
    limit = settings.intake.max_photo_bytes
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "body_too_large", limit=limit)
    data = await request.content.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "body_too_large", limit=limit)
    try:
        photo = read_photo(data)
    except PhotoError as exc:
        raise ApiError(400 if exc.code != "image_too_large" else 413, exc.code, **exc.params) from None
    stored = request.config_dict[MEDIA].save_photo(photo)
    url = f"{settings.public_base_url.rstrip('/')}/media/{stored.name}"
    gps = {"lat": stored.gps[0], "lon": stored.gps[1], "crs": "wgs84"} if stored.gps else None
    return web.json_response({"url": url, "content_type": stored.content_type, "width": photo.width, "height": photo.height, "gps": gps}, status=201)
