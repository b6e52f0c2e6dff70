"""Cancellation and no-show fees, and cancelling with a refund (seeds 000 and 002).

A fee is kept first out of money already paid; what that does not cover is charged to the card
the contact has on file, else recorded as due. The refund is then what was paid minus the fee.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bookctl.domain.attendance import change_attendance
from bookctl.domain.models import Booking, Service, Session
from bookctl.domain.money import Money
from bookctl.domain.payments import LedgerEntry, failure_text, summarize
from bookctl.errors import BookctlError, ProviderError, RuleError, UsageError
from bookctl.providers.base import CardDeclined, ChargeRequest
from bookctl.services import calendar
from bookctl.services.mail import check_can_email, queue_refund_email
from bookctl.services.payments import (
    Outcome,
    execute_refund,
    plan_refund,
    provider_for,
    provider_key,
    view_booking,
)
from bookctl.storage.base import UnitOfWork


def fee_applies(service: Service, session: Session, now: datetime) -> bool:
    """A cancellation fee applies inside the service's window before the start (always if the window is 0)."""
    window = service.cancellation_window_hours
    return window == 0 or now >= session.start - timedelta(hours=window)


def apply_fee(uow: UnitOfWork, now: datetime, booking: Booking, kind: str, fee: Money,
              key: str | None) -> BookctlError | None:
    """Record a fee: kept from what was paid, the rest charged to the saved card or left due.

    A card that fails leaves a `failed` entry, the fee recorded as due, and the error returned."""
    available = summarize(booking).refundable
    kept = fee if fee <= available else (available if available.minor > 0 else Money.zero(fee.currency))
    if kept.minor > 0:
        uow.add_ledger_entry(booking, kind=kind, amount=kept, status="kept", created_at=now)
    rest = fee - kept
    if rest.minor == 0:
        return None
    saved = uow.get_contact(booking.contact_id).saved_card
    if saved is None:
        uow.add_ledger_entry(booking, kind=kind, amount=rest, status="due", created_at=now)
        return None
    provider = provider_for(uow, saved.provider)
    base = {"kind": kind, "method": "card", "provider": provider.name, "amount": rest, "created_at": now}
    if not provider.capabilities.card_charges:
        uow.add_ledger_entry(booking, status="due", **{k: v for k, v in base.items() if k not in ("method", "provider")})
        return None
    try:
        result = provider.charge(ChargeRequest(amount=rest, idempotency_key=provider_key(uow, booking, key, kind),
                                               description=f"{kind.replace('_', ' ')} for booking {booking.id}",
                                               token=saved.method))
    except (CardDeclined, ProviderError) as exc:
        uow.add_ledger_entry(booking, status="failed", failure=failure_text(exc), **base)
        uow.add_ledger_entry(booking, kind=kind, amount=rest, status="due", created_at=now)
        return exc
    uow.add_ledger_entry(booking, status="succeeded", reference=result.reference, card_brand=result.card_brand,
                         card_last4=result.card_last4, **base)
    return None


def _has_fee(entries: list[LedgerEntry], kind: str) -> bool:
    return any(e.kind == kind and e.status in ("kept", "succeeded", "due") for e in entries)


