"""`export`: bookings of a period and contacts, for spreadsheets, calendars and cron."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from bookctl.commands._options import FromOpt, MonthOpt, StoreOpt, ToOpt, WeekOpt, app_context, complete_with
from bookctl.commands._run import streaming

app = typer.Typer(no_args_is_help=True, help="Export bookings, contacts or the ledger (nothing but data on stdout).")


class BookingFormat(str, Enum):
    """What `export bookings` writes."""

    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    ics = "ics"


class ContactFormat(str, Enum):
    """What `export contacts` writes."""

    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    vcf = "vcf"


class LedgerFormat(str, Enum):
    """What `export ledger` writes."""

    hledger = "hledger"
    beancount = "beancount"
    csv = "csv"


OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to FILE atomically (a temporary file beside it, fsynced, renamed over it) instead of stdout.", show_default=False)]
ManyOpt = Annotated[Optional[list[str]], typer.Option(show_default=False)]


def _progress(done: int, day) -> None:  # noqa: ANN001
    sys.stderr.write(f"\rexporting: {done} bookings up to {day}")
    sys.stderr.flush()


def _write(output: Path | None, write) -> None:  # noqa: ANN001 - write(out) -> count
    from bookctl.output.files import text_to

    count = text_to(output, write)
    if output is None:
        if sys.stderr.isatty():
            sys.stderr.write("\n")  # end the progress line
        return
    if sys.stderr.isatty():
        sys.stderr.write(f"\rwrote {count} records to {output}\n")


def _check_output(output: Path | None) -> None:
    """Refuse an --output that cannot name a file, before anything is read or written."""
    from bookctl.domain import values
    from bookctl.errors import UsageError

    if output is None:
        return
    if output.name in ("", ".", ".."):  # Typer turns --output '' into '.'
        raise UsageError("--output must name a file (leave it out to write to stdout)")
    values.path(str(output), "--output")


def _store_id(ctx) -> str:  # noqa: ANN001 - the command's AppContext
    """The store's id, which makes calendar and card UIDs unique across stores. A store that has
    none yet gets it from its first ics or vcf export: one write to bookctl.toml, as a payment's."""
    with ctx.store().read() as uow:
        known = uow.settings.store.id
    if known:
        return known
    from bookctl.services.money import store_id

    with ctx.store().write() as uow:
        minted = store_id(uow)
        uow.commit()
    return minted


