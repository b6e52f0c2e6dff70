"""Cancellation and no-show fees, and cancelling with a refund (seeds 000 and 002).

A fee is kept first out of money already paid; what that does not cover is charged to the card
the contact has on file, else recorded as due. The refund is then what was paid minus the fee.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from math import ceil

from bookctl.domain.attendance import change_attendance, inside_cancellation_window
from bookctl.domain.models import WAITING_STATUSES, Booking, Service, Session
from bookctl.domain.money import Money
from bookctl.domain.payments import LedgerEntry, summarize
from bookctl.errors import BookctlError, ProviderError, RuleError
from bookctl.services import calendar
from bookctl.services.lookups import provider_for, resolve_booking, zone_of
from bookctl.services.money import Answers, Outcome, Plan, charge_intent, resumable, sum_of
from bookctl.services.payments import (
    plan_refund,
    refund_email_for,
    refund_intents,
    view_booking,
)
from bookctl.storage.unit import UnitOfWork


def fee_applies(service: Service, session: Session, now: datetime) -> bool:
    """A cancellation fee applies inside the service's window before the start (always if the window is 0)."""
    return inside_cancellation_window(service.cancellation_window_hours, session.start, now)


def outside_window(booking: Booking, service: Service, session: Session, now: datetime) -> RuleError:
    """The refusal of --charge-fee for a booking cancelled before its window opens: no fee applies."""
    hours = ceil((session.start - now) / timedelta(hours=1))  # up: outside a 24-hour window is never "24 hours"
    return RuleError(f"booking {booking.id} starts in {hours} hours, outside the "
                     f"{service.cancellation_window_hours}-hour cancellation window; no fee applies: "
                     "cancel without --charge-fee")


def apply_fee(uow: UnitOfWork, now: datetime, booking: Booking, kind: str, fee: Money) -> LedgerEntry | None:
    """Record a fee: kept from what was paid; the rest an intent to charge the saved card (returned),
    or left due. A charge that then fails makes the fee due (`money.send`)."""
    available = summarize(booking).refundable
    kept = fee if fee <= available else (available if available.minor > 0 else Money.zero(fee.currency))
    if kept.minor > 0:
        uow.ledger.add(booking, kind=kind, amount=kept, status="kept", created_at=now)
    rest = fee - kept
    if rest.minor == 0:
        return None
    saved = uow.contacts.get(booking.contact_id).saved_card
    provider = provider_for(uow, saved.provider) if saved is not None else None
    if saved is None or provider is None or not provider.capabilities.card_charges:  # None: no card on file
        uow.ledger.add(booking, kind=kind, amount=rest, status="due", created_at=now)
        return None
    return charge_intent(uow, now, booking, provider.name, rest, kind=kind, token=saved.method,
                         description=f"{kind.replace('_', ' ')} for booking {booking.id}")


def _has_fee(entries: list[LedgerEntry], kind: str) -> bool:
    return any(e.kind == kind and e.status in ("kept", "succeeded", "due") for e in entries)


def cancel(uow: UnitOfWork, now: datetime, ref: str, refund: bool = False, asked: Money | None = None,
           charge_fee: bool = False, notify: bool = False, refund_email_too: bool = False,
           whole_course: bool = True, by_business: bool = False) -> Plan:
    """Cancel a booking; with --charge-fee keep the cancellation fee (refused, exit 1, before the
    service's window opens), with --refund give back the rest (`asked`, in the booking's currency:
    only that much; 0 refunds nothing). `asked` and `refund_email_too` go with `refund` (the command
    checks it).
    `notify` queues the cancellation email with the cancellation; `refund_email_too` the refund email
    (seed 002) once the money is back; the view then carries `email` and `refund_email` records.
    `whole_course`: a course's booking takes its places in the meetings to come with it
    (calendar.cancel); False when one meeting is cancelled. `by_business`: the studio cancelled the session
    (a pass's credit always comes back).

    Everything that can be refused is checked, and the refund email built, before the booking
    changes. The cancellation, the fee and the refund intents commit together; if the provider
    then fails the refund, the booking stays cancelled, no refund email is queued, and the failure
    is reported. A retry after an unknown outcome resumes the pending refund or fee.
    """
    booking, session = resolve_booking(uow, ref)
    kinds = tuple(kind for kind, asked_for in (("refund", refund), ("cancellation_fee", charge_fee)) if asked_for)
    if kinds:
        again = resumable(booking.ledger_entries, kinds, asked)
        if again and booking.status == "cancelled":
            refunds = [e for e in again if e.kind == "refund"]
            kept = [e for e in booking.ledger_entries if e.kind == "cancellation_fee" and e.status == "kept"]
            email = None
            if refund_email_too and refunds:  # the same email the first run would have queued
                fee = sum_of(kept, booking.price.currency) if kept else None
                email = refund_email_for(uow, now, booking, session, sum_of(refunds, booking.price.currency), fee)
            return Plan(again, lambda answers: _cancelled(uow, booking, session, again, answers, {}, email, now),
                        replay=True)
        if again:
            raise RuleError(f"booking {booking.id} has pending payments; run 'bookctl payment reconcile {booking.id}'")
    if booking.status == "cancelled":
        raise RuleError(f"booking {booking.id} is already cancelled")
    service = uow.settings.services.get(session.service_id)
    fee = None
    if charge_fee:
        from bookctl.services.credits import refuse_money_fee

        refuse_money_fee(booking, "late cancel")
    if charge_fee and booking.status in WAITING_STATUSES:
        raise RuleError(f"booking {booking.id} is on the waitlist; leaving it costs nothing (cancel without --charge-fee)")
    if charge_fee:
        if service is None or service.cancellation_fee is None or service.cancellation_fee.minor == 0:
            name = service.name if service else session.service_id
            raise RuleError(f"service {name} has no cancellation fee; cancel without --charge-fee")
        if not fee_applies(service, session, now):
            raise outside_window(booking, service, session, now)  # never a silent nothing: say so, change nothing
        fee = service.cancellation_fee
    summary = summarize(booking)
    refundable = summary.refundable
    if fee is not None:
        refundable = refundable - fee if fee < refundable else Money.zero(refundable.currency)
    plan = []
    amount = Money.zero(booking.price.currency)
    if refund:
        amount = refundable if asked is None else asked
        if amount > refundable:
            kept = f" after the {fee} cancellation fee" if fee is not None else ""
            raise RuleError(f"booking {booking.id} has {summary.paid} paid and {refundable} refundable{kept}; "
                            f"cannot refund {amount}; nothing was cancelled")
        plan = plan_refund(uow, booking.id, booking.ledger_entries, amount) if amount.minor > 0 else []
    email = refund_email_for(uow, now, booking, session, amount, fee) if refund_email_too else None
    # calendar.cancel refuses a contact it cannot email first
    cancelled = calendar.cancel(uow, now, ref, notify=notify, whole_course=whole_course, by_business=by_business)
    intents = []
    if fee is not None:
        charge = apply_fee(uow, now, booking, "cancellation_fee", fee)
        intents = [charge] if charge is not None else []
    intents += refund_intents(uow, now, booking, plan, "cancelled")
    return Plan(intents, lambda answers: _cancelled(uow, booking, session, intents, answers, cancelled, email, now))


