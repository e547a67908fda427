"""Unit grids: load and validate a city's grid GeoJSON, then find the grid of a point."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.affinity
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from gateway.location.crs import CGCS2000, WGS84, normalize_crs, to_wgs84, validate
from gateway.location.errors import GridError, LocationError

GRID_CODE = re.compile(r"^\d{15}$")
# Shared edges may differ by float noise; anything larger than about 1 m² is an overlap.
OVERLAP_TOLERANCE_DEG2 = 1e-10
METRES_PER_DEGREE = 111_320.0  # of latitude, and of longitude at the equator (near enough for distances within a city)


@dataclass(frozen=True)
class GridCell:
    """The unit grid holding a point, with its street and community names."""

    grid_code: str
    street: str
    community: str
    district: str

    @property
    def district_code(self) -> str:
        """First 6 digits: the administrative division code."""
        return self.grid_code[:6]

    @property
    def street_code(self) -> str:
        """First 9 digits: district and street (街道)."""
        return self.grid_code[:9]

    @property
    def community_code(self) -> str:
        """First 12 digits: district, street and community (社区)."""
        return self.grid_code[:12]


def _to_wgs84(geom: BaseGeometry, crs: str) -> BaseGeometry:
    """The polygon with every vertex converted from `crs` to WGS-84 (identity for WGS-84/CGCS2000)."""
    if normalize_crs(crs) in (WGS84, CGCS2000):
        return geom

    def convert(coords: np.ndarray) -> np.ndarray:
        converted = [to_wgs84(lat, lon, crs) for lon, lat in coords.tolist()]
        return np.array([[lon, lat] for lat, lon in converted], dtype=float).reshape(-1, 2)

    return shapely.transform(geom, convert)


def _cell(index: int, feature: Any, district: str, district_code: str | None, crs: str) -> tuple[GridCell, BaseGeometry]:
    """Validate one GeoJSON feature and build its cell and polygon."""
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        raise GridError("grid_feature_malformed", feature=index)
    props = feature["properties"]
    code = props.get("grid_code")
    if not isinstance(code, str) or not GRID_CODE.match(code):
        raise GridError("grid_code_invalid", feature=index, grid_code=code)
    if district_code is not None and not code.startswith(district_code):
        raise GridError("grid_code_wrong_district", feature=index, grid_code=code, district_code=district_code)
    for key in ("street", "community"):
        if not isinstance(props.get(key), str) or not props[key].strip():
            raise GridError("grid_name_missing", feature=index, grid_code=code, field=key)
    try:
        geom = shape(feature.get("geometry") or {})
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.GEOSException):
        raise GridError("grid_geometry_malformed", feature=index, grid_code=code) from None
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise GridError("grid_geometry_not_polygon", feature=index, grid_code=code, geom_type=geom.geom_type)
    if not geom.is_valid:
        raise GridError("grid_polygon_invalid", feature=index, grid_code=code, reason=explain_validity(geom))
    try:
        geom = _to_wgs84(geom, crs)
    except LocationError as exc:
        raise GridError("grid_coordinate_invalid", feature=index, grid_code=code, reason=exc.code) from None
    if not geom.is_valid:
        raise GridError("grid_polygon_invalid", feature=index, grid_code=code, reason=explain_validity(geom))
    return GridCell(code, props["street"], props["community"], district), geom


class GridIndex:
    """All unit grids of a city behind an STRtree; point lookups never guess."""

    def __init__(self, cells: list[GridCell], polygons: list[BaseGeometry]) -> None:
        self._cells = cells
        self._polygons = polygons
        self._tree = STRtree(polygons)
        self._check_overlaps()

    @classmethod
    def from_geojson(cls, data: Any, *, district: str = "", district_code: str | None = None,
                     crs: str = WGS84) -> GridIndex:
        """Build from a parsed GeoJSON FeatureCollection in `crs`, validating every feature."""
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
            raise GridError("grid_file_not_feature_collection")
        if not data["features"]:
            raise GridError("grid_file_empty")
        cells: list[GridCell] = []
        polygons: list[BaseGeometry] = []
        seen: dict[str, int] = {}
        for index, feature in enumerate(data["features"]):
            cell, geom = _cell(index, feature, district, district_code, crs)
            if cell.grid_code in seen:
                raise GridError("grid_code_duplicate", feature=index, grid_code=cell.grid_code, first=seen[cell.grid_code])
            seen[cell.grid_code] = index
            cells.append(cell)
            polygons.append(geom)
        return cls(cells, polygons)

    @classmethod
    def load(cls, path: Path, *, district: str = "", district_code: str | None = None, crs: str = WGS84) -> GridIndex:
        """Read and validate a grid GeoJSON file whose coordinates are in `crs`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise GridError("grid_file_unreadable", path=str(path), reason=type(exc).__name__) from None
        return cls.from_geojson(data, district=district, district_code=district_code, crs=crs)

    def _check_overlaps(self) -> None:
        left, right = self._tree.query(self._polygons, predicate="intersects")
        for i, j in zip(left.tolist(), right.tolist()):
            if i >= j:
                continue
            area = self._polygons[i].intersection(self._polygons[j]).area
            if area > OVERLAP_TOLERANCE_DEG2:
                raise GridError(
                    "grid_overlap",
                    feature=j,
                    grid_code=self._cells[j].grid_code,
                    other_feature=i,
                    other_grid_code=self._cells[i].grid_code,
                )

    def __len__(self) -> int:
        return len(self._cells)

    @property
    def cells(self) -> tuple[GridCell, ...]:
        """Every cell, in file order."""
        return tuple(self._cells)

    def bounds(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) of all grids."""
        return tuple(shapely.total_bounds(self._polygons).tolist())  # type: ignore[return-value]

    def lookup(self, lat: float, lon: float) -> GridCell | None:
        """The grid holding a WGS-84 point, or None outside every grid.

        A point on a shared edge belongs to the grid with the lowest code, so
        the answer is deterministic.
        """
        lat, lon = validate(lat, lon)
        hits = self._tree.query(Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return min((self._cells[i] for i in hits.tolist()), key=lambda c: c.grid_code)

    def distance_m(self, grid_codes: Iterable[str], lat: float, lon: float) -> float | None:
        """Metres from a WGS-84 point to the nearest of the named grids (0 inside one); None when none of them exists."""
        lat, lon = validate(lat, lon)
        wanted = set(grid_codes)
        kx, ky = METRES_PER_DEGREE * math.cos(math.radians(lat)), METRES_PER_DEGREE
        point = Point(lon * kx, lat * ky)
        distances = [shapely.affinity.scale(poly, kx, ky, origin=(0, 0)).distance(point)
                     for cell, poly in zip(self._cells, self._polygons) if cell.grid_code in wanted]
        return min(distances) if distances else None