@app.command("bookings")
def export_bookings(
    date_from: Annotated[Optional[str], typer.Option("--from", help="First day, YYYY-MM-DD, inclusive, in the store's time zone.", show_default=False)] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Last day, inclusive.", show_default=False)] = None,
    week: Annotated[Optional[str], typer.Option("--week", help="An ISO week, YYYY-Www (Monday to Sunday).", show_default=False)] = None,
    month: Annotated[Optional[str], typer.Option("--month", help="A month, YYYY-MM.", show_default=False)] = None,
    attendance: Annotated[Optional[list[str]], typer.Option("--attendance", help="booked, checked_in or no_show (repeatable: any of them).", show_default=False)] = None,
    status: Annotated[Optional[list[str]], typer.Option("--status", help="confirmed or cancelled (repeatable).", show_default=False)] = None,
    service: Annotated[Optional[str], typer.Option("--service", help="Service id or name.", show_default=False, shell_complete=complete_with("service"))] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Staff id or name.", show_default=False, shell_complete=complete_with("staff"))] = None,
    contact: Annotated[Optional[str], typer.Option("--contact", help="Contact id.", show_default=False, shell_complete=complete_with("contact"))] = None,
    label: Annotated[Optional[list[str]], typer.Option("--label", help="Only bookings of contacts with this label (repeatable: all of them).", show_default=False)] = None,
    fmt: Annotated[BookingFormat, typer.Option("--format", "-f", help="csv, json, ndjson or ics.", case_sensitive=False)] = BookingFormat.csv,
    output: OutputOpt = None,
    store: StoreOpt = None,
) -> None:
    """Bookings of a period, one per booking, ordered by start (no period: the whole calendar).

    Give one of --week, --month or --from/--to. An empty period is not an error: csv then holds
    its header alone.

    csv columns (one line each, RFC 4180 with CRLF line ends, UTF-8, times local to the store):
    booking_id, date (YYYY-MM-DD), start (HH:MM), end (HH:MM), service, staff, contact_id,
    contact_name, contact_email, contact_phone, status, attendance, payment_status, price, paid,
    refunded, due (plain decimals), currency, form_responses (a JSON object), duration_minutes
    (real elapsed time, exact across a clock change). A text cell that a
    spreadsheet would run as a formula (starting with = + - @, TAB, CR, or spaces and then one of
    = + - @) is written with a leading '; --raw writes it as it is.

    json/ndjson: the booking JSON keys plus service, staff, contact_name, contact_email,
    contact_phone. ics: an RFC 5545 feed (METHOD:PUBLISH), one VEVENT per booking with the store's
    VTIMEZONE, times in the autumn fold in UTC; each UID carries the store's id, which a store that
    has none gets from its first ics or vcf export (one write to bookctl.toml).
    """
    from bookctl.commands._parse_calendar import choices, export_period
    from bookctl.domain.models import ATTENDANCE_VALUES
    from bookctl.services.exports import BOOKING_CSV_COLUMNS, STATUS_VALUES, BookingFilter, export_rows, period
    from bookctl.services.lookups import find_contact

    def selection(uow):  # noqa: ANN001, ANN202 - the days and the filter, refused in this order
        days = period(uow, *export_period(date_from, date_to, week, month))
        keep = BookingFilter(uow, attendance=choices(attendance, ATTENDANCE_VALUES, "--attendance"),
                             status=choices(status, STATUS_VALUES, "--status"), service=service, staff=staff,
                             contact=find_contact(uow, contact) if contact else None, labels=label)
        return days, keep

    _check_output(output)
    ctx = app_context(store)
    if fmt is BookingFormat.ics:  # a bad period or filter is refused before a store id is minted
        with ctx.store().read() as uow:
            selection(uow)
    store_id = _store_id(ctx) if fmt is BookingFormat.ics else ""
    with ctx.store().read() as uow:
        days, keep = selection(uow)
        rows = export_rows(uow, days, keep, progress=_progress if sys.stderr.isatty() else None)

        def write(out):  # noqa: ANN001, ANN202
            if fmt is BookingFormat.csv:
                from bookctl.output.booking_lines import write_booking_csv

                return write_booking_csv(BOOKING_CSV_COLUMNS, rows, out)
            if fmt is BookingFormat.ics:
                from bookctl.output.ics import write_ics

                return write_ics(rows, out,
                                 zone_name=uow.settings.business.timezone, business=uow.settings.business.name,
                                 store_id=store_id, organizer_email=uow.settings.email.sender, now=ctx.clock(),
                                 days=days)
            from bookctl.output import Format, emit_json_texts
            from bookctl.output.booking_lines import json_texts

            return emit_json_texts(json_texts(rows), Format(fmt.value), out)

        with streaming():
            _write(output, write)


class _Counter:
    """Passes records through, counting them."""

    def __init__(self, records) -> None:  # noqa: ANN001
        self.records, self.count = records, 0

    def __iter__(self):  # noqa: ANN204
        for record in self.records:
            self.count += 1
            yield record


@app.command("contacts")
def export_contacts(
    label: Annotated[Optional[list[str]], typer.Option("--label", help="Only contacts with this label (repeatable: all of them).", show_default=False)] = None,
    fmt: Annotated[ContactFormat, typer.Option("--format", "-f", help="csv, json, ndjson or vcf (vCard 4.0).", case_sensitive=False)] = ContactFormat.csv,
    output: OutputOpt = None,
    store: StoreOpt = None,
) -> None:
    """Contacts in id order.

    csv columns (as for bookings: RFC 4180, CRLF, formula-like text with a leading ' unless --raw):
    id, first_name, last_name, email, phone, address, emails, phones, addresses, company,
    position, language, tax_id, birthday, labels (lists as JSON arrays, such as ["VIP"]),
    custom_fields (a JSON object), created_at. json/ndjson: the contact JSON keys. vcf: vCard 4.0
    with every email, phone and address, company, title, birthday, language, labels as CATEGORIES
    and custom fields as NOTE, a UID of the store's id and the contact's, and REV.
    """
    from bookctl.output import Format, emit_rows, write_csv
    from bookctl.services.exports import CONTACT_CSV_COLUMNS, contact_csv_row, contact_records

    _check_output(output)
    ctx = app_context(store)
    store_id = _store_id(ctx) if fmt is ContactFormat.vcf else ""
    with ctx.store().read() as uow:
        pairs = contact_records(uow, labels=label)

        def write(out):  # noqa: ANN001, ANN202
            if fmt is ContactFormat.csv:
                return write_csv(CONTACT_CSV_COLUMNS, (contact_csv_row(view) for _, view in pairs), out)
            if fmt is ContactFormat.vcf:
                from bookctl.output.vcard import write_vcards

                return write_vcards((c for c, _ in pairs), out, store_id)
            counted = _Counter(view for _, view in pairs)
            emit_rows(counted, Format(fmt.value), out=out)
            return counted.count

        with streaming():
            _write(output, write)


