"""Console accounts: argon2 passwords, sessions in encrypted cookies, CSRF in the session, sign-in delays, `login_required`."""
from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web
from aiohttp_session import SESSION_KEY, Session, get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet
from redis.exceptions import RedisError

from channels.web.console.catalogue import text
from channels.web.console.throttle import LoginThrottle
from gateway.appkeys import REDIS, STORE
from gateway.i18n import Lang, negotiate
from gateway.settings import ConsoleSettings, Settings
from gateway.store.models import UserRow
from gateway.store.store import Store

ROLES = ("agent", "admin", "supervisor", "liaison")
RANK = {"supervisor": -1, "liaison": -1, "agent": 0, "admin": 1}  # field accounts work on their phones (channels/field), not here
SESSION_COOKIE = "console_session"
LOGIN_PATH = "/console/login"
HOME_PATH = "/console/"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

hasher = PasswordHasher()
_NOBODY = hasher.hash(secrets.token_urlsafe(16))  # verified against when the username is unknown, so timing tells nothing


@dataclass(frozen=True)
class ConsoleUser:
    """Who is signed in, and in which language they read the console."""

    username: str
    role: str
    language: Lang

    def may(self, role: str) -> bool:
        """An administrator may do everything an agent may."""
        return RANK[self.role] >= RANK[role]


CONSOLE_USER = web.RequestKey("console_user", ConsoleUser)


def session_storage(settings: ConsoleSettings, *, secure: bool) -> EncryptedCookieStorage:
    """Fernet-encrypted cookie sessions; without a configured key, a new one each start (everyone signs in again)."""
    key = settings.session_key or Fernet.generate_key().decode()
    return EncryptedCookieStorage(Fernet(key), cookie_name=SESSION_COOKIE, max_age=int(settings.session_hours * 3600),
                                  path="/console", httponly=True, samesite="Strict", secure=secure)


def setup_sessions(app: web.Application, settings: Settings) -> None:
    """Sessions for the console; the cookie is sent over HTTPS only when the gateway is served over HTTPS."""
    secure = settings.public_base_url.startswith("https://")
    app.middlewares.append(session_middleware(session_storage(settings.console, secure=secure)))


