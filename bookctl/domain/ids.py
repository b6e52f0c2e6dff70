"""Record ids. Session and booking ids carry the day of the file they were created in, so one
look-up opens one file however large the store grows."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_DAY_ID = re.compile(r"([sbp])-(\d{4})(\d{2})(\d{2})-([1-9]\d{0,8})")
_CONTACT_ID = re.compile(r"c-([1-9]\d{0,8})")
_CARD_ID = re.compile(r"([nta])-([1-9]\d{0,8})")


def day_id(prefix: str, day: date, seq: int) -> str:
    """`s-20261123-4` (a session) or `b-20261123-5` (a booking)."""
    return f"{prefix}-{day:%Y%m%d}-{seq}"


def home_day(record_id: str, prefix: str) -> date | None:
    """The day whose file a session (`s`), booking (`b`) or ledger entry (`p`) id was minted in; None if not such an id."""
    match = _DAY_ID.fullmatch(record_id)
    if not match or match.group(1) != prefix:
        return None
    try:
        return date(int(match.group(2)), int(match.group(3)), int(match.group(4)))
    except ValueError:
        return None


def id_order(record_id: str) -> tuple[str, int]:
    """A sort key that puts `b-20261123-9` before `b-20261123-10` (ids minted in one file, in order)."""
    prefix, _, seq = record_id.rpartition("-")
    return prefix, int(seq) if seq.isdigit() else 0


def card_number(record_id: str, kind: str) -> int | None:
    """12 for `t-12` when kind is `t` (a note `n`, task `t` or attachment `a`); None if not such an id."""
    match = _CARD_ID.fullmatch(record_id)
    return int(match.group(2)) if match and match.group(1) == kind else None


def contact_id(number: int) -> str:
    """`c-17`."""
    return f"c-{number}"


def contact_number(record_id: str) -> int | None:
    """17 for `c-17`; None if not a contact id."""
    match = _CONTACT_ID.fullmatch(record_id)
    return int(match.group(1)) if match else None


def slug(name: str) -> str:
    """'Yoga Flow' -> 'yoga-flow'; names with no latin letters give ''."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-")


def unique_slug(name: str, taken: set[str] | dict, fallback: str) -> str:
    """A readable id for a service or staff member, unique among `taken`."""
    base = slug(name) or fallback
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate
