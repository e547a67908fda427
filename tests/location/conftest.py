"""Shared fixtures: the sample city shipped in config/."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLE_CITY = Path(__file__).resolve().parents[2] / "config" / "cities" / "sample"


@pytest.fixture(scope="session")
def sample_city_dir() -> Path:
    return SAMPLE_CITY
