"""A city's gazetteer (roads, intersections, estates and gates, landmarks, POIs) and geocoding against it."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any, Literal

from shapely.geometry import LineString, Point
from shapely.ops import nearest_points

from gateway.location.address import ParsedAddress, parse
from gateway.location.crs import to_wgs84, validate
from gateway.location.errors import GazetteerError, LocationError
from gateway.location.geo import metres_per_degree
from gateway.location.latin import LatinNames

# How far from a point its nearest junction, estate or landmark, or road may lie to describe where it is.
NEAR_JUNCTION_M, NEAR_SPOT_M, NEAR_ROAD_M = 40.0, 120.0, 150.0
# Two road lines closer than this meet at a T-junction even if they do not cross.
JUNCTION_GAP_M = 30.0
NEAR_FACTOR = 0.85
NEAR_EXTRA_M = 50.0


@dataclass(frozen=True)
class Place:
    """A geocoded place: WGS-84 point, what it is, how precise and how sure."""

    lat: float
    lon: float
    label: str
    precision_m: float
    confidence: float
    source: str = "gazetteer"
    kind: str = "name"


@dataclass(frozen=True)
class Nearby:
    """The known place nearest a point: a junction of two roads, an estate or landmark, or a road, by Chinese name."""

    kind: Literal["junction", "spot", "road"]
    names: tuple[str, ...]
    distance_m: float


@dataclass(frozen=True)
class Road:
    """A named road as a polyline in a local metric plane (x east, y north, metres)."""

    name: str
    aliases: tuple[str, ...]
    line: LineString
    numbers: tuple[int, int] | None


@dataclass(frozen=True)
class Estate:
    """A 小区 or similar with its centre, gates and street address."""

    name: str
    point: tuple[float, float]
    gates: dict[str, tuple[float, float]]
    address: str | None


@dataclass(frozen=True)
class Spot:
    """A landmark or POI: a named point."""

    name: str
    aliases: tuple[str, ...]
    kind: str
    point: tuple[float, float]


@dataclass(frozen=True)
class Junction:
    """Where two roads meet: listed name if any, point, and how far apart multiple crossings lie."""

    name: str | None
    point: tuple[float, float]
    spread_m: float = 0.0


@dataclass
class _Plane:
    """Equirectangular projection around the city's origin: accurate to a few cm over a city."""

    lat0: float
    lon0: float
    m_lat: float = field(init=False)
    m_lon: float = field(init=False)

    def __post_init__(self) -> None:
        self.m_lat, self.m_lon = metres_per_degree(self.lat0)

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.m_lon, (lat - self.lat0) * self.m_lat

    def latlon(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / self.m_lat, self.lon0 + x / self.m_lon


def _vertices(geom: Any) -> list[tuple[float, float]]:
    """All coordinates of a point, line or collection."""
    if hasattr(geom, "geoms"):
        return [xy for part in geom.geoms for xy in _vertices(part)]
    return [tuple(xy) for xy in geom.coords]


def _point(raw: Any, crs: str, where: str) -> tuple[float, float]:
    """A [lon, lat] pair in the file's CRS, as a validated WGS-84 (lat, lon)."""
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        raise GazetteerError("gazetteer_point_malformed", where=where)
    lat, lon = validate(raw[1], raw[0])
    return to_wgs84(lat, lon, crs)


def _names(entry: dict[str, Any], where: str) -> tuple[str, tuple[str, ...]]:
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise GazetteerError("gazetteer_name_missing", where=where)
    return name, tuple(a for a in entry.get("aliases", ()) if isinstance(a, str) and a)


def _latin(entry: dict[str, Any], name: str) -> list[tuple[str, str]]:
    return [(latin, name) for latin in entry.get("latin", ()) if isinstance(latin, str) and latin]


class Gazetteer:
    """Names and coordinates of one city, with geocoding of parsed addresses."""

    def __init__(
        self,
        roads: list[Road],
        listed: dict[frozenset[str], Junction],
        estates: list[Estate],
        spots: list[Spot],
        plane: _Plane,
        admin_names: tuple[str, ...] = (),
        latin: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.roads = {r.name: r for r in roads}
        self.latin = LatinNames(latin)
        self.estates = {e.name: e for e in estates}
        self.spots = spots
        self.admin_names = admin_names
        self._plane = plane
        self._road_alias = {a: r.name for r in roads for a in (r.name, *r.aliases)}
        self._spot_alias: dict[str, Spot] = {}
        for spot in spots:  # landmarks come first and keep their names over same-named POIs
            for alias in (spot.name, *spot.aliases):
                self._spot_alias.setdefault(alias, spot)
        self._junctions = self._compute_junctions(listed)
        self._longest_first = sorted({n for n, _ in self.names() if len(n) >= 2}, key=lambda n: (-len(n), n))

    # ----- loading -------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any, admin_names: Iterable[str] = ()) -> Gazetteer:
        """Build from the parsed gazetteer JSON (see config/cities/sample/README.md)."""
        try:
            return cls._build(data, tuple(admin_names))
        except LocationError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise GazetteerError("gazetteer_malformed", reason=type(exc).__name__) from None

    @classmethod
    def _build(cls, data: Any, admin_names: tuple[str, ...]) -> Gazetteer:
        if not isinstance(data, dict):
            raise GazetteerError("gazetteer_malformed", reason="not_an_object")
        crs = data.get("crs", "wgs84")
        raw_points: list[tuple[float, float]] = []
        latin: list[tuple[str, str]] = []  # (Latin name, the Chinese name it stands for), from each entry's "latin"

        def pt(raw: Any, where: str) -> tuple[float, float]:
            p = _point(raw, crs, where)
            raw_points.append(p)
            return p

        road_lines = []
        for i, r in enumerate(data.get("roads", [])):
            name, aliases = _names(r, f"roads[{i}]")
            latin += _latin(r, name)
            line = [pt(v, f"roads[{i}]") for v in r.get("line", [])]
            if len(line) < 2:
                raise GazetteerError("gazetteer_road_too_short", where=f"roads[{i}]", name=name)
            nums = r.get("numbers")
            numbers = (int(nums["first"]), int(nums["last"])) if nums else None
            road_lines.append((name, aliases, line, numbers))
        estates = []
        for i, e in enumerate(data.get("communities", [])):
            name, _ = _names(e, f"communities[{i}]")
            latin += _latin(e, name)
            gates = {g: pt(p, f"communities[{i}].gates.{g}") for g, p in (e.get("gates") or {}).items()}
            estates.append(Estate(name, pt(e.get("point"), f"communities[{i}]"), gates, e.get("address")))
        spots = []
        for group, default_kind in (("landmarks", "landmark"), ("pois", "poi")):
            for i, s in enumerate(data.get(group, [])):
                name, aliases = _names(s, f"{group}[{i}]")
                latin += _latin(s, name)
                spots.append(Spot(name, aliases, s.get("kind", default_kind), pt(s.get("point"), f"{group}[{i}]")))
        if not raw_points:
            raise GazetteerError("gazetteer_empty")
        plane = _Plane(sum(p[0] for p in raw_points) / len(raw_points), sum(p[1] for p in raw_points) / len(raw_points))
        roads = [Road(n, a, LineString([plane.xy(*p) for p in line]), num) for n, a, line, num in road_lines]
        listed: dict[frozenset[str], Junction] = {}
        for i, j in enumerate(data.get("intersections", [])):
            pair = frozenset(j.get("roads", ()))
            if len(pair) != 2:
                raise GazetteerError("gazetteer_intersection_malformed", where=f"intersections[{i}]")
            listed[pair] = Junction(j.get("name") or None, pt(j.get("point"), f"intersections[{i}]"))
        return cls(roads, listed, estates, spots, plane, admin_names, latin)

    @classmethod
    def load(cls, path: Path, admin_names: Iterable[str] = ()) -> Gazetteer:
        """Read a gazetteer JSON file."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise GazetteerError("gazetteer_unreadable", path=str(path), reason=type(exc).__name__) from None
        return cls.from_dict(data, admin_names)

    def _compute_junctions(self, listed: dict[frozenset[str], Junction]) -> dict[frozenset[str], Junction]:
        """Every pair of roads that cross or nearly touch, listed entries (by name or alias) taking precedence.

        Roads crossing more than once meet at the middle of their crossings,
        with the crossings' spread kept to widen the precision.
        """
        junctions = {frozenset(self._road_alias.get(n, n) for n in key): j for key, j in listed.items()}
        for a, b in combinations(self.roads.values(), 2):
            key = frozenset((a.name, b.name))
            if key in junctions:
                continue
            meet = a.line.intersection(b.line)
            if meet.is_empty:
                pa, pb = nearest_points(a.line, b.line)
                if pa.distance(pb) > JUNCTION_GAP_M:
                    continue
                meet = LineString([pa, pb]).centroid
            c = meet.centroid
            spread = max((c.distance(Point(xy)) for xy in _vertices(meet)), default=0.0)
            junctions[key] = Junction(None, self._plane.latlon(c.x, c.y), spread)
        return junctions

    # ----- names ----------------------------------------------------------------------
    def names(self) -> Iterator[tuple[str, str]]:
        """Every known name with what it names: road, estate, landmark, poi kinds."""
        for alias in self._road_alias:
            yield alias, "road"
        for name in self.estates:
            yield name, "estate"
        for alias, spot in self._spot_alias.items():
            yield alias, spot.kind

    def canonical(self, name: str) -> str | None:
        """The main name of what a known name or alias names (一院 -> 第一人民医院), or None for an unknown name."""
        if name in self._road_alias:
            return self._road_alias[name]
        if name in self.estates:
            return name
        spot = self._spot_alias.get(name)
        return spot.name if spot else None

    def road(self, name: str | None) -> Road | None:
        """A road by name or alias."""
        return self.roads.get(self._road_alias.get(name or "", ""))

    # ----- geocoding --------------------------------------------------------------------
    def geocode(self, address: str | ParsedAddress) -> Place | None:
        """Place of an address (text or already parsed), or None when nothing matches."""
        parsed = parse(self.latin.to_chinese(address), self.admin_names) if isinstance(address, str) else address
        handler = {
            "intersection": self._intersection,
            "house_number": self._house_number,
            "estate": self._estate,
            "stop": self._stop,
            "road": lambda p: self._road_centre(self.road(p.road), 0.35),
            "name": self._by_name,
        }[parsed.kind]
        place = handler(parsed) or self._by_name(parsed)
        if place is None or not parsed.near:
            return place
        return Place(place.lat, place.lon, place.label + "附近", place.precision_m * 2 + NEAR_EXTRA_M,
                     round(place.confidence * NEAR_FACTOR, 3), place.source, place.kind)

    def _intersection(self, p: ParsedAddress) -> Place | None:
        a, b = self.road(p.road), self.road(p.cross_road)
        if a is None or b is None:
            return self._road_centre(a or b, 0.2)
        hit = self._junctions.get(frozenset((a.name, b.name)))
        if hit is None:
            return self._road_centre(a, 0.2)
        lat, lon = hit.point
        confidence = 0.9 if hit.spread_m < JUNCTION_GAP_M else 0.5
        return Place(lat, lon, hit.name or f"{a.name}与{b.name}", max(30.0, hit.spread_m), confidence, kind="intersection")

    def _house_number(self, p: ParsedAddress) -> Place | None:
        road = self.road(p.road)
        if road is None or p.number is None:
            return None
        if road.numbers is None:
            return self._road_centre(road, 0.3)
        first, last = road.numbers
        span = last - first
        fraction = (p.number - first) / span if span else 0.5
        inside = 0.0 <= fraction <= 1.0
        at = road.line.interpolate(min(max(fraction, 0.0), 1.0), normalized=True)
        lat, lon = self._plane.latlon(at.x, at.y)
        step = road.line.length / max(abs(span), 1)
        precision = max(40.0, 4 * step) if inside else road.line.length / 2
        return Place(lat, lon, f"{road.name}{p.number}号", precision, 0.7 if inside else 0.3, kind="house_number")

    def _estate(self, p: ParsedAddress) -> Place | None:
        estate = self.estates.get(p.estate or "")
        if estate is None:
            return None
        if p.gate and p.gate in estate.gates:
            lat, lon = estate.gates[p.gate]
            return Place(lat, lon, f"{estate.name}{p.gate}", 15.0, 0.9, kind="gate")
        label = estate.name + (f"{p.building}栋" if p.building else "") + (p.gate or "")
        lat, lon = estate.point
        return Place(lat, lon, label, 80.0 if p.building else 120.0, 0.75, kind="estate")

    def _stop(self, p: ParsedAddress) -> Place | None:
        wanted = ("metro_station",) if p.name and p.name.endswith("地铁站") else ("bus_stop", "metro_station")
        for spot in self.spots:
            if spot.kind in wanted and p.stop in (spot.name, *spot.aliases):
                label = spot.name + ("地铁站" if spot.kind == "metro_station" else "公交站")
                return Place(*spot.point, label, 20.0, 0.85, kind="stop")
        return None

    def _by_name(self, p: ParsedAddress) -> Place | None:
        """Exact name first, then the longest known name contained in the text."""
        text = p.name or p.text
        place = self._exact(text)
        if place is not None:
            return place
        for name in self._longest_first:
            if name in text:
                found = self._exact(name)
                if found is not None:
                    return Place(found.lat, found.lon, found.label, found.precision_m, round(found.confidence * 0.8, 3),
                                 found.source, found.kind)
        return None

    def _exact(self, name: str) -> Place | None:
        spot = self._spot_alias.get(name)
        if spot is not None:
            return Place(*spot.point, spot.name, 50.0 if spot.kind == "landmark" else 25.0, 0.8, kind=spot.kind)
        estate = self.estates.get(name)
        if estate is not None:
            return Place(*estate.point, estate.name, 120.0, 0.7, kind="estate")
        return self._road_centre(self.road(name), 0.3)

    def _road_centre(self, road: Road | None, confidence: float) -> Place | None:
        """Middle of a road: a weak guess whose precision is half the road's length."""
        if road is None:
            return None
        mid = road.line.interpolate(0.5, normalized=True)
        lat, lon = self._plane.latlon(mid.x, mid.y)
        return Place(lat, lon, road.name, math.ceil(road.line.length / 2), confidence, kind="road")

    def nearest(self, lat: float, lon: float) -> Nearby | None:
        """What a WGS-84 point is nearest to: a junction within 40 m, else an estate or landmark within 120 m, else a road
        within 150 m; None farther from everything (the point stays a point)."""
        here = Point(self._plane.xy(lat, lon))

        def metres(point: tuple[float, float]) -> float:
            return here.distance(Point(self._plane.xy(*point)))

        junctions = [(metres(j.point), tuple(sorted(pair))) for pair, j in self._junctions.items()]
        spots = [(metres(e.point), (e.name,)) for e in self.estates.values()]
        spots += [(metres(s.point), (s.name,)) for s in self.spots if s.kind == "landmark"]
        roads = [(r.line.distance(here), (r.name,)) for r in self.roads.values()]
        for kind, found, reach in (("junction", junctions, NEAR_JUNCTION_M), ("spot", spots, NEAR_SPOT_M), ("road", roads, NEAR_ROAD_M)):
            if found:
                distance, names = min(found)
                if distance <= reach:
                    return Nearby(kind, names, round(distance, 1))  # type: ignore[arg-type]
        return None

    def distance_to_road_m(self, name: str, lat: float, lon: float) -> float:
        """Distance in metres from a point to a named road (for checks and tests)."""
        road = self.road(name)
        if road is None:
            raise GazetteerError("gazetteer_unknown_road", name=name)
        return road.line.distance(Point(self._plane.xy(lat, lon)))
