"""Conversions between WGS-84, GCJ-02 (AMap, Tencent), BD-09 (Baidu) and CGCS2000.

WGS-84 is held internally. CGCS2000 is treated as WGS-84 (they agree within a
metre). GCJ-02 and BD-09 apply only inside the rough bounding box of China used
by every public implementation; outside it every conversion is the identity.
The inverse transforms are solved by fixed-point iteration, so round trips are
within millimetres.
"""

from __future__ import annotations

import math
from typing import Callable, Final

from gateway.location.errors import LocationError

WGS84: Final = "wgs84"
GCJ02: Final = "gcj02"
BD09: Final = "bd09"
CGCS2000: Final = "cgcs2000"

_ALIASES: Final[dict[str, str]] = {
    "wgs84": WGS84, "wgs-84": WGS84, "wgs_84": WGS84, "epsg:4326": WGS84, "gps": WGS84,
    "gcj02": GCJ02, "gcj-02": GCJ02, "gcj_02": GCJ02, "amap": GCJ02, "tencent": GCJ02,
    "bd09": BD09, "bd-09": BD09, "bd09ll": BD09, "baidu": BD09,
    "cgcs2000": CGCS2000, "epsg:4490": CGCS2000,
}

# Krasovsky ellipsoid parameters used by the GCJ-02 obfuscation.
_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323
_X_PI: Final = math.pi * 3000.0 / 180.0
_ITERATIONS: Final = 30
_TOLERANCE_DEG: Final = 1e-10


def normalize_crs(crs: str) -> str:
    """Canonical CRS name for `crs` (case-insensitive, aliases accepted)."""
    key = crs.strip().lower() if isinstance(crs, str) else ""
    if key not in _ALIASES:
        raise LocationError("unknown_crs", crs=crs)
    return _ALIASES[key]


def validate(lat: float, lon: float) -> tuple[float, float]:
    """Check a latitude/longitude pair is finite and within range; return it as floats."""
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise LocationError("coordinate_not_a_number", lat=lat, lon=lon) from None
    if not math.isfinite(lat_f):
        raise LocationError("lat_not_finite", lat=lat)
    if not math.isfinite(lon_f):
        raise LocationError("lon_not_finite", lon=lon)
    if not -90.0 <= lat_f <= 90.0:
        raise LocationError("lat_out_of_range", lat=lat_f)
    if not -180.0 <= lon_f <= 180.0:
        raise LocationError("lon_out_of_range", lon=lon_f)
    return lat_f, lon_f


def in_china(lat: float, lon: float) -> bool:
    """True inside the bounding box where GCJ-02 and BD-09 shift coordinates."""
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _shift(x: float, y: float) -> tuple[float, float]:
    """GCJ-02 offset polynomials in metres-like units for x = lon-105, y = lat-35."""
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += common
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += common
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return dlat, dlon


def _wgs_to_gcj(lat: float, lon: float) -> tuple[float, float]:
    dlat, dlon = _shift(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1.0 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + dlat, lon + dlon


def _gcj_to_bd(lat: float, lon: float) -> tuple[float, float]:
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


_Forward = Callable[[float, float], tuple[float, float]]


def _invert(forward: _Forward, lat: float, lon: float) -> tuple[float, float]:
    """Solve forward(x) = (lat, lon) for x by fixed-point iteration on the offset."""
    guess_lat, guess_lon = lat, lon
    for _ in range(_ITERATIONS):
        f_lat, f_lon = forward(guess_lat, guess_lon)
        err_lat, err_lon = f_lat - lat, f_lon - lon
        guess_lat -= err_lat
        guess_lon -= err_lon
        if abs(err_lat) < _TOLERANCE_DEG and abs(err_lon) < _TOLERANCE_DEG:
            break
    return guess_lat, guess_lon


def _wgs_to_bd(lat: float, lon: float) -> tuple[float, float]:
    return _gcj_to_bd(*_wgs_to_gcj(lat, lon))


def from_wgs84(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """Express a WGS-84 point in `crs`; identity outside China and for WGS-84/CGCS2000."""
    name = normalize_crs(crs)
    lat, lon = validate(lat, lon)
    if name in (WGS84, CGCS2000) or not in_china(lat, lon):
        return lat, lon
    if name == GCJ02:
        return _wgs_to_gcj(lat, lon)
    return _wgs_to_bd(lat, lon)


def to_wgs84(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """Convert a point given in `crs` to WGS-84; identity outside China and for WGS-84/CGCS2000."""
    name = normalize_crs(crs)
    lat, lon = validate(lat, lon)
    if name in (WGS84, CGCS2000) or not in_china(lat, lon):
        return lat, lon
    forward = _wgs_to_gcj if name == GCJ02 else _wgs_to_bd
    return _invert(forward, lat, lon)


def convert(lat: float, lon: float, source: str, target: str) -> tuple[float, float]:
    """Convert a point from one CRS to another through WGS-84."""
    return from_wgs84(*to_wgs84(lat, lon, source), target)