def _cancelled(uow: UnitOfWork, booking: Booking, session: Session, intents: list[LedgerEntry], answers: Answers,
               cancelled: dict, email: tuple[str, bytes] | None, now: datetime) -> Outcome:
    """After the fee's or the refund's answers: the booking's view, with the emails queued."""
    if answers.error is not None:
        stopped = next((e for e in intents if e.status != "succeeded"), intents[0])
        fee = stopped.kind == "cancellation_fee"
        if answers.unknown:
            what = f"the {'cancellation fee' if fee else 'refund'} is pending"
        else:
            what = "the cancellation fee could not be charged and is recorded as due" if fee else "the refund failed"
        return Outcome(None, _after_cancel(answers.error, booking, what, stopped, answers.unknown))
    view = view_booking(uow, booking, session)
    for key in ("email", "course_cancelled", "waitlist", "credit"):
        if key in cancelled:
            view[key] = cancelled[key]
    if email is not None:
        message_id = uow.outbox.add(now, email[1])
        view["refund_email"] = {"message": message_id, "to": email[0], "status": "queued"}
    return Outcome(view)


def _after_cancel(error: BookctlError, booking: Booking, what: str, entry: LedgerEntry, unknown: bool) -> BookctlError:
    """The error of a cancel that stood while its money did not go through: what to do next."""
    kind = ProviderError if isinstance(error, ProviderError) else RuleError
    if unknown:
        return kind(f"booking {booking.id} is cancelled, but {what}: {error}")
    if entry.kind == "refund":
        return kind(f"booking {booking.id} is cancelled, but {what} ({error}); "
                    f"retry with 'bookctl payment refund {booking.id}'")
    return kind(f"booking {booking.id} is cancelled, but {what} ({error}); collect it with "
                f"'bookctl payment collect {booking.id} --method card'")


def no_show(uow: UnitOfWork, now: datetime, ref: str) -> Plan:
    """Mark a no-show and charge the service's no-show fee (seed 000: only where the policy has one)."""
    booking, session = resolve_booking(uow, ref)
    again = resumable(booking.ledger_entries, ("no_show_fee",), None)
    if again:
        return Plan(again, lambda answers: _no_show_charged(uow, booking, session, answers), replay=True)
    from bookctl.services.credits import refuse_money_fee

    refuse_money_fee(booking, "no-show")
    service = uow.settings.services.get(session.service_id)
    if service is None or service.no_show_fee is None or service.no_show_fee.minor == 0:
        name = service.name if service else session.service_id
        raise RuleError(f"service {name} has no no-show fee policy; mark the no-show without --charge-fee")
    if _has_fee(booking.ledger_entries, "no_show_fee"):
        raise RuleError(f"booking {booking.id} was already charged its no-show fee")
    change_attendance(booking, session, "no_show", now.astimezone(zone_of(uow)))
    charge = apply_fee(uow, now, booking, "no_show_fee", service.no_show_fee)
    return Plan([charge] if charge is not None else [], lambda answers: _no_show_charged(uow, booking, session, answers))


def _no_show_charged(uow: UnitOfWork, booking: Booking, session: Session, answers: Answers) -> Outcome:
    """After the fee's answer: the booking's view, and what became of the fee if it was not charged."""
    error = answers.error
    if error is not None and answers.unknown:
        error = ProviderError(f"booking {booking.id} is marked no-show, but its fee is pending: {error}")
    elif error is not None:
        kind = ProviderError if isinstance(error, ProviderError) else RuleError
        error = kind(f"booking {booking.id} is marked no-show, but the fee could not be charged ({error}); "
                     f"it is recorded as due: 'bookctl payment collect {booking.id} --method ...'")
    return Outcome(view_booking(uow, booking, session), error)
