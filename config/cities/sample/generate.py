"""Generate the SAMPLE city's gazetteer.json and grids.geojson (run from any directory).

Every name and line here is invented for the sample; only the frame (the
coordinates of a few km² of 苏州市姑苏区, district code 320508) is real.
Coordinates are WGS-84, written [lon, lat] as in GeoJSON.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import yaml
from shapely.geometry import LineString, Point

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))
from gateway.location.latin import latin_names  # noqa: E402  (the repository's, wherever this runs from)

CITY = yaml.safe_load((HERE / "city.yaml").read_text(encoding="utf-8"))
BOUNDS = CITY["bounds"]
COLS, ROWS = 12, 12
STREETS = [("001", "城西街道"), ("002", "城东街道")]
COMMUNITIES = [
    [("001", "幸福社区"), ("002", "和平社区"), ("003", "建设社区")],
    [("001", "文化社区"), ("002", "光明社区"), ("003", "新华社区")],
]

# name, aliases, vertices [lon, lat] from west to east or north to south, house numbers.
ROADS = [
    ("人民路", ["人民北路"], [[120.6108, 31.3200], [120.6104, 31.3100], [120.6107, 31.2990], [120.6110, 31.2900]], (1, 399)),
    ("中山路", [], [[120.6205, 31.3200], [120.6201, 31.3080], [120.6206, 31.2900]], (2, 398)),
    ("建设路", [], [[120.6302, 31.3200], [120.6298, 31.3050], [120.6303, 31.2900]], (1, 299)),
    ("文化路", ["文化街"], [[120.6038, 31.3200], [120.6042, 31.2900]], None),
    ("解放路", [], [[120.6000, 31.3125], [120.6150, 31.3128], [120.6300, 31.3122], [120.6400, 31.3126]], (1, 501)),
    ("和平路", [], [[120.6000, 31.3042], [120.6200, 31.3038], [120.6400, 31.3041]], (2, 400)),
    ("胜利路", [], [[120.6000, 31.2958], [120.6250, 31.2962], [120.6400, 31.2959]], (1, 333)),
    ("幸福路", [], [[120.6000, 31.3178], [120.6205, 31.3181]], (1, 151)),
]

# A T-junction listed by hand: 幸福路 ends on 中山路.
INTERSECTIONS = [{"roads": ["幸福路", "中山路"], "name": "幸福路中山路口", "point": [120.62033, 31.31810]}]

GATE_OFFSETS = {"东门": (0.0011, 0.0), "西门": (-0.0011, 0.0), "南门": (0.0, -0.0008), "北门": (0.0, 0.0008)}
# name, kind, centre [lon, lat], gates present, road of its street address, buildings
ESTATES = [
    ("幸福小区", "小区", [120.6150, 31.3145], ["东门", "西门", "南门"], "解放路", 12),
    ("阳光花园", "小区", [120.6085, 31.3075], ["东门", "北门"], "人民路", 8),
    ("和平新村", "新村", [120.6150, 31.3020], ["西门", "南门", "北门"], "和平路", 20),
    ("锦绣家园", "小区", [120.6225, 31.3160], ["东门", "西门"], "中山路", 15),
    ("金桂苑", "小区", [120.6320, 31.3080], ["南门", "北门"], "建设路", 6),
    ("翠竹园", "小区", [120.6250, 31.2942], ["东门", "西门", "南门", "北门"], "胜利路", 10),
]
LANDMARKS = [
    ("人民公园", ["公园"], [120.6165, 31.3075]),
    ("市民广场", ["广场"], [120.6252, 31.3005]),
    ("第一人民医院", ["一院", "市一院"], [120.6345, 31.3160]),
    ("实验小学", ["实小"], [120.6070, 31.2975]),
    ("中心菜市场", ["菜市场", "菜场"], [120.6235, 31.3098]),
]
POIS = [
    ("人民路解放路", "bus_stop", [120.6110, 31.3130]),
    ("幸福小区", "bus_stop", [120.6162, 31.3132]),
    ("中山路和平路", "bus_stop", [120.6209, 31.3045]),
    ("文化路胜利路", "bus_stop", [120.6044, 31.2963]),
    ("人民公园", "metro_station", [120.6180, 31.3090]),
    ("华联超市", "shop", [120.6290, 31.3030]),
    ("便民加油站", "fuel", [120.6380, 31.2950]),
]


def _edges(lo: float, hi: float, n: int) -> list[float]:
    return [round(lo + (hi - lo) * i / n, 7) for i in range(n + 1)]


def grids() -> dict:
    """Unit grids: 2 streets × 3 communities × 24 cells, numbered west→east, north→south."""
    xs = _edges(BOUNDS["west"], BOUNDS["east"], COLS)
    ys = _edges(BOUNDS["north"], BOUNDS["south"], ROWS)
    features = []
    cols_per_street, rows_per_community = COLS // len(STREETS), ROWS // len(COMMUNITIES[0])
    for s_index, (street_code, street) in enumerate(STREETS):
        for c_index, (community_code, community) in enumerate(COMMUNITIES[s_index]):
            seq = 0
            for row in range(c_index * rows_per_community, (c_index + 1) * rows_per_community):
                for col in range(s_index * cols_per_street, (s_index + 1) * cols_per_street):
                    seq += 1
                    w, e, n, s = xs[col], xs[col + 1], ys[row], ys[row + 1]
                    features.append({
                        "type": "Feature",
                        "properties": {
                            "grid_code": f"{CITY['district_code']}{street_code}{community_code}{seq:03d}",
                            "street": street,
                            "community": community,
                        },
                        "geometry": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]},
                    })
    return {"type": "FeatureCollection", "name": "sample unit grids", "sample": True, "features": features}


def house_number(road: str, point: list[float]) -> int:
    """Number of the frontage nearest to `point` on `road`, on the side of the road's first number."""
    _, _, line, (first, last) = next(r for r in ROADS if r[0] == road)
    scale = math.cos(math.radians(point[1]))
    fraction = LineString([(x * scale, y) for x, y in line]).project(Point(point[0] * scale, point[1]), normalized=True)
    number = round(first + fraction * (last - first))
    return number + (number - first) % 2


