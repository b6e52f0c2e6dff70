"""Time zones and the parsing of dates and times users type."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

from bookctl.domain.values import shown
from bookctl.errors import UsageError

_LOCAL_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")


@lru_cache(maxsize=8)
def load_zone(name: str) -> tzinfo:
    """The IANA zone `name`; an unknown one is a UsageError."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long to be a file
        raise UsageError(f"unknown time zone {shown(name)}; use an IANA name such as Europe/Rome") from None


# The years a store holds: wide enough for any birthday or booking, narrow enough that every
# conversion (to UTC, to a zone, a day later) stays inside what datetime and PostgreSQL can hold.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def check_year(year: int, text: str, option: str) -> None:
    """Refuse a year outside FIRST_YEAR..LAST_YEAR, naming the option and what was typed."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise UsageError(f"{option} {shown(text.strip())} is out of range; give a year from {FIRST_YEAR} to {LAST_YEAR}")


def parse_datetime(text: str, zone: tzinfo, option: str) -> datetime:
    """'YYYY-MM-DD HH:MM' in the store's zone, or ISO 8601 with an offset; to the minute (seconds
    other than :00 are refused: sessions start on a minute)."""
    value = text.strip()
    try:
        if _LOCAL_FORMAT.match(value):
            naive = datetime.fromisoformat(value.replace(" ", "T"))
            _check_minute(naive, text, option)
            return _localize(naive, zone, text, option)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {shown(text)} is not a valid date and time; use YYYY-MM-DD HH:MM") from None
    if parsed.tzinfo is None:
        raise UsageError(f"{option} {shown(text)} is not a valid date and time; use YYYY-MM-DD HH:MM")
    _check_minute(parsed, text, option)
    try:
        check_year(parsed.astimezone(UTC).year, text, option)
    except OverflowError:
        check_year(0, text, option)
    return parsed


def _check_minute(value: datetime, text: str, option: str) -> None:
    check_year(value.year, text, option)
    if value.second or value.microsecond:
        raise UsageError(f"{option} {shown(text.strip())} has seconds; times are to the minute (YYYY-MM-DD HH:MM)")


def _localize(naive: datetime, zone: tzinfo, text: str, option: str) -> datetime:
    """Attach `zone`, refusing wall times that do not exist (the spring-forward gap) and wall times
    that happen twice (the autumn fold), which only an explicit offset tells apart."""
    aware = naive.replace(tzinfo=zone)
    # Through UTC: astimezone() to the datetime's own tzinfo returns it unchanged.
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        raise UsageError(f"{option} {shown(text.strip())} does not exist in {zone}: the clocks skip that hour")
    first, second = aware.utcoffset(), naive.replace(tzinfo=zone, fold=1).utcoffset()
    if first != second:
        wall = naive.isoformat(timespec="minutes")
        raise UsageError(f"{option} {shown(text.strip())} happens twice in {zone}: the clocks go back; "
                         f"give the offset, {wall}{_offset(first)} for the first or {wall}{_offset(second)} for the second")
    return aware


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def add_elapsed(start: datetime, delta: timedelta) -> datetime:
    """`start` plus real elapsed time, in start's zone. Plain `+` on a zoned datetime adds wall-clock
    time, which is wrong across a clock change (a 45-minute session would last 105 or -15)."""
    return (start.astimezone(UTC) + delta).astimezone(start.tzinfo)


def parse_date(text: str, option: str) -> date:
    """'YYYY-MM-DD'."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {shown(text)} is not a valid date; use YYYY-MM-DD") from None
    check_year(day.year, text, option)
    return day


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The aware instants where a local `day` starts and where the next one starts."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    nxt = day + timedelta(days=1)
    return start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)


def iso(value: datetime, zone: tzinfo) -> str:
    """ISO 8601 with the store zone's offset, to the second."""
    return value.astimezone(zone).isoformat(timespec="seconds")