@app.command("ledger")
def export_ledger(
    date_from: FromOpt = None, date_to: ToOpt = None, week: WeekOpt = None, month: MonthOpt = None,
    fmt: Annotated[LedgerFormat, typer.Option("--format", "-f", help="hledger, beancount or csv.", case_sensitive=False)] = LedgerFormat.hledger,
    output: OutputOpt = None,
    store: StoreOpt = None,
) -> None:
    """The ledger of a period for the books: each payment, refund, fee and invoice as a double-entry
    transaction, dated on the day it was recorded (no period: the last 30 days, today included).

    Give one of --week, --month or --from/--to (only --from: up to today; only --to: its 30 days).

    A card payment debits Assets:Clearing:<Provider> and credits Income:Bookings:<Service>; money
    in person goes to Assets:Cash; a booking's invoice debits Assets:Receivable when issued, which
    Assets:Bank clears when it is paid (voiding reverses it); an invoice of no booking posts to
    Assets:Bank and Income:Bookings once paid. A refund debits Income:Refunds and credits where the
    money went out from. A fee kept out of money paid moves from the service's income to
    Income:Fees:Cancellation or Income:Fees:NoShow; one charged to a card comes in through the
    provider's clearing account. Fees still due, failed payments and payments whose outcome is
    unknown post nothing. A pack sold goes to Liabilities:DeferredRevenue, and each credit used
    moves its share of the price to Income:Bookings:<Service> (what is left when it expires, to
    Income:Bookings). So Income (with Income:Refunds and the deferred revenue) balances to minus the
    period's net: charged less refunded, as `report revenue` has it. Every account is set in
    bookctl.toml's [accounts] (`bookctl config set accounts.income Income:Sales`, ... accounts.refunds,
    accounts.cancellation_fees, accounts.no_show_fees, accounts.clearing, accounts.cash,
    accounts.bank, accounts.receivable, accounts.deferred).

    hledger: a journal with the commodity and the accounts declared (it passes `hledger check
    --strict`), tags booking, contact, reference, invoice, provider and entry in each transaction's
    comment. beancount: option operating_currency, an open directive per account, the same
    metadata as string lines (it passes bean-check). csv (RFC 4180, CRLF): one line per posting,
    columns date, transaction (the ledger entry's id), account, amount (signed; a debit is
    positive), currency, booking_id, contact_id, reference, description.
    """
    from bookctl.commands._parse_calendar import export_period
    from bookctl.domain.reports import report_period
    from bookctl.services.ledger_export import export_ledger as books_of
    from bookctl.timeutil import load_zone

    _check_output(output)
    first, last = export_period(date_from, date_to, week, month)
    ctx = app_context(store)
    with ctx.store().read() as uow:
        today = ctx.clock().astimezone(load_zone(uow.settings.business.timezone)).date()
        books = books_of(uow, *report_period(first, last, today))

    def write(out):  # noqa: ANN001, ANN202
        from bookctl.output import ledger_formats

        writer = {LedgerFormat.hledger: ledger_formats.write_hledger, LedgerFormat.beancount: ledger_formats.write_beancount,
                  LedgerFormat.csv: ledger_formats.write_ledger_csv}[fmt]
        return writer(books, out)

    _write(output, write)
