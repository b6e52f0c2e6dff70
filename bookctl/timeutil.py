"""Time zones and the parsing of dates and times users type."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

from bookctl.errors import UsageError

_LOCAL_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")


@lru_cache(maxsize=8)
def load_zone(name: str) -> tzinfo:
    """The IANA zone `name`; an unknown one is a UsageError."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r}; use an IANA name such as Europe/Rome") from None


def parse_datetime(text: str, zone: tzinfo, option: str) -> datetime:
    """'YYYY-MM-DD HH:MM' in the store's zone, or ISO 8601 with an offset."""
    value = text.strip()
    try:
        if _LOCAL_FORMAT.match(value):
            naive = datetime.fromisoformat(value.replace(" ", "T"))
            return _localize(naive, zone, text, option)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a valid date and time; use YYYY-MM-DD HH:MM") from None
    if parsed.tzinfo is None:
        raise UsageError(f"{option} {text!r} is not a valid date and time; use YYYY-MM-DD HH:MM")
    return parsed


def _localize(naive: datetime, zone: tzinfo, text: str, option: str) -> datetime:
    """Attach `zone`, refusing wall times that do not exist (the spring-forward gap)."""
    aware = naive.replace(tzinfo=zone)
    # Through UTC: astimezone() to the datetime's own tzinfo returns it unchanged.
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        raise UsageError(f"{option} {text.strip()!r} does not exist in {zone}: the clocks skip that hour")
    return aware


def add_elapsed(start: datetime, delta: timedelta) -> datetime:
    """`start` plus real elapsed time, in start's zone. Plain `+` on a zoned datetime adds wall-clock
    time, which is wrong across a clock change (a 45-minute session would last 105 or -15)."""
    return (start.astimezone(UTC) + delta).astimezone(start.tzinfo)


def parse_date(text: str, option: str) -> date:
    """'YYYY-MM-DD'."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a valid date; use YYYY-MM-DD") from None


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The aware instants where a local `day` starts and where the next one starts."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    nxt = day + timedelta(days=1)
    return start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)


def iso(value: datetime, zone: tzinfo) -> str:
    """ISO 8601 with the store zone's offset, to the second."""
    return value.astimezone(zone).isoformat(timespec="seconds")
