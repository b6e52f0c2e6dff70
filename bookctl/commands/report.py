"""`report`: attendance, revenue and clients of a period, as tables, data or one HTML page (bookctl #21)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from bookctl.commands._options import FormatOpt, FromOpt, MonthOpt, StoreOpt, ToOpt, WeekOpt, app_context
from bookctl.output import Format

app = typer.Typer(no_args_is_help=True, help="Reports: attendance, revenue and clients of a period.")


class AttendanceBy(str, Enum):
    """What `report attendance` groups by."""

    service = "service"
    staff = "staff"
    weekday = "weekday"
    hour = "hour"
    month = "month"
    contact = "contact"


class RevenueBy(str, Enum):
    """What `report revenue` groups by."""

    month = "month"
    service = "service"
    staff = "staff"
    method = "method"
    provider = "provider"


OutputOpt = Annotated[Optional[Path], typer.Option(
    "--output", "-o", show_default=False,
    help="Write to FILE atomically instead of stdout: FILE.html (or .htm) is one self-contained page "
         "with the tables and bar charts; any other name gets the --format output.")]

PERIOD_HELP = """
    The period is --from/--to, --week or --month, in the store's time zone; none given, the last
    30 days up to today. json: {"report", "from", "to", "by", <summary figures>, "rows", "total",
    <other tables>}, money as {"amount", "currency"}, rates as decimal strings ("0.125", at most four
    places; null where there is nothing to divide by). csv and ndjson: the rows alone. The table
    draws a bar column when stdout is a terminal; piped, it is data alone.
"""


def _run(store: Path | None, fmt: Format, output: Path | None, period: tuple[str | None, ...], make) -> None:  # noqa: ANN001 - make(uow, first, last, now) -> Report
    """Parse the period, make the report in a read-only unit, and show or write it."""
    from bookctl.commands._parse_calendar import export_period
    from bookctl.commands._run import streaming
    from bookctl.commands.export import _check_output
    from bookctl.domain.reports import report_period
    from bookctl.output.files import text_to
    from bookctl.timeutil import load_zone

    days = export_period(*period)
    _check_output(output)
    ctx = app_context(store)
    now = ctx.clock()
    with ctx.store().read() as uow:
        today = now.astimezone(load_zone(uow.settings.business.timezone)).date()
        first, last = report_period(*days, today)
        report = make(uow, first, last, now)
    from bookctl.output.report_html import write_report_html
    from bookctl.output.report_view import emit_report

    if output is not None and output.suffix.lower() in (".html", ".htm"):
        def write(out):  # noqa: ANN001, ANN202
            return write_report_html(report, out)
    else:
        terminal = output is None and sys.stdout.isatty()

        def write(out):  # noqa: ANN001, ANN202
            emit_report(report, fmt, out, terminal=terminal)
            return len(report.main.rows)
    with streaming():
        text_to(output, write)
    if output is not None and sys.stderr.isatty():
        sys.stderr.write(f"wrote the {report.kind} report to {output}\n")


@app.command("attendance", help=f"""Bookings, check-ins, no-shows and cancellations per group.

    Per group: bookings (confirmed and cancelled; a waitlist place is none), checked_in, no_shows,
    late_cancellations (cancelled inside the service's cancellation window, unless the business
    cancelled the whole class), cancellations, no_show_rate (no-shows over the confirmed bookings of
    sessions that have ended) and utilisation (places taken over capacity, of the ended sessions
    of classes and courses; null for appointments and by contact). Groups: service, staff
    (none: no staff), weekday (monday first), hour (of the start, HH:00), month (YYYY-MM) or contact.
    {PERIOD_HELP}
    Example: bookctl report attendance --by weekday --month 2026-11
""")
def attendance(
    by: Annotated[AttendanceBy, typer.Option("--by", help="service, staff, weekday, hour, month or contact.", case_sensitive=False)] = AttendanceBy.service,
    date_from: FromOpt = None, date_to: ToOpt = None, week: WeekOpt = None, month: MonthOpt = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    store: StoreOpt = None,
) -> None:
    from bookctl.services.attendance_report import attendance_report

    _run(store, fmt, output, (date_from, date_to, week, month),
         lambda uow, first, last, now: attendance_report(uow, first, last, by.value, now))


@app.command("revenue", help=f"""Money charged, refunded and kept as fees, the net, and what is still due, per group.

    Per group: charged (succeeded card and in-person charges, a booking's invoice when issued less
    one voided, an invoice of no booking when paid, fees charged to a card), refunded (succeeded
    refunds), fees_kept (cancellation and no-show fees, kept or charged), net (charged - refunded)
    and outstanding (what the bookings of the period's ended sessions still owe; by method or
    provider, in the total alone). Entries count on the day they were made. The summary gives the
    open and overdue invoices as of today. Groups: month, service, staff, method or provider
    (none: a fee kept out of money already paid, or an invoice of no booking). The sums agree with
    `export ledger` to the cent.
    {PERIOD_HELP}
    Example: bookctl report revenue --by service --from 2026-01-01 --to 2026-12-31
""")
def revenue(
    by: Annotated[RevenueBy, typer.Option("--by", help="month, service, staff, method or provider.", case_sensitive=False)] = RevenueBy.month,
    date_from: FromOpt = None, date_to: ToOpt = None, week: WeekOpt = None, month: MonthOpt = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    store: StoreOpt = None,
) -> None:
    from bookctl.services.revenue_report import revenue_report

    _run(store, fmt, output, (date_from, date_to, week, month),
         lambda uow, first, last, now: revenue_report(uow, first, last, by.value, now))


@app.command("clients", help=f"""New and returning clients, their visits, the top clients, and who has lapsed.

    A visit is a confirmed booking of a session that has started, not a no-show. Rows: each client
    with a visit in the period, new (no booking before the period) or returning, with visits,
    no_shows, cancellations, first and last visit and net revenue. Also: top_by_visits and
    top_by_revenue (ten each), and lapsed: clients whose latest booking is more than --lapsed-days
    before the period's last day, with their last visit.
    {PERIOD_HELP}
    Example: bookctl report clients --lapsed-days 90
""")
def clients(
    lapsed_days: Annotated[int, typer.Option("--lapsed-days", min=1, max=3650, help="Days without a booking after which a client has lapsed.")] = 60,
    date_from: FromOpt = None, date_to: ToOpt = None, week: WeekOpt = None, month: MonthOpt = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    store: StoreOpt = None,
) -> None:
    from bookctl.services.clients_report import clients_report

    _run(store, fmt, output, (date_from, date_to, week, month),
         lambda uow, first, last, now: clients_report(uow, first, last, now, lapsed_days))