def cancel(uow: UnitOfWork, now: datetime, ref: str, refund: bool = False, amount_text: str | None = None,
           charge_fee: bool = False, key: str | None = None, notify: bool = False,
           refund_email: bool = False) -> Outcome:
    """Cancel a booking; with --charge-fee keep the cancellation fee, with --refund give back the rest.
    `notify` queues the cancellation email, `refund_email` the refund email (seed 002), both in this
    unit of work; the view then carries `email` and `refund_email` records for sending after commit.

    Everything that can be refused is checked before the booking changes. If the provider then
    fails the refund, the booking stays cancelled, no refund email is queued, and the failure is
    reported after commit.
    """
    if amount_text is not None and not refund:
        raise UsageError("--amount goes with --refund")
    if refund_email and not refund:
        raise UsageError("--refund-email goes with --refund")
    booking, session = calendar.resolve_booking(uow, ref)
    if booking.status == "cancelled":
        raise RuleError(f"booking {booking.id} is already cancelled")
    service = uow.settings.services.get(session.service_id)
    fee = None
    if charge_fee:
        if service is None or service.cancellation_fee is None or service.cancellation_fee.minor == 0:
            name = service.name if service else session.service_id
            raise RuleError(f"service {name} has no cancellation fee; cancel without --charge-fee")
        if fee_applies(service, session, now):
            fee = service.cancellation_fee
    summary = summarize(booking)
    refundable = summary.refundable
    if fee is not None:
        refundable = refundable - fee if fee < refundable else Money.zero(refundable.currency)
    plan = []
    if refund:
        amount = refundable if amount_text is None else Money.parse(amount_text, refundable.currency, what="--amount")
        if amount > refundable:
            kept = f" after the {fee} cancellation fee" if fee is not None else ""
            raise RuleError(f"booking {booking.id} has {summary.paid} paid and {refundable} refundable{kept}; "
                            f"cannot refund {amount}; nothing was cancelled")
        plan = plan_refund(uow, booking, amount) if amount.minor > 0 else []
    address = check_can_email(uow, uow.get_contact(booking.contact_id)) if refund_email else None
    cancelled = calendar.cancel(uow, now, ref, notify=notify)  # refuses a contact it cannot email first
    error = apply_fee(uow, now, booking, "cancellation_fee", fee, key) if fee is not None else None
    if error is not None:
        return Outcome(None, _after_cancel(error, booking, "the cancellation fee could not be charged "
                                                       "and is recorded as due"))
    refunded = Money.zero(booking.price.currency)
    if plan:
        done, error = execute_refund(uow, now, booking, plan, "cancelled", key)
        if error is not None:
            return Outcome(None, _after_cancel(error, booking, "the refund failed; nothing was refunded"))
        for entry in done:
            refunded = refunded + entry.amount
    view = view_booking(uow, booking, session)
    if "email" in cancelled:
        view["email"] = cancelled["email"]
    if refund_email:
        message_id = queue_refund_email(uow, now, booking, session, refunded=refunded, fee_kept=fee)
        view["refund_email"] = {"message": message_id, "to": address, "status": "queued"}
    return Outcome(view)


def _after_cancel(error: BookctlError, booking: Booking, what: str) -> BookctlError:
    kind = ProviderError if isinstance(error, ProviderError) else RuleError
    return kind(f"booking {booking.id} is cancelled, but {what} ({error}); "
                f"retry with 'bookctl payment refund {booking.id}'" if "refund" in what else
                f"booking {booking.id} is cancelled, but {what} ({error}); collect it with "
                f"'bookctl payment collect {booking.id} --method card'")


def no_show(uow: UnitOfWork, now: datetime, ref: str, key: str | None = None) -> Outcome:
    """Mark a no-show and charge the service's no-show fee (seed 000: only where the policy has one)."""
    booking, session = calendar.resolve_booking(uow, ref)
    service = uow.settings.services.get(session.service_id)
    if service is None or service.no_show_fee is None or service.no_show_fee.minor == 0:
        name = service.name if service else session.service_id
        raise RuleError(f"service {name} has no no-show fee policy; mark the no-show without --charge-fee")
    if _has_fee(booking.ledger_entries, "no_show_fee"):
        raise RuleError(f"booking {booking.id} was already charged its no-show fee")
    if change_attendance(booking, session, "no_show", now.astimezone(calendar.zone_of(uow))):
        uow.save_booking(booking)
    error = apply_fee(uow, now, booking, "no_show_fee", service.no_show_fee, key)
    if error is not None:
        kind = ProviderError if isinstance(error, ProviderError) else RuleError
        error = kind(f"booking {booking.id} is marked no-show, but the fee could not be charged ({error}); "
                     f"it is recorded as due: 'bookctl payment collect {booking.id} --method ...'")
    return Outcome(view_booking(uow, booking, session), error)

