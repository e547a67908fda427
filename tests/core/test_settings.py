"""One settings object: the YAML file, environment overrides, validation, and the documented example."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from gateway.settings import REPO_ROOT, Settings, load_settings

EXAMPLE = REPO_ROOT / "config" / "gateway.example.yaml"


def write(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / "gateway.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


PLATFORM = {"id": "city-a", "url": "https://platform.example/cases", "secret": "a-file-secret-0123456789", "edition": "gbt47678-2026"}


def test_file_values_and_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, {"queue_name": "from-file", "log_level": "DEBUG", "platforms": [PLATFORM]})
    monkeypatch.setenv("GATEWAY_QUEUE_NAME", "from-env")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/1")
    monkeypatch.setenv("GATEWAY_PLATFORM_CITY_A_SECRET", "an-env-secret-0123456789")
    monkeypatch.setenv("GATEWAY_DELIVERY__BREAKER_FAILURES", "9")
    settings = load_settings(path)
    assert settings.queue_name == "from-env" and settings.log_level == "DEBUG"
    assert settings.redis_url == "redis://127.0.0.1:6390/1"
    assert settings.platforms[0].secret == "an-env-secret-0123456789"
    assert settings.platforms[0].edition == "gbt47678-2026"
    assert settings.delivery.breaker_failures == 9


@pytest.mark.parametrize(
    "change",
    [
        {"platforms": [PLATFORM | {"edition": "gb-1999"}]},
        {"platforms": [PLATFORM | {"secret": "short"}]},
        {"platforms": [PLATFORM, PLATFORM]},
        {"platforms": [PLATFORM | {"crs": "mars"}]},
        {"delivery": {"retry_window_hours": 2}},
        {"no_such_key": 1},
    ],
)
def test_invalid_settings_are_refused(tmp_path: Path, change: dict[str, object]) -> None:
    with pytest.raises((ValidationError, ValueError)):
        load_settings(write(tmp_path, change))


def test_example_documents_every_key() -> None:
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    Settings(**example)
    assert set(example) == set(Settings.model_fields), "every top-level setting appears in the example"
    text = EXAMPLE.read_text(encoding="utf-8")
    for section in ("delivery", "intake", "web", "open311"):
        for key in Settings.model_fields[section].annotation.model_fields:  # type: ignore[union-attr]
            assert f"{key}:" in text, f"{section}.{key} undocumented"
    for key in ("id", "url", "secret", "edition", "enabled", "timeout", "crs"):
        assert f"{key}:" in text
