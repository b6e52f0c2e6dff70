"""`payment`: collect, refund, reconcile and list the ledger's money for bookings."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from bookctl.commands import _run
from bookctl.commands._options import FormatOpt, KeyOpt, StoreOpt, YesOpt, app_context, complete_with
from bookctl.output import Format, emit, emit_rows
from bookctl.output.payment_view import entry_summaries, entry_summary

app = typer.Typer(no_args_is_help=True, help="Payments: collect, refund, reconcile and list the money ledger.")

_COLUMNS = ("id", "booking_id", "contact_id", "kind", "method", "provider", "amount", "status", "reference",
            "created_at")

BookingArg = Annotated[str, typer.Argument(help="A booking id (or a session id with exactly one active booking).", shell_complete=complete_with("booking"))]
RefundArg = Annotated[str, typer.Argument(metavar="BOOKING", help="A booking id (or a session id with exactly one active booking), or a pass id (ps-N).", shell_complete=complete_with("booking"))]
OptStr = Annotated[Optional[str], typer.Option(show_default=False)]
AmountOpt = Annotated[Optional[str], typer.Option("--amount", help="A decimal in the store currency.", show_default=False)]


@app.command("collect")
def payment_collect(
    booking: BookingArg,
    method: Annotated[str, typer.Option("--method", help="card, invoice or in-person.")],
    amount: AmountOpt = None,
    provider: Annotated[Optional[str], typer.Option("--provider", help="Payment provider (default: by method).", show_default=False)] = None,
    card: Annotated[Optional[str], typer.Option("--card", help="The provider's card token (never a card number).", show_default=False)] = None,
    save_card: Annotated[bool, typer.Option("--save-card", help="Keep the card on file for later fees.")] = False,
    yes: YesOpt = False,
    idempotency_key: KeyOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Take a payment: by card, by invoice, or mark it paid in person (irreversible). Default amount: what is due."""
    from bookctl.commands._confirm import confirm_irreversible
    from bookctl.commands._parse_money import booking_currency, card_token, method_of, positive_amount
    from bookctl.services.payments import collect

    way = method_of(method)
    if way == "in_person":
        from bookctl.services.lookups import resolve_booking

        with app_context(store).store().read() as uow:
            resolve_booking(uow, booking)  # an id that names nothing is exit 3, before any question
        confirm_irreversible(f"Mark booking {booking} as paid in person? This cannot be undone.", yes)
    arguments = {"booking": booking, "method": way, "amount": amount, "provider": provider,
                 "card": card, "save_card": save_card}

    def action(uow, now):  # noqa: ANN001, ANN202
        currency = booking_currency(uow, booking)  # the booking first: a wrong id is exit 3, as ever
        token = card_token(way, card, save_card)
        return collect(uow, now, booking, way, positive_amount(amount, currency), provider, token, save_card)

    entry = _run.money(store, "payment collect", arguments, idempotency_key, action)
    emit(entry_summary(entry) if fmt is Format.table else entry, fmt)


