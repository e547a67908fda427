"""Open311 services: the standard classes a client may file under, from the code tables."""
from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Any

from classifier.tables import CodeTables

EDITION = "gbt30428-2013"
SYNONYMS = Path(__file__).resolve().parents[2] / "classifier" / "data" / "synonyms.tsv"

# Service definition attributes (GeoReport v2 `attributes`): asked of every service.
ATTRIBUTES: list[dict[str, Any]] = [
    {"variable": True, "code": "landmark", "datatype": "string", "required": False, "order": 1,
     "datatype_description": "附近的地标或门牌 / a landmark or house number nearby", "description": "附近地标 / Landmark"},
    {"variable": True, "code": "hazard", "datatype": "singlevaluelist", "required": False, "order": 2,
     "datatype_description": None, "description": "是否有安全隐患 / Is anyone in danger?",
     "values": [{"key": "yes", "name": "是 / yes"}, {"key": "no", "name": "否 / no"}]},
]


@cache
def _synonyms() -> list[tuple[str, str]]:
    with SYNONYMS.open(encoding="utf-8") as f:
        return [(row[0], row[1]) for row in csv.reader((line for line in f if not line.startswith("#")), delimiter="\t") if len(row) == 2]


def services(tables: CodeTables) -> list[dict[str, Any]]:
    """Every class with a GB/T 30428.2-2013 code, as an Open311 service; keywords are the words citizens use."""
    found = []
    for info in tables.classes():
        code = tables.render(info.class_id, EDITION)
        if code is None:
            continue
        keywords = sorted({variant for variant, canonical in _synonyms() if canonical in code.minor_name and variant.isascii() is False})
        found.append({
            "service_code": info.class_id,
            "service_name": code.minor_name,
            "description": f"{'部件' if code.kind == 'component' else '事件'} {code.major_name} · {code.minor_code} {code.minor_name}",
            "metadata": True,
            "type": "realtime",
            "keywords": ",".join(keywords),
            "group": code.major_name,
        })
    return found
