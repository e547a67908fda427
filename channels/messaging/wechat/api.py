"""WeChat's HTTP API: the access token (one for all processes, cached in Redis under a lock, renewed before it
expires), JSON calls answered with `errcode`, and media downloads."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
from redis import Redis

from gateway.bodies import BodyTooLarge, read_response
from gateway.settings import Settings, WechatSettings

log = logging.getLogger(__name__)
TIMEOUT = aiohttp.ClientTimeout(total=30)
RENEW_MARGIN_SECONDS = 300
DEFAULT_EXPIRES_SECONDS = 7200  # what WeChat gives, should an answer leave expires_in out
LOCK_SECONDS = 60
LOCK_WAIT_SECONDS = 15.0
JSON_LIMIT = 1024 * 1024
TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid, malformed, expired access_token
OUT_OF_WINDOW = 45015  # the user has not written within 48 h
NOT_SUBSCRIBED = 43004
ERROR_TYPES = frozenset({"application/json", "text/plain", "text/html"})  # media/get answers a refusal as JSON


class WechatError(RuntimeError):
    """WeChat refused a call (`errcode`) or could not be reached (`errcode` None)."""

    def __init__(self, detail: str, errcode: int | None = None) -> None:
        super().__init__(detail)
        self.errcode = errcode


def wechat_settings(settings: Settings) -> WechatSettings:
    if settings.wechat is None:
        raise WechatError(
            "the WeChat channel (messaging.wechat) is not configured: set wechat.token, wechat.app_id and wechat.app_secret "
            "(or GATEWAY_WECHAT__TOKEN, GATEWAY_WECHAT__APP_ID and GATEWAY_WECHAT__APP_SECRET)"
        )
    return settings.wechat


def _refused(what: str, body: Any) -> WechatError | None:
    """The error WeChat's JSON answer says, or None when it says ok."""
    if not isinstance(body, dict):
        return WechatError(f"{what}: not a JSON object")
    code = body.get("errcode") or 0
    if code:
        return WechatError(f"{what} refused: errcode {code} {str(body.get('errmsg', ''))[:200]}", int(code))
    return None


class WechatApi:
    """Calls on behalf of one account; `redis` holds the shared access token."""

    def __init__(self, config: WechatSettings, redis: Redis) -> None:
        self.config, self.redis = config, redis
        self.base = config.api_base_url.rstrip("/")
        self.token_key = f"wechat:access_token:{config.app_id}"

    async def access_token(self, session: aiohttp.ClientSession) -> str:
        """The cached token, or a new one fetched by exactly one process while the others wait for it."""
        lock = self.redis.lock(f"{self.token_key}:lock", timeout=LOCK_SECONDS)
        waited = 0.0
        while True:
            cached = self.redis.get(self.token_key)
            if cached is not None:
                return cached.decode()
            if lock.acquire(blocking=False):
                try:
                    cached = self.redis.get(self.token_key)
                    return cached.decode() if cached is not None else await self._fetch_token(session)
                finally:
                    lock.release()
            if waited >= LOCK_WAIT_SECONDS:
                raise WechatError("timed out waiting for another process to fetch the access token")
            await asyncio.sleep(0.05)
            waited += 0.05

    async def _fetch_token(self, session: aiohttp.ClientSession) -> str:
        params = {"grant_type": "client_credential", "appid": self.config.app_id, "secret": self.config.app_secret}
        body = await self._json(session, "GET", "cgi-bin/token", params=params)
        error = _refused("cgi-bin/token", body)
        if error is not None:
            raise error
        token, expires = str(body.get("access_token") or ""), int(body.get("expires_in") or DEFAULT_EXPIRES_SECONDS)
        if not token or expires <= 0:
            raise WechatError("cgi-bin/token gave no access_token")
        self.redis.set(self.token_key, token, ex=max(60, expires - RENEW_MARGIN_SECONDS))
        log.info("WeChat access token renewed (valid %d s)", expires)
        return token

    def forget(self, token: str) -> None:
        """Drop a token WeChat refused, unless another process has already replaced it."""
        cached = self.redis.get(self.token_key)
        if cached is not None and cached.decode() == token:
            self.redis.delete(self.token_key)

    async def _json(self, session: aiohttp.ClientSession, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with session.request(method, f"{self.base}/{path}", **kwargs) as resp:
                data = await read_response(resp, JSON_LIMIT)
                return json.loads(data)
        except (aiohttp.ClientError, TimeoutError, BodyTooLarge, ValueError) as exc:
            raise WechatError(f"{path}: {type(exc).__name__}: {exc}") from exc

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON API with the access token; a refused token is renewed and the call made once more."""
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            for attempt in (1, 2):
                token = await self.access_token(session)
                body = await self._json(session, "POST", path, params={"access_token": token},
                                        data=json.dumps(payload, ensure_ascii=False).encode(), headers={"Content-Type": "application/json"})
                error = _refused(path, body)
                if error is None:
                    return body
                if error.errcode in TOKEN_ERRORS and attempt == 1:
                    self.forget(token)
                    continue
                raise error
        raise AssertionError("unreachable")

    async def media(self, media_id: str, max_bytes: int) -> tuple[bytes, str]:
        """A user's upload by its MediaId (cgi-bin/media/get), read whole under `max_bytes`; its bytes and type."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            for attempt in (1, 2):
                token = await self.access_token(session)
                try:
                    async with session.get(f"{self.base}/cgi-bin/media/get", params={"access_token": token, "media_id": media_id}) as resp:
                        data = await read_response(resp, max_bytes)
                        kind = resp.content_type
                except BodyTooLarge:
                    raise
                except (aiohttp.ClientError, TimeoutError) as exc:
                    raise WechatError(f"cgi-bin/media/get: {type(exc).__name__}: {exc}") from exc
                if resp.status == 200 and kind not in ERROR_TYPES and not data.startswith(b"{"):
                    return data, kind
                try:
                    error = _refused("cgi-bin/media/get", json.loads(data)) or WechatError("cgi-bin/media/get: no media")
                except ValueError:
                    error = WechatError(f"cgi-bin/media/get: HTTP {resp.status}, {kind}")
                if error.errcode in TOKEN_ERRORS and attempt == 1:
                    self.forget(token)
                    continue
                raise error
        raise AssertionError("unreachable")
