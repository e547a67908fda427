"""The model directory: trained versions, each with its report, and the pointer to the active one."""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
ACTIVE_FILE = "active"
META_FILE = "meta.json"
REPORT_FILE = "report.json"


def default_model_dir() -> Path:
    """`CLASSIFIER_MODEL_DIR` if set, else `var/classifier` in the repository."""
    env = os.environ.get("CLASSIFIER_MODEL_DIR")
    return Path(env) if env else REPO_ROOT / "var" / "classifier"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class ModelStore:
    """Versions under `versions/<id>/` and an `active` file naming the one in use."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def version_dir(self, version: str) -> Path:
        return self.root / "versions" / version

    def new_version(self) -> str:
        """A new, sortable version id; its directory is created."""
        version = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        self.version_dir(version).mkdir(parents=True)
        return version

    def versions(self) -> list[str]:
        base = self.root / "versions"
        return sorted(p.name for p in base.iterdir() if (p / META_FILE).exists()) if base.exists() else []

    def active(self) -> str | None:
        path = self.root / ACTIVE_FILE
        if not path.exists():
            return None
        return path.read_text(encoding="utf-8").strip() or None

    def activate(self, version: str) -> None:
        if not (self.version_dir(version) / META_FILE).exists():
            raise FileNotFoundError(f"no model version {version} in {self.root}")
        _write_atomic(self.root / ACTIVE_FILE, version + "\n")

    def write_json(self, version: str, name: str, data: dict[str, Any]) -> None:
        _write_atomic(self.version_dir(version) / name, json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def read_json(self, version: str, name: str) -> dict[str, Any]:
        return json.loads((self.version_dir(version) / name).read_text(encoding="utf-8"))
