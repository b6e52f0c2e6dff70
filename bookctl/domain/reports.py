"""What a report is (bookctl #21): named tables of JSON-ready rows for a period, and how rates are written.

A report's services (services/reports.py) fill these in; the output (output/report_view.py) shows
them as a table with bars, JSON, CSV, NDJSON or one HTML page. The first table is the report's own
rows (what csv and ndjson print); the others are sections JSON and the page show beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

# Rates are written to four decimals at most, trailing zeros dropped: "0.125", "0.3333", "1", "0".
_RATE_STEP = Decimal("0.0001")


def rate(part: int, whole: int) -> str | None:
    """`part / whole` as the contract's decimal string, or None when `whole` is 0 (no rate to give)."""
    if whole == 0:
        return None
    value = (Decimal(part) / Decimal(whole)).quantize(_RATE_STEP, rounding=ROUND_HALF_EVEN)
    text = format(value.normalize(), "f")
    return text


@dataclass(frozen=True)
class Table:
    """One table of a report: its key in the JSON, a title for people, and rows of JSON values (ints,
    texts, money as {"amount", "currency"}, rates as decimal strings, None). `label` is the column
    that names each row; `bar` the number or money column a chart draws (None: no chart)."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    label: str = "group"
    bar: str | None = None


@dataclass(frozen=True)
class Report:
    """A report of the local days `first` to `last`: `tables[0]` is its own rows, `total` their sum
    (None where a sum means nothing), `summary` figures of the whole period."""

    kind: str  # attendance, revenue, clients
    first: date
    last: date
    by: str | None
    tables: list[Table]
    total: dict[str, Any] | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def main(self) -> Table:
        """The report's own rows."""
        return self.tables[0]

    def as_json(self) -> dict[str, Any]:
        """`{"report", "from", "to", "by", <summary>, "rows", "total", <other tables by key>}`."""
        data: dict[str, Any] = {"report": self.kind, "from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.by is not None:
            data["by"] = self.by
        data.update(self.summary)
        data["rows"] = self.main.rows
        if self.total is not None:
            data["total"] = self.total
        for table in self.tables[1:]:
            data[table.key] = table.rows
        return data


# A report with no period covers this many days, up to today.
DEFAULT_DAYS = 30


def report_period(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """The inclusive days a report covers. None given: the last 30 days, today included. Only
    `first`: from it up to today (its 30 days when it is still ahead). Only `last`: its 30 days."""
    span = timedelta(days=DEFAULT_DAYS - 1)
    if first is None and last is None:
        return today - span, today
    if last is None:
        assert first is not None
        return first, today if today >= first else first + span
    if first is None:
        return last - span, last
    return first, last