@app.command("refund")
def payment_refund(
    booking: RefundArg,
    amount: AmountOpt = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why (kept on the ledger entry).", show_default=False)] = None,
    manual: Annotated[bool, typer.Option("--manual", help="Record money you gave back yourself; no provider is called.")] = False,
    notify: Annotated[bool, typer.Option("--notify", help="Email the client about the refund.")] = False,
    idempotency_key: KeyOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Give money back through the provider that took it: all of it by default, part with --amount. For a
    pass (ps-N): what its unused credits are worth (a pack) or all of it (a membership), and the pass closes."""
    from bookctl.commands._parse_money import booking_currency, positive_amount
    from bookctl.domain import values
    from bookctl.services.payments import refund

    def action(uow, now):  # noqa: ANN001, ANN202
        why = None if reason is None else values.line(reason, "--reason")
        if booking.strip().startswith("ps-"):  # a pass: its sale's money back, and the pass closed
            from bookctl.errors import UsageError
            from bookctl.services.pass_sales import refund_pass

            uow.plans.get_pass(booking.strip())  # an id that names nothing is exit 3 first
            if notify:
                raise UsageError("--notify tells a client about a booking's refund; a pass's refund sends no email yet")
            asked = None if amount is None else positive_amount(amount, uow.settings.business.currency)
            return refund_pass(uow, now, booking, asked, why, manual)
        asked = None if amount is None else positive_amount(amount, booking_currency(uow, booking))
        return refund(uow, now, booking, asked, why, manual, notify)

    arguments = {"booking": booking, "amount": amount, "reason": reason, "manual": manual, "notify": notify}
    rows = _run.money(store, "payment refund", arguments, idempotency_key, action)
    email = rows[-1].get("email") if rows else None
    try:
        _run.send_queued(store, [("refund email", email)] if email else [], f"booking {booking} is refunded")
    finally:
        for row in rows:  # every row shows the one message's final status
            if "email" in row:
                row["email"] = email
        emit_rows(entry_summaries(rows) if fmt is Format.table else rows, fmt)


@app.command("reconcile")
def payment_reconcile(
    booking: Annotated[Optional[str], typer.Argument(
        help="A booking id (or an invoice id); every pending payment in the store if left out.",
        show_default=False, shell_complete=complete_with("booking"))] = None,
    mark: Annotated[Optional[str], typer.Option(
        "--mark", help="Settle this pending entry by hand, from the provider's dashboard (needs BOOKING).",
        show_default=False)] = None,
    outcome_as: Annotated[Optional[str], typer.Option(
        "--as", help="With --mark: succeeded or failed.", show_default=False)] = None,
    reference: Annotated[Optional[str], typer.Option(
        "--reference", help="With --as succeeded: the provider's id of the payment.", show_default=False)] = None,
    yes: YesOpt = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Resolve pending payments: ask each provider, replaying the stored idempotency key, what became
    of a call that never answered, and record the answer. Exit 5 while a provider is still unreachable.
    --mark ENTRY --as succeeded|failed records what the provider's own dashboard shows instead
    (irreversible, so it asks, or needs --yes)."""
    from bookctl.services.money import mark as mark_by_hand
    from bookctl.services.money import reconcile

    if (mark is None) != (outcome_as is None) or (mark is not None and booking is None):
        from bookctl.errors import UsageError

        raise UsageError("--mark ENTRY and --as succeeded|failed go together, with the BOOKING they belong to")
    ctx = app_context(store)
    if mark is not None:
        from bookctl.commands._confirm import confirm_irreversible

        confirm_irreversible(f"Record payment {mark} as {outcome_as} by hand? This cannot be undone.", yes)
    with ctx.store().write() as uow:
        if mark is not None:
            from bookctl.commands._parse_money import hand_settlement

            now = ctx.clock()
            outcome = mark_by_hand(uow, now, booking, mark, outcome_as, hand_settlement(outcome_as, reference))
        else:
            outcome = reconcile(uow, ctx.clock(), booking)
    emit_rows(outcome.view, fmt, columns=_COLUMNS if fmt is Format.table else None)
    if outcome.error is not None:
        raise outcome.error


@app.command("list")
def payment_list(
    booking: Annotated[Optional[str], typer.Option("--booking", help="Only this booking.", show_default=False, shell_complete=complete_with("booking"))] = None,
    contact: Annotated[Optional[str], typer.Option("--contact", help="Only this contact.", show_default=False, shell_complete=complete_with("contact"))] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="First day, inclusive.", show_default=False)] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Last day, inclusive.", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The ledger entries, oldest first, by booking, contact and period."""
    from bookctl.commands._parse_money import period
    from bookctl.services.payments import list_payments

    from bookctl.services.lookups import find_contact

    with app_context(store).store().read() as uow:
        first, last = period(date_from, date_to)
        rows = list_payments(uow, booking, find_contact(uow, contact) if contact else None, first, last)
    emit_rows(rows, fmt, columns=_COLUMNS if fmt is Format.table else None)
