"""Reports built by hand for the output tests (test_report_view.py, test_report_html.py): several
tables, money, rates, empty cells, hostile text, big numbers, a table with no rows and a bar column
that is zero everywhere."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bookctl.domain.reports import Report, Table, rate

HOSTILE = "<script>alert(1)</script>"
QUOTED = "Zoë \"the boss\" & O'Neil"
FORMULA = "=HYPERLINK(\"x\")"
BIG = 10**15


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


ATTENDANCE_COLUMNS = ("group", "bookings", "checked_in", "no_shows", "no_show_rate", "utilisation", "revenue")


def _row(group: str | None, bookings: int, no_shows: int, utilisation: str | None, revenue: str) -> dict[str, Any]:
    # Keys deliberately not in the columns' order: the output must follow Table.columns.
    return {"revenue": eur(revenue), "group": group, "no_shows": no_shows, "bookings": bookings,
            "checked_in": bookings - no_shows, "no_show_rate": rate(no_shows, bookings), "utilisation": utilisation}


def attendance_report() -> Report:
    """Attendance by service: six rows (one per trap), a total, a summary, and three more tables."""
    rows = [
        _row("Yoga", 12, 3, "0.75", "240.00"),
        _row(HOSTILE, 5, 0, None, "-19.90"),
        _row(QUOTED, 0, 0, "0", "0.00"),
        _row(FORMULA, 7, 7, "1", "70.00"),
        _row("Pilates", 40, 1, "0.3333", "98765432109876.54"),
        _row("Big room", BIG, 2, "0.125", "0.01"),
    ]
    total = {"bookings": sum(r["bookings"] for r in rows), "checked_in": sum(r["checked_in"] for r in rows),
             "no_shows": sum(r["no_shows"] for r in rows), "no_show_rate": "0", "utilisation": None,
             "revenue": eur(str(sum(Decimal(r["revenue"]["amount"]) for r in rows)))}
    main = Table("rows", "attendance by service", ATTENDANCE_COLUMNS, rows, bar="bookings")
    top = Table("top_by_revenue", "top clients by revenue", ("contact", "visits", "revenue"), [
        {"contact": "Ann", "visits": 9, "revenue": eur("310.50")},
        {"contact": HOSTILE, "visits": 2, "revenue": eur("12.00")},
        {"contact": QUOTED, "visits": 4, "revenue": eur("99.99")},
        {"contact": "x" * 80, "visits": 1, "revenue": eur("-5.00")},
    ], label="contact", bar="revenue")
    lapsed = Table("lapsed", "lapsed clients", ("contact", "last_visit"), [], label="contact", bar=None)
    idle = Table("idle", "idle staff", ("staff", "sessions", "fees_kept"), [
        {"staff": "Bo", "sessions": 0, "fees_kept": eur("0.00")},
        {"staff": "Cy", "sessions": 0, "fees_kept": eur("0.00")},
    ], label="staff", bar="sessions")
    summary = {"clients": 31, "new_clients": 4, "no_show_rate": "0.0625", "charged": eur("1234.50"),
               "best_group": HOSTILE, "lapsed_days": None}
    return Report("attendance", date(2026, 11, 1), date(2026, 11, 30), "service", [main, top, lapsed, idle],
                  total=total, summary=summary)


def bare_report(rows: list[dict[str, Any]] | None = None) -> Report:
    """A clients report with no `by`, no total, no summary: only its own table (no rows by default)."""
    table = Table("rows", "clients", ("contact", "visits", "revenue"), rows or [], label="contact", bar="visits")
    return Report("clients", date(2026, 10, 1), date(2026, 10, 31), None, [table])
