"""A serving process answers from its first moment, while its application is still being built.

Reading the settings, importing the application, loading the city's locator and building the routes take seconds
(more on a loaded machine). Meanwhile a stand-in serves the socket: /healthz answers (the process is up), /readyz
says 503 and the step under way, and every other request, a report too, is refused with 503, Retry-After and a
message in the client's language, so nothing is taken that could not be kept. The application is built in a
thread (the event loop keeps answering), set up (its cleanup contexts open the store, Redis, the classifier's
loading), then given the socket; the stand-in stops and the application serves until the process is told to stop.
Only this module's own imports (aiohttp, the message catalogue) come before the first answer.
"""
from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import Callable

from aiohttp import web

from gateway.i18n import message, negotiate

BACKLOG = 1024
RETRY_AFTER_SECONDS = 2
STAND_IN_STOP_SECONDS = 5.0
Step = Callable[[str], None]
Build = Callable[[Step], web.Application]


class Booting:
    """The step a starting process is at, as /readyz names it (set from the building thread)."""

    def __init__(self) -> None:
        self.step = "starting"

    def at(self, step: str) -> None:
        self.step = step


async def healthz(_: web.Request) -> web.Response:
    """Liveness: the process is up (also while it starts)."""
    return web.json_response({"status": "ok"})


def stand_in(booting: Booting) -> web.Application:
    """What answers while the application is built: /healthz, /readyz 503 with the step, 503 for everything else."""

    async def readyz(_: web.Request) -> web.Response:
        return web.json_response({"ready": False, "reason": "starting", "step": booting.step}, status=503,
                                 headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_route("*", "/{tail:.*}", starting)
    return app


async def starting(request: web.Request) -> web.Response:
    """503 with Retry-After, in the client's language: a page for a browser, the API's error JSON for anyone else."""
    lang = negotiate(request.headers.get("Accept-Language"), request.query.get("lang"))
    text = message("starting", lang, seconds=RETRY_AFTER_SECONDS)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Content-Language": lang, "Cache-Control": "no-store"}
    if request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
        page = (f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><meta http-equiv="refresh" content="{RETRY_AFTER_SECONDS}">'
                f"<title>{text}</title><p>{text}</p></html>")
        return web.Response(text=page, content_type="text/html", status=503, headers=headers)
    return web.json_response({"error": {"code": "starting", "message": text}}, status=503, headers=headers)


async def serve(sock: socket.socket, build: Build, stopping: asyncio.Event) -> None:
    """Serve `sock` until `stopping` is set: the stand-in at once, then the application `build` returns (called in a
    thread with a function to name its steps). An error of the build or of the set-up stops the stand-in and is raised."""
    booting = Booting()
    front = web.AppRunner(stand_in(booting), access_log=None, shutdown_timeout=STAND_IN_STOP_SECONDS)
    await front.setup()
    try:
        await web.SockSite(front, sock.dup(), backlog=BACKLOG).start()  # its own descriptor: stopping it leaves `sock` open
        app = await asyncio.to_thread(build, booting.at)
        if stopping.is_set():
            return
        booting.at("resources")
        runner = web.AppRunner(app, access_log=None)
        try:
            await runner.setup()
            if stopping.is_set():
                return
            await web.SockSite(runner, sock, backlog=BACKLOG).start()
            await front.cleanup()  # new connections now reach the application; the stand-in finishes its answers
            await stopping.wait()
        finally:
            await runner.cleanup()
    finally:
        if front.server is not None:
            await front.cleanup()


async def serve_until_signalled(sock: socket.socket, build: Build) -> None:
    """`serve` until SIGTERM or SIGINT."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await serve(sock, build, stopping)
