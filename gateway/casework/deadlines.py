"""Time limits (处置时限) per class and the working-time calendar they are counted in.

Practice of 数字城管: a limit marked 紧急 runs around the clock; any other runs only in working time,
08:00–12:00 and 14:00–18:00 (China time) on working days, and one working day is 8 working hours.
A class has one row per filing condition, each with its own limit; until someone says which condition
applies, a case is held to the strictest one.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, partial
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from classifier.tables import CodeTables
from gateway.location.city import City
from gateway.settings import Settings

CHINA = ZoneInfo("Asia/Shanghai")
WORK_PERIODS = ((time(8), time(12)), (time(14), time(18)))
HOURS_PER_WORKDAY = 8
EDITION = "gbt30428-2013"


@dataclass(frozen=True)
class TimeLimit:
    """One row of a city's table: when a report becomes a case, how long disposal may take, when it is done."""

    filing_condition: str
    text: str
    hours: float
    urgent: bool
    closing_condition: str


def parse_limit(value: str, unit: str) -> tuple[float, bool]:
    """(hours, urgent) from a table's value and unit (天, 小时, 紧急工作时, 紧急工作日)."""
    amount = float(value)
    urgent = unit.startswith("紧急")
    if unit.endswith("日") or unit == "天":
        return amount * (24 if urgent else HOURS_PER_WORKDAY), urgent
    if unit.endswith("时"):
        return amount, urgent
    raise ValueError(f"unknown time-limit unit {unit!r}")


class WorkingCalendar:
    """Working time in China: Monday–Friday unless a holiday, plus the weekend days declared working days."""

    def __init__(self, holidays: set[date] | frozenset[date] = frozenset(), workdays: set[date] | frozenset[date] = frozenset()) -> None:
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: datetime, hours: float, urgent: bool) -> datetime:
        """The moment `hours` of (working, unless urgent) time after `start`."""
        if urgent:
            return start + timedelta(hours=hours)
        remaining = timedelta(hours=hours)
        local = start.astimezone(CHINA)
        day = local.date()
        while True:
            if self.is_working_day(day):
                for begin, end in WORK_PERIODS:
                    period_start = datetime.combine(day, begin, CHINA)
                    period_end = datetime.combine(day, end, CHINA)
                    if local >= period_end:
                        continue
                    available = period_end - max(local, period_start)
                    if remaining <= available:
                        return (max(local, period_start) + remaining).astimezone(start.tzinfo)
                    remaining -= available
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), CHINA)


def _names(text: str) -> set[str]:
    """The forms of a class name: each alternative ("A / B"), without parenthesised notes, letters and digits only."""
    forms = set()
    for part in re.split(r"[/／]", text):
        plain = re.sub(r"[（(][^）)]*[）)]", "", part)
        forms |= {"".join(ch for ch in form if ch.isalnum()) for form in (part, plain)}
    return {f for f in forms if f}


def _same(a: str, b: str) -> bool:
    return bool(_names(a) & _names(b))


def _alike(a: str, b: str) -> bool:
    """Same, or one name contained in the other (暴露生活垃圾 / 暴露垃圾, 垃圾箱（果皮箱、桶） / 垃圾箱)."""
    return _same(a, b) or any(x in y or y in x for x in _names(a) for y in _names(b) if min(len(x), len(y)) >= 2)


def class_of_row(tables: CodeTables, kind: str, code: str, name: str) -> str | None:
    """The class a city's row means: its GB/T 30428.2-2013 code when the names agree, else the one class of
    that kind with the same name. Local renumberings resolve by name; local extension classes stay unmapped."""
    rows = [r for r in tables.edition_rows(EDITION) if r.kind == kind]
    by_code = next((r for r in rows if r.minor_code == code), None)
    if by_code is not None and _alike(by_code.minor_name, name):
        return tables.lookup(EDITION, code, kind)  # type: ignore[arg-type]
    named = [r for r in rows if _same(r.minor_name, name)]
    return tables.lookup(EDITION, named[0].minor_code, kind) if len(named) == 1 else None  # type: ignore[arg-type]


class TimeLimits:
    """A city's table, by class id; rows of classes the gateway does not hold are kept aside as unmapped."""

    def __init__(self, by_class: dict[str, list[TimeLimit]], unmapped: list[str]) -> None:
        self.by_class = by_class
        self.unmapped = unmapped

    @classmethod
    def load(cls, path: Path, tables: CodeTables) -> TimeLimits:
        by_class: dict[str, list[TimeLimit]] = {}
        unmapped: list[str] = []
        resolve = cache(partial(class_of_row, tables))  # a class's rows repeat: resolve each (kind, code, name) once
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                class_id = resolve(row["kind"], row["minor_code"], row["minor_name"])
                if class_id is None:
                    unmapped.append(f"{row['kind']} {row['minor_code']} {row['minor_name']}")
                    continue
                hours, urgent = parse_limit(row["value"], row["unit"])
                by_class.setdefault(class_id, []).append(TimeLimit(row["filing_condition"], row["time_limit"], hours, urgent, row["closing_condition"]))
        return cls(by_class, unmapped)

    def of(self, class_id: str | None) -> list[TimeLimit]:
        return self.by_class.get(class_id or "", [])

    def strictest(self, class_id: str | None, start: datetime, calendar: WorkingCalendar) -> tuple[datetime, TimeLimit] | None:
        """The earliest due moment among the class's limits counted from `start`, and its row."""
        due = [(calendar.add(start, limit.hours, limit.urgent), limit) for limit in self.of(class_id)]
        return min(due, key=lambda item: item[0]) if due else None


@dataclass(frozen=True)
class Deadlines:
    """What the gateway knows about time limits: the city's table and the working calendar."""

    limits: TimeLimits
    calendar: WorkingCalendar

    def due(self, class_id: str | None, start: datetime) -> datetime | None:
        found = self.limits.strictest(class_id, start, self.calendar)
        return found[0] if found else None


def load_deadlines(settings: Settings, tables: CodeTables) -> Deadlines:
    """The city's table (from `city_dir`/city.yaml `time_limits`, if any) and the calendar of settings."""
    limits_file = City.load(settings.city_dir).time_limits_file if settings.city_dir else None
    limits = TimeLimits.load(limits_file, tables) if limits_file else TimeLimits({}, [])
    return Deadlines(limits, WorkingCalendar(set(settings.calendar.holidays), set(settings.calendar.workdays)))
