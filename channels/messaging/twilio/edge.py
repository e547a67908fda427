"""What every Twilio route and job shares: the signature check, the REST client, downloads with the account's credentials."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp import web
from multidict import MultiDictProxy
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from gateway.appkeys import SETTINGS
from gateway.bodies import BodyTooLarge, read_response
from gateway.casework.notify import ChannelNotConfigured
from gateway.settings import Settings, TwilioSettings

PROVIDER = "twilio"
SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_FORM_BYTES = 64 * 1024
REDIRECTS = (301, 302, 303, 307, 308)


class TwilioError(RuntimeError):
    """Twilio is not configured, refused a call, or sent something unusable."""


class TwilioNotConfigured(TwilioError, ChannelNotConfigured):
    """No Twilio account, or no sender for the kind of message, in settings."""


def twilio_settings(settings: Settings) -> TwilioSettings:
    if settings.twilio is None:
        raise TwilioNotConfigured(
            "the Twilio channels are not configured: set twilio.account_sid and twilio.auth_token "
            "(or GATEWAY_TWILIO__ACCOUNT_SID and GATEWAY_TWILIO__AUTH_TOKEN)"
        )
    return settings.twilio


def public_url(settings: Settings, request: web.Request) -> str:
    """The URL Twilio called: the public base URL (behind a proxy) plus the path and query it reached us on."""
    return settings.public_base_url.rstrip("/") + request.raw_path


async def verified_form(request: web.Request) -> MultiDictProxy[str]:
    """The webhook's form parameters, once `X-Twilio-Signature` proves Twilio sent them; 403 otherwise (nothing stored)."""
    settings = request.config_dict[SETTINGS]
    config = twilio_settings(settings)
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise web.HTTPRequestEntityTooLarge(MAX_FORM_BYTES, request.content_length)
    signature = request.headers.get(SIGNATURE_HEADER)
    form = await request.post()
    params = {key: str(value) for key, value in form.items()}
    if not signature or len(params) != len(form) or not RequestValidator(config.auth_token).validate(public_url(settings, request), params, signature):
        raise web.HTTPForbidden(text="invalid Twilio signature")
    return form  # type: ignore[return-value]


@asynccontextmanager
async def rest_client(config: TwilioSettings) -> AsyncIterator[Client]:
    """An async REST client for the account, talking to `api_base_url`; its HTTP session closed on leaving."""
    http = AsyncTwilioHttpClient(timeout=30)
    client = Client(config.account_sid, config.auth_token, http_client=http)
    client.api.base_url = config.api_base_url.rstrip("/")
    try:
        yield client
    finally:
        await http.close()


async def download(config: TwilioSettings, url: str, max_bytes: int) -> tuple[bytes, str]:
    """Fetch a media item or recording with the account's credentials: only from the account's own API host, and a
    redirect (Twilio sends media on to its storage) followed without them."""
    base, target = urlsplit(config.api_base_url), urlsplit(url)
    if (target.scheme, target.netloc) != (base.scheme, base.netloc) or f"/Accounts/{config.account_sid}/" not in target.path:
        raise TwilioError(f"media URL outside the account: {url[:200]}")
    headers = {"Authorization": aiohttp.encode_basic_auth(config.account_sid, config.auth_token)}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            async with session.get(url, headers=headers, allow_redirects=False) as resp:
                location = resp.headers.get("Location") if resp.status in REDIRECTS else None
                if location is None:
                    return await _body(resp, url, max_bytes)
            async with session.get(urljoin(url, location)) as resp:
                return await _body(resp, url, max_bytes)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TwilioError(f"download failed: {type(exc).__name__}: {exc}") from exc


async def _body(resp: aiohttp.ClientResponse, url: str, max_bytes: int) -> tuple[bytes, str]:
    if resp.status != 200:
        raise TwilioError(f"download refused (HTTP {resp.status}): {url[:200]}")
    try:
        data = await read_response(resp, max_bytes)
    except BodyTooLarge as exc:
        raise TwilioError(f"media larger than {max_bytes} bytes") from exc
    return data, resp.content_type
