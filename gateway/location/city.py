"""A city's location configuration (city.yaml): names, district code, bounds, data files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gateway.location.crs import normalize_crs
from gateway.location.errors import GazetteerError
from gateway.location.geo import BBox

DISTRICT_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class City:
    """What city.yaml says about a city."""

    directory: Path
    name: str
    city: str
    district: str
    district_code: str
    bounds: BBox
    crs: str
    sample: bool
    gazetteer_file: Path
    grids_file: Path
    time_limits_file: Path | None = None
    # The member a family-only classification takes in this city (family id -> class id), over the shipped defaults.
    family_defaults: dict[str, str] = field(default_factory=dict)

    @property
    def admin_names(self) -> tuple[str, ...]:
        """Names stripped from the front of addresses (city, district)."""
        return tuple(n for n in (self.city, self.district) if n)

    @classmethod
    def load(cls, directory: Path) -> City:
        """Read and check `directory`/city.yaml."""
        directory = Path(directory)
        try:
            data: Any = yaml.safe_load((directory / "city.yaml").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise GazetteerError("city_config_unreadable", path=str(directory), reason=type(exc).__name__) from None
        if not isinstance(data, dict):
            raise GazetteerError("city_config_invalid", field="(root)")
        code = str(data.get("district_code", ""))
        if not DISTRICT_CODE.match(code):
            raise GazetteerError("city_config_invalid", field="district_code", value=code)
        b = data.get("bounds") or {}
        try:
            bounds = BBox(float(b["south"]), float(b["west"]), float(b["north"]), float(b["east"]))
        except (KeyError, TypeError, ValueError):
            raise GazetteerError("city_config_invalid", field="bounds") from None
        if not (bounds.min_lat < bounds.max_lat and bounds.min_lon < bounds.max_lon):
            raise GazetteerError("city_config_invalid", field="bounds")
        files = {}
        for key, default in (("gazetteer", "gazetteer.json"), ("grids", "grids.geojson")):
            path = directory / str(data.get(key, default))
            if not path.is_file():
                raise GazetteerError("city_file_missing", field=key, path=str(path))
            files[key] = path
        return cls(
            directory=directory,
            name=str(data.get("name") or data.get("district") or directory.name),
            city=str(data.get("city") or ""),
            district=str(data.get("district") or ""),
            district_code=code,
            bounds=bounds,
            crs=normalize_crs(str(data.get("crs", "wgs84"))),
            sample=bool(data.get("sample", False)),
            gazetteer_file=files["gazetteer"],
            grids_file=files["grids"],
            time_limits_file=directory / str(data["time_limits"]) if data.get("time_limits") else None,
            family_defaults=_family_defaults(data.get("family_defaults")),
        )


def _family_defaults(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise GazetteerError("city_config_invalid", field="family_defaults")
    return dict(value)
