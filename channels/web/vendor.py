"""Browser libraries from channels/web/assets (npm ci by `make setup`), served at /vendor/<name>/."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

MODULES = Path(__file__).resolve().parent / "assets" / "node_modules"
# URL name -> the folder of built files inside the npm package
PACKAGES = {"leaflet": "leaflet/dist", "chart.js": "chart.js/dist", "leaflet.heat": "leaflet.heat/dist"}


def vendor_available(name: str) -> bool:
    """Whether the library was installed (pages leave out what needs it when not)."""
    return (MODULES / PACKAGES[name]).is_dir()


def add_vendor_routes(app: web.Application) -> None:
    for name, folder in PACKAGES.items():
        if vendor_available(name):
            app.router.add_static(f"/vendor/{name}/", MODULES / folder)
