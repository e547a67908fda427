"""The form's map pick: shown when tiles are configured, Leaflet is installed and a city gives the starting view."""
from __future__ import annotations

from dataclasses import dataclass

from channels.web.vendor import vendor_available
from gateway.location import Locator
from gateway.location.crs import convert
from gateway.settings import Settings

ZOOM = 15


@dataclass(frozen=True)
class MapView:
    """What the page's script needs: the tile template, the tiles' datum and the starting view in that datum."""

    tiles: str
    crs: str
    lat: float
    lon: float
    zoom: int


def map_view(settings: Settings, locator: Locator | None) -> MapView | None:
    """The map pick for this gateway, or None when it cannot be shown (the form works without it)."""
    if not settings.tile_url or locator is None or not vendor_available("leaflet"):
        return None
    city = locator.city
    bounds = city.bounds
    lat, lon = convert((bounds.min_lat + bounds.max_lat) / 2, (bounds.min_lon + bounds.max_lon) / 2, city.crs, settings.tile_crs)
    return MapView(settings.tile_url, settings.tile_crs, round(lat, 6), round(lon, 6), ZOOM)