def hash_password(password: str) -> str:
    return hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return hasher.verify(password_hash or _NOBODY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _fingerprint(password_hash: str) -> str:
    """Stored in the session: a password reset ends every session opened with the old password."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _session(request: web.Request) -> Session:
    session = request.get(SESSION_KEY)
    if session is None:
        raise RuntimeError("the console session is not loaded: guard the handler with login_required or await get_session first")
    return session


def csrf_token(request: web.Request) -> str:
    """The session's CSRF token (created on first use) for forms and the X-CSRF-Token header of fetches."""
    session = _session(request)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return str(session["csrf"])


def require_csrf(request: web.Request, form: Mapping[str, object]) -> None:
    """403 unless the form's `csrf` field (or the X-CSRF-Token header) is the session's token."""
    expected = _session(request).get("csrf")
    submitted = form.get("csrf") or request.headers.get("X-CSRF-Token")
    if not (isinstance(expected, str) and isinstance(submitted, str) and hmac.compare_digest(expected.encode(), submitted.encode())):
        raise refusal(request, web.HTTPForbidden, "csrf_failed")


def console_lang(request: web.Request) -> Lang:
    """?lang= (kept in the session), then the session's choice, then the user's language, then Accept-Language."""
    session = request.get(SESSION_KEY)
    explicit = request.query.get("lang")
    if explicit in ("zh", "en") and session is not None and session.get("lang") != explicit:
        session["lang"] = explicit
    user = request.get(CONSOLE_USER)
    chosen = explicit or (session.get("lang") if session is not None else None) or (user.language if user else None)
    return negotiate(request.headers.get("Accept-Language"), chosen)


def current_user(request: web.Request) -> ConsoleUser:
    """The signed-in user of a handler guarded by `login_required`."""
    return request[CONSOLE_USER]


async def signed_in(request: web.Request) -> ConsoleUser | None:
    """The session's user if the account still exists, is enabled and has the password the session was opened with."""
    session = await get_session(request)
    username = session.get("user")
    if not isinstance(username, str):
        return None
    row = await request.app[STORE].user(username)
    if row is None or row.disabled or session.get("pw") != _fingerprint(row.password_hash):
        session.invalidate()
        return None
    language: Lang = "en" if row.language == "en" else "zh"
    return ConsoleUser(row.username, row.role, language)


def refusal(request: web.Request, kind: type[web.HTTPError], code: str, **params: object) -> web.HTTPError:
    """A refusal in the reader's language: plain text for a page or form, {"error": {code, message}} for a fetch."""
    said = text(code, console_lang(request), **params)
    if _wants_page(request):
        return kind(text=said)
    return kind(text=json.dumps({"error": {"code": code, "message": said}}, ensure_ascii=False), content_type="application/json")


def _wants_page(request: web.Request) -> bool:
    """A browser navigating (redirect it to the login page) rather than a fetch or WebSocket (answer 401 JSON)."""
    upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
    return not upgrade and "text/html" in request.headers.get("Accept", "")


def login_required(role: str = "agent") -> Callable[[Handler], Handler]:
    """Guard a console handler: no login → the login page (pages) or 401 JSON; a lesser role → 403."""
    if role not in RANK:
        raise ValueError(f"unknown role {role}")

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            user = await signed_in(request)
            if user is None:
                if _wants_page(request):
                    target = request.path_qs if request.method == "GET" else HOME_PATH
                    raise web.HTTPSeeOther(f"{LOGIN_PATH}?next={quote(target, safe='')}")
                raise refusal(request, web.HTTPUnauthorized, "login_required")
            request[CONSOLE_USER] = user
            if not user.may(role):
                lang = console_lang(request)
                raise refusal(request, web.HTTPForbidden, "role_required", role=text(f"role_{role}", lang))
            return await handler(request)

        return guarded

    return decorate


def safe_next(target: str | None) -> str:
    """Only a path inside the console: never another site."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME_PATH


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refused:
    """Why a sign-in failed: `code` keys the console catalogue; a delayed name says for how many more seconds."""

    code: str
    seconds: int = 0


def login_throttle(request: web.Request, settings: ConsoleSettings) -> LoginThrottle:
    return LoginThrottle(request.app[REDIS], free_failures=settings.free_login_failures, first_delay=settings.login_delay_seconds,
                         max_delay=settings.login_delay_max_seconds)


async def attempt_login(request: web.Request, settings: ConsoleSettings, username: str, password: str) -> Refused | None:
    """Sign in, opening a fresh session; else why not. Unknown names, disabled accounts and wrong passwords get the same
    answer and the same delays: failures slow down that name from that client address (no account is ever locked)."""
    store: Store = request.app[STORE]
    throttle, address = login_throttle(request, settings), request.remote or "unknown"
    try:
        wait = await asyncio.to_thread(throttle.wait, username, address)
    except (RedisError, OSError) as exc:
        log.warning("sign-in delays cannot be read from Redis (%s): the password is checked without them", exc)
        wait = 0
    if wait:
        return Refused("login_throttled", wait)
    row: UserRow | None = await store.user(username)
    if row is None or row.disabled or not password_matches(row.password_hash, password):
        try:
            await asyncio.to_thread(throttle.failed, username, address)
        except (RedisError, OSError) as exc:
            log.warning("a failed sign-in could not be counted in Redis (%s)", exc)
        return Refused("login_failed")
    try:
        await asyncio.to_thread(throttle.succeeded, username, address)
    except (RedisError, OSError) as exc:
        log.warning("sign-in failures could not be cleared in Redis (%s)", exc)
    if hasher.check_needs_rehash(row.password_hash):
        row = await store.update_user(username, "system", password_hash=hash_password(password)) or row
    await store.login_succeeded(username)
    lang = (await get_session(request)).get("lang")
    session = await new_session(request)
    session.update({"user": row.username, "pw": _fingerprint(row.password_hash), "csrf": secrets.token_urlsafe(24)})
    if lang:
        session["lang"] = lang
    return None
