"""Optional HTTP geocoder adapter for cities whose gazetteer is not enough.

Any provider that answers a GET with JSON fits: the settings name the URL, the
key and address parameters, and where in the answer the point and label are
(`ResponseMapping`; presets for AMap, Baidu and Tencent). The provider's
coordinates are converted from its CRS to WGS-84. Answers, including "not
found", are cached in memory for a while; failures are not.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp

from gateway.bodies import BodyTooLarge, read_response
from gateway.location.crs import normalize_crs, to_wgs84
from gateway.location.errors import GeocoderError, LocationError
from gateway.location.gazetteer import Place

MAX_RESPONSE_BYTES: Final = 1024 * 1024  # a geocoder's answer is a few KB


@dataclass(frozen=True)
class ResponseMapping:
    """Where the answer keeps its status, its first result, and that result's point and label.

    Paths are dotted keys; a list on the way is entered at its first item. The
    point is either one "lon,lat" string (`location_path`) or two numbers
    (`lat_path`, `lon_path`).
    """

    results_path: str
    location_path: str | None = None
    lat_path: str | None = None
    lon_path: str | None = None
    label_path: str | None = None
    status_path: str | None = None
    status_ok: tuple[Any, ...] = ()


AMAP: Final = ResponseMapping(results_path="geocodes", location_path="location", label_path="formatted_address",
                              status_path="status", status_ok=("1",))
BAIDU: Final = ResponseMapping(results_path="result", lat_path="location.lat", lon_path="location.lng",
                               status_path="status", status_ok=(0,))
TENCENT: Final = ResponseMapping(results_path="result", lat_path="location.lat", lon_path="location.lng",
                                 label_path="title", status_path="status", status_ok=(0,))


@dataclass(frozen=True)
class GeocoderSettings:
    """Provider URL, key and answer layout, and the client's timeout and cache."""

    url: str
    key: str | None = None
    crs: str = "gcj02"
    mapping: ResponseMapping = AMAP
    key_param: str = "key"
    address_param: str = "address"
    extra_params: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 3.0
    cache_ttl_s: float = 3600.0
    cache_size: int = 1024
    precision_m: float = 50.0
    confidence: float = 0.6

    def __post_init__(self) -> None:
        normalize_crs(self.crs)


class TTLCache:
    """Small in-memory cache with expiry and least-recently-used eviction."""

    def __init__(self, ttl_s: float, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._max = max_entries
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def get(self, key: str) -> tuple[bool, Any]:
        """(True, value) on a fresh hit, (False, None) otherwise."""
        item = self._items.get(key)
        if item is None:
            return False, None
        expires, value = item
        if self._clock() >= expires:
            del self._items[key]
            return False, None
        self._items.move_to_end(key)
        return True, value

    def put(self, key: str, value: Any) -> None:
        """Store a value for ttl seconds, evicting the least recently used beyond capacity."""
        self._items[key] = (self._clock() + self._ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def _dig(data: Any, path: str) -> Any:
    """Value at a dotted path, entering lists at their first item; None if absent."""
    for part in path.split("."):
        if isinstance(data, list):
            data = data[0] if data else None
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    if isinstance(data, list):
        return data[0] if data else None
    return data


def _point(result: Any, mapping: ResponseMapping) -> tuple[float, float] | None:
    """(lat, lon) of one result in the provider's CRS, or None if it has none."""
    try:
        if mapping.location_path:
            raw = _dig(result, mapping.location_path)
            if not isinstance(raw, str) or "," not in raw:
                return None
            lon_s, lat_s = raw.split(",", 1)
            return float(lat_s), float(lon_s)
        lat, lon = _dig(result, mapping.lat_path or ""), _dig(result, mapping.lon_path or "")
        if lat is None or lon is None:
            return None
        return float(lat), float(lon)
    except (TypeError, ValueError):
        raise GeocoderError("geocoder_bad_response", reason="coordinates") from None


class HttpGeocoder:
    """Geocodes free addresses through a provider's HTTP API, with a TTL cache."""

    def __init__(self, session: aiohttp.ClientSession, settings: GeocoderSettings,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._session = session
        self.settings = settings
        self._cache = TTLCache(settings.cache_ttl_s, settings.cache_size, clock)

    async def geocode(self, address: str) -> Place | None:
        """The provider's best place for `address` in WGS-84, or None when it finds nothing."""
        key = " ".join(address.split())
        if not key:
            return None
        hit, cached = self._cache.get(key)
        if hit:
            return cached  # type: ignore[no-any-return]
        place = self._place(await self._fetch(key))
        self._cache.put(key, place)
        return place

    async def _fetch(self, address: str) -> Any:
        s = self.settings
        params = {**s.extra_params, s.address_param: address}
        if s.key:
            params[s.key_param] = s.key
        try:
            async with self._session.get(s.url, params=params,
                                         timeout=aiohttp.ClientTimeout(total=s.timeout_s)) as response:
                status, body = response.status, await read_response(response, MAX_RESPONSE_BYTES)
        except BodyTooLarge:
            raise GeocoderError("geocoder_bad_response", reason="too_large") from None
        except TimeoutError:
            raise GeocoderError("geocoder_timeout", timeout_s=s.timeout_s) from None
        except aiohttp.ClientError as exc:
            raise GeocoderError("geocoder_unreachable", reason=type(exc).__name__) from None
        if status != 200:
            raise GeocoderError("geocoder_http_status", status=status)
        try:
            return json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise GeocoderError("geocoder_bad_response", reason="not_json") from None

    def _place(self, data: Any) -> Place | None:
        s, m = self.settings, self.settings.mapping
        if not isinstance(data, dict):
            raise GeocoderError("geocoder_bad_response", reason="not_an_object")
        if m.status_path is not None:
            status = _dig(data, m.status_path)
            if status not in m.status_ok:
                raise GeocoderError("geocoder_refused", status=status)
        result = _dig(data, m.results_path)
        if not result:
            return None
        point = _point(result, m)
        if point is None:
            return None
        try:
            lat, lon = to_wgs84(point[0], point[1], s.crs)
        except LocationError:
            raise GeocoderError("geocoder_bad_response", reason="coordinates_out_of_range") from None
        label = _dig(result, m.label_path) if m.label_path else None
        return Place(lat, lon, str(label or ""), s.precision_m, s.confidence, source="geocoder", kind="geocoder")
