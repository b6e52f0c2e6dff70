"""Durations as people type them for cron chores: `24h`, `90m`, `2d`, `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d{1,5})([dhm])")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
LONGEST = timedelta(days=366)


def parse_duration(text: str) -> timedelta:
    """`24h` -> 24 hours; ValueError, saying what is accepted, for anything else (or nothing, or over a year)."""
    cleaned = text.strip().lower()
    parts = _PART.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts) != cleaned or len({u for _, u in parts}) != len(parts):
        raise ValueError(f"{text!r} is not a duration; use a number with d, h or m, such as 24h, 90m or 1h30m")
    total = sum((int(n) * _UNITS[u] for n, u in parts), timedelta())
    if not timedelta(minutes=1) <= total <= LONGEST:
        raise ValueError(f"{text!r} must be between 1m and 366d")
    return total
