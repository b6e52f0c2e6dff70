"""Weekly working hours, local time: the pure arithmetic of "when does this person work"."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from pydantic import field_validator

from bookctl.domain.base import Record

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_RANGE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):([0-5]\d)|24:00)")


def clock_minutes(text: str) -> int:
    """'18:30' -> 1110; ValueError if it is not HH:MM."""
    match = _CLOCK.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a time of day HH:MM")
    return int(match.group(1)) * 60 + int(match.group(2))


def day_ranges(text: str) -> list[tuple[int, int]]:
    """'09:00-13:00,14:00-18:00' -> [(540, 780), (840, 1080)] in minutes of the day; 'off' -> [].
    Each range ends after it starts; ranges are in order and do not overlap. ValueError otherwise."""
    text = text.strip()
    if text.lower() == "off":
        return []
    ranges = []
    for part in text.split(","):
        part = part.strip()
        match = _RANGE.fullmatch(part)
        if not match:
            raise ValueError(f"{part!r} is not a range of times such as 09:00-13:00")
        start = int(match.group(1)) * 60 + int(match.group(2))
        end = 24 * 60 if match.group(3) == "24:00" else int(match.group(4)) * 60 + int(match.group(5))
        if end <= start:
            raise ValueError(f"{part!r} ends before it starts")
        if ranges and start < ranges[-1][1]:
            raise ValueError(f"{part!r} overlaps or comes before the range before it; give ranges in order")
        ranges.append((start, end))
    return ranges


def ranges_text(ranges: list[tuple[int, int]]) -> str:
    """[(540, 780)] -> '09:00-13:00'; [] -> 'off'."""
    if not ranges:
        return "off"
    return ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in ranges)


class WeeklyHours(Record):
    """Working hours by weekday, local time: `mon = "09:00-13:00,14:00-18:00"`; a day left out is off."""

    mon: str = "off"
    tue: str = "off"
    wed: str = "off"
    thu: str = "off"
    fri: str = "off"
    sat: str = "off"
    sun: str = "off"

    @field_validator("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    @classmethod
    def _ranges(cls, value: str) -> str:
        return ranges_text(day_ranges(value))

    def on(self, weekday: int) -> list[tuple[int, int]]:
        """The ranges of `weekday` (0 is Monday), in minutes of the day."""
        return day_ranges(getattr(self, WEEKDAYS[weekday]))

    def as_dict(self) -> dict[str, str]:
        """Each weekday's ranges as text."""
        return {day: getattr(self, day) for day in WEEKDAYS}


def working_intervals(hours: WeeklyHours | None, day: date, zone: tzinfo) -> list[tuple[datetime, datetime]]:
    """The instants a local `day`'s hours cover, in UTC (None hours: the whole day). UTC, because two
    datetimes of one zone compare by wall clock, which the autumn fold repeats."""
    from datetime import UTC

    from bookctl.timeutil import day_bounds

    if hours is None:
        return [tuple(moment.astimezone(UTC) for moment in day_bounds(day, zone))]  # type: ignore[list-item]
    midnight = datetime.combine(day, time())
    found = []
    for start, end in hours.on(day.weekday()):
        found.append((local_instant(midnight + timedelta(minutes=start), zone).astimezone(UTC),
                      local_instant(midnight + timedelta(minutes=end), zone).astimezone(UTC)))
    return found


def local_instant(naive: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time in `zone`. One the spring-forward gap skips is the instant the clocks reach
    it (02:30 becomes 03:30); one the autumn fold repeats is its first occurrence."""
    from datetime import UTC

    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
