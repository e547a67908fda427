"""Time limits: the city's table by class, counted in working time unless marked 紧急."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from classifier import load_tables
from gateway.casework.deadlines import TimeLimits, WorkingCalendar, class_of_row, parse_limit
from gateway.settings import REPO_ROOT

CHINA = ZoneInfo("Asia/Shanghai")
TABLE = REPO_ROOT / "config" / "cities" / "sample" / "time_limits.csv"


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA)


@pytest.mark.parametrize(
    "start, hours, urgent, due",
    [
        (at(23, 9), 2, False, at(23, 11)),  # Monday morning
        (at(23, 11), 2, False, at(23, 15)),  # across the lunch break
        (at(27, 17), 2, False, at(30, 9)),  # Friday 17:00 → Monday 09:00
        (at(28, 10), 1, False, at(30, 9)),  # a Saturday report waits for Monday
        (at(23, 19), 8, False, at(24, 18)),  # one working day after hours
        (at(27, 17), 2, True, at(27, 19)),  # 紧急: around the clock
        (at(23, 7), 0.5, False, at(23, 8, 30)),  # before opening
    ],
)
def test_working_time_arithmetic(start: datetime, hours: float, urgent: bool, due: datetime) -> None:
    assert WorkingCalendar().add(start, hours, urgent) == due


def test_holidays_and_declared_working_weekends() -> None:
    calendar = WorkingCalendar(holidays={date(2026, 10, 1), date(2026, 10, 2)}, workdays={date(2026, 10, 10)})
    assert calendar.add(at(30, 17, month=9), 2, False) == at(5, 9, month=10), "1–2 Oct off, 3–4 Oct a weekend"
    assert calendar.add(at(9, 17, month=10), 2, False) == at(10, 9, month=10), "Saturday 10 Oct declared a working day"


@pytest.mark.parametrize("value, unit, expected", [("2", "天", (16.0, False)), ("4", "小时", (4.0, False)), ("2", "紧急工作时", (2.0, True)), ("1", "紧急工作日", (24.0, True))])
def test_units_of_the_table(value: str, unit: str, expected: tuple[float, bool]) -> None:
    assert parse_limit(value, unit) == expected


def test_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time-limit unit"):
        parse_limit("3", "周")


def test_sample_table_maps_to_classes_and_keeps_local_classes_aside() -> None:
    tables = load_tables()
    limits = TimeLimits.load(TABLE, tables)
    covers = limits.of("cp-0101")
    assert any(t.urgent and t.hours == 2 for t in covers), "上水井盖: missing or moved cover, 2 urgent hours"
    assert limits.strictest("cp-0101", at(27, 17), WorkingCalendar())[0] == at(27, 19)
    assert limits.of("ev-2013-0110"), "暴露生活垃圾 matches 暴露生活垃圾 / 暴露垃圾"
    assert "component 0114 园林井盖" in limits.unmapped, "same code, another class in this city: never guessed"
    assert class_of_row(tables, "component", "0140", "报刊亭") == "cp-0121", "a local renumbering resolves by name"
    assert len(limits.by_class) > 100
