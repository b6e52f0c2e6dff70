"""What the calendar and export commands read from the command line: a capacity, booking-form
answers, a period of days and filter choices. Each is refused with a message that names its option;
the services get the values (bookctl issue #17: services take values, commands parse text)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from bookctl.domain import values
from bookctl.errors import UsageError
from bookctl.timeutil import check_year, parse_date

# Inclusive local days, first and last; either end may be open (None).
Days = tuple[date | None, date | None]


def capacity(places: int | None) -> int | None:
    """`--capacity`, when given: 1 to 10000 places."""
    if places is not None and not 1 <= places <= 10_000:
        raise UsageError("--capacity must be between 1 and 10000")
    return places


def form_answers(pairs: Iterable[str]) -> dict[str, str]:
    """`--form KEY=VALUE` answers as a dict."""
    answers: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--form {values.shown(pair)} must look like KEY=VALUE")
        name = values.line(key, "--form key", values.NAME_LIMIT)
        if name in answers:
            raise UsageError(f"--form {values.shown(name)} is given twice; give each answer once")
        answers[name] = values.line(value, f"--form {name}") if value.strip() else ""
    return answers


def date_range(date_from: str | None, date_to: str | None) -> Days:
    """`--from` and `--to`, either or both."""
    first = parse_date(date_from, "--from") if date_from else None
    last = parse_date(date_to, "--to") if date_to else None
    if first and last and last < first:
        raise UsageError(f"--to {last} is before --from {first}")
    return first, last


def day_or_range(day: str | None, date_from: str | None, date_to: str | None) -> Days:
    """`--day` (that one day), else `--from`/`--to`; the caller has refused both at once."""
    if day:
        one = parse_date(day, "--day")
        return one, one
    return date_range(date_from, date_to)


def export_period(date_from: str | None, date_to: str | None, week: str | None, month: str | None) -> Days:
    """One of `--week`, `--month` or `--from`/`--to`; (None, None) when none is given."""
    given = [name for name, on in (("--week", week), ("--month", month), ("--from/--to", date_from or date_to)) if on]
    if len(given) > 1:
        raise UsageError(f"give only one of {', '.join(given)}")
    if week:
        match = re.fullmatch(r"(\d{4})-W(\d{2})", week.strip())
        try:
            if not match:
                raise ValueError
            check_year(int(match.group(1)), week, "--week")
            first = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            raise UsageError(f"--week {week!r} is not an ISO week; use YYYY-Www, such as 2026-W48") from None
        return first, first + timedelta(days=6)
    if month:
        match = re.fullmatch(r"(\d{4})-(\d{2})", month.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise UsageError(f"--month {month!r} is not a month; use YYYY-MM, such as 2026-11")
        check_year(int(match.group(1)), month, "--month")
        first = date(int(match.group(1)), int(match.group(2)), 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, following - timedelta(days=1)
    return date_range(date_from, date_to)


def choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    """One of `allowed`, ignoring case, surrounding spaces and - for _."""
    normalized = value.strip().replace("-", "_").lower()
    if normalized not in allowed:
        raise UsageError(f"{option} {value!r} is not one of {', '.join(allowed)}")
    return normalized


def choices(given: list[str] | None, allowed: tuple[str, ...], option: str) -> set[str]:
    """A repeatable option's choices, each checked in the order given."""
    return {choice(value, allowed, option) for value in given or []}
