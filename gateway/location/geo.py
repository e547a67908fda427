"""Great-circle distance and bounding boxes on the WGS-84 sphere approximation."""

from __future__ import annotations

import math
from typing import Final, NamedTuple

EARTH_RADIUS_M: Final = 6371008.8


class BBox(NamedTuple):
    """A latitude/longitude box for an indexed SQL pre-filter."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        """True if the point lies in the box (edges included)."""
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bbox(lat: float, lon: float, radius_m: float) -> BBox:
    """Smallest lat/lon box holding every point within `radius_m` of (lat, lon).

    Near a pole, or where the box would cross the antimeridian, the longitude
    range widens to the whole circle so that no candidate is ever missed.
    """
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90.0 or max_lat >= 90.0:
        return BBox(max(min_lat, -90.0), -180.0, min(max_lat, 90.0), 180.0)
    # Widest longitude offset is reached at the latitude farthest from the equator.
    extreme = max(abs(min_lat), abs(max_lat))
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * math.cos(math.radians(extreme))))
    if lon - dlon < -180.0 or lon + dlon > 180.0:
        return BBox(min_lat, -180.0, max_lat, 180.0)
    return BBox(min_lat, lon - dlon, max_lat, lon + dlon)


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of latitude and of longitude at latitude `lat` (local plane)."""
    per_lat = math.pi * EARTH_RADIUS_M / 180.0
    return per_lat, per_lat * math.cos(math.radians(lat))
