"""`invoice` and `quote`: documents for a contact, numbered per store (INV-0001, Q-0001)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from bookctl.commands import _run
from bookctl.commands._options import FormatOpt, KeyOpt, StoreOpt, complete_with
from bookctl.output import Format, emit, emit_rows

invoice_app = typer.Typer(no_args_is_help=True, help="Invoices: create, list, show, pay, void.")
quote_app = typer.Typer(no_args_is_help=True, help="Quotes: create, list, show, accept (makes an invoice).")

ContactOpt = Annotated[str, typer.Option("--contact", help="Contact id.", shell_complete=complete_with("contact"))]
ItemOpt = Annotated[Optional[list[str]], typer.Option("--item", help='A line "TEXT=AMOUNT" (repeatable).', show_default=False)]
IdArg = Annotated[str, typer.Argument(help="INV-0001 / Q-0001.")]
_LIST_COLUMNS = ("id", "contact_id", "booking_id", "total", "status", "due", "created_at")


@invoice_app.command("create")
def invoice_create(
    contact: ContactOpt,
    booking: Annotated[Optional[str], typer.Option("--booking", help="Invoice this booking (default: what it has due).", show_default=False, shell_complete=complete_with("booking"))] = None,
    item: ItemOpt = None,
    due: Annotated[Optional[str], typer.Option("--due", help="Due date, YYYY-MM-DD.", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Create an open invoice from line items, or for a booking."""
    from bookctl.commands._parse_money import invoice_due, item_lines
    from bookctl.services.invoices import create_invoice
    from bookctl.services.lookups import find_contact

    lines = item_lines(item) if item or booking is None else None  # no --item for a booking: its amount due
    def action(uow, now):  # noqa: ANN001, ANN202
        contact_id = find_contact(uow, contact)
        return create_invoice(uow, now, contact_id, booking, lines, invoice_due(uow, contact_id, due))

    emit(_run.write(store, action), fmt)


@invoice_app.command("list")
def invoice_list(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Every invoice, by number."""
    from bookctl.services.invoices import list_invoices

    emit_rows(_run.read(store, list_invoices), fmt, columns=_LIST_COLUMNS if fmt is Format.table else None)


@invoice_app.command("show")
def invoice_show(record_id: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """One invoice with its lines."""
    from bookctl.services.invoices import invoice_view

    emit(_run.read(store, lambda uow: invoice_view(uow.documents.get_invoice(record_id), uow)), fmt)


@invoice_app.command("pay")
def invoice_pay(
    record_id: IdArg,
    method: Annotated[Optional[str], typer.Option("--method", help="How it was paid (e.g. bank-transfer).", show_default=False)] = None,
    idempotency_key: KeyOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record that an open invoice was paid; a booking's invoice settles the booking."""
    from bookctl.commands._parse_money import invoice_label
    from bookctl.services.invoices import pay_invoice

    emit(_run.money(store, "invoice pay", {"invoice": record_id.upper(), "method": method}, idempotency_key,
                   lambda uow, now: pay_invoice(uow, now, record_id, invoice_label(uow, record_id, method))), fmt)


@invoice_app.command("void")
def invoice_void(record_id: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Cancel an open invoice."""
    from bookctl.services.invoices import void_invoice

    emit(_run.write(store, lambda uow, now: void_invoice(uow, now, record_id)), fmt)


@quote_app.command("create")
def quote_create(contact: ContactOpt, item: ItemOpt = None, store: StoreOpt = None,
                 fmt: FormatOpt = Format.table) -> None:
    """Create a quote from line items."""
    from bookctl.commands._parse_money import item_lines
    from bookctl.services.invoices import create_quote

    from bookctl.services.lookups import find_contact

    emit(_run.write(store, lambda uow, now: create_quote(uow, now, find_contact(uow, contact), item_lines(item or []))),
         fmt)


@quote_app.command("list")
def quote_list(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Every quote, by number."""
    from bookctl.services.invoices import list_quotes

    emit_rows(_run.read(store, list_quotes), fmt,
              columns=("id", "contact_id", "total", "status", "invoice_id", "created_at") if fmt is Format.table else None)


@quote_app.command("show")
def quote_show(record_id: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """One quote with its lines."""
    from bookctl.services.invoices import quote_view

    emit(_run.read(store, lambda uow: quote_view(uow.documents.get_quote(record_id), uow)), fmt)


@quote_app.command("accept")
def quote_accept(record_id: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Accept a quote: it becomes an open invoice, which is printed."""
    from bookctl.services.invoices import accept_quote

    emit(_run.write(store, lambda uow, now: accept_quote(uow, now, record_id)), fmt)