def latin(*names: str) -> list[str]:
    """English and pinyin names (pypinyin), made from the Chinese ones (POIs keep their Chinese names only)."""
    return [form for name in names for form in latin_names(name)]


def gazetteer() -> dict:
    """Roads, listed intersections, estates with gates, landmarks and POIs."""
    roads = [
        {"name": name, "aliases": aliases, "latin": latin(name, *aliases), "line": line}
        | ({"numbers": {"first": nums[0], "last": nums[1]}} if nums else {})
        for name, aliases, line, nums in ROADS
    ]
    communities = []
    for name, kind, (lon, lat), gates, road, buildings in ESTATES:
        communities.append({
            "name": name,
            "latin": latin(name),
            "kind": kind,
            "point": [lon, lat],
            "address": f"{road}{house_number(road, [lon, lat])}号",
            "buildings": buildings,
            "gates": {g: [round(lon + GATE_OFFSETS[g][0], 6), round(lat + GATE_OFFSETS[g][1], 6)] for g in gates},
        })
    return {
        "sample": True,
        "crs": "wgs84",
        "roads": roads,
        "intersections": INTERSECTIONS,
        "communities": communities,
        "landmarks": [{"name": n, "aliases": a, "latin": latin(n), "point": p} for n, a, p in LANDMARKS],
        "pois": [{"name": n, "kind": k, "point": p} for n, k, p in POIS],
    }


def _feature_lines(collection: dict) -> str:
    """GeoJSON with one feature per line, so diffs stay readable."""
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False) for f in collection["features"]]
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"


def main() -> None:
    """Write both files beside this script."""
    (HERE / "gazetteer.json").write_text(json.dumps(gazetteer(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (HERE / "grids.geojson").write_text(_feature_lines(grids()), encoding="utf-8")


if __name__ == "__main__":
    main()
