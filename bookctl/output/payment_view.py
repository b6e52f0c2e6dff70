"""What a money-moving command shows a person: the few fields of each ledger entry that say what
happened, instead of all twenty (JSON, csv and ndjson keep every field)."""

from __future__ import annotations

from typing import Any

# Always shown, in this order; the optional ones only when some entry has them.
_ALWAYS = ("id", "booking_id", "kind", "method", "amount", "status")
_OPTIONAL = ("invoice_id", "card", "reason", "failure", "email")


def _card(entry: dict[str, Any]) -> str | None:
    brand, last4 = entry.get("card_brand"), entry.get("card_last4")
    if not last4:
        return None
    return f"{brand or 'card'} ending {last4}"


def entry_summaries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries as a person reads them at the desk: id, booking, kind, method, amount and status,
    then the card, reason, failure or email only where an entry has one."""
    rows = [{**entry, "card": _card(entry)} for entry in entries]
    extra = [key for key in _OPTIONAL if any(row.get(key) for row in rows)]
    return [{key: row.get(key) for key in (*_ALWAYS, *extra)} for row in rows]


def entry_summary(entry: dict[str, Any]) -> dict[str, Any]:
    """One entry, summarized as entry_summaries does, with its empty optional fields left out."""
    return entry_summaries([entry])[0]
