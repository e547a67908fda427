"""Browser libraries from channels/web/assets (npm ci by `make setup`), served at /vendor/<name>/."""
from __future__ import annotations

from pathlib import Path

from channels.web.staticfiles import StaticFiles

MODULES = Path(__file__).resolve().parent / "assets" / "node_modules"
# URL name -> the folder of built files inside the npm package
PACKAGES = {"leaflet": "leaflet/dist", "chart.js": "chart.js/dist", "leaflet.heat": "leaflet.heat/dist"}


def vendor_available(name: str) -> bool:
    """Whether the library was installed (pages leave out what needs it when not)."""
    return (MODULES / PACKAGES[name]).is_dir()


def vendor_files() -> list[StaticFiles]:
    """The installed libraries, each at /vendor/<name>/."""
    return [StaticFiles(f"/vendor/{name}/", MODULES / folder) for name, folder in PACKAGES.items() if vendor_available(name)]
