"""Paying for bookings with a pass's credits (bookctl #23), and what cancels and no-shows do to them.

A credit is spent by a booking (`spend_credit`). It comes back when the booking is cancelled before the
service's cancellation window opens, or when the studio cancels the session; a late cancel or a no-show
forfeits it, as the service's `credit_forfeit` says (`release_credit`, `no_show_credit`). Each is a move
on the pass's append-only list, once per booking: a credit is given back or forfeited once, and given
back only while the pass has room for it (a membership renewed since is full again: the credit of a
past period is forfeited).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bookctl.errors import NotFoundError, RuleError
from bookctl.services.lookups import zone_of

if TYPE_CHECKING:
    from bookctl.domain.models import Booking, Service, Session
    from bookctl.domain.plans import Pass
    from bookctl.storage.unit import UnitOfWork

SETTLING = ("forfeited", "returned")  # the moves that settle a booking's credit, once


def choose_pass(uow: UnitOfWork, contact_id: str, service: Service, session: Session,
                pass_ref: str | None) -> Pass:
    """The pass that pays for a booking of `service` in `session`: `pass_ref`, checked, or (None) the
    contact's usable pass for it that expires first (one without an end last, then the oldest)."""
    if pass_ref is not None:
        try:
            chosen = uow.plans.get_pass(pass_ref.strip())
        except NotFoundError:
            raise NotFoundError(f"no pass {pass_ref.strip()!r}; see 'bookctl contact passes {contact_id}'") from None
        _check_usable(uow, chosen, contact_id, service, session)
        return chosen
    usable = [p for p in uow.plans.passes_of(contact_id)
              if p.covers(service.id) and p.usable_at(session.start) and not _refunding(uow, p)]
    if not usable:
        raise RuleError(f"contact {contact_id} has no pass that covers {service.name} on "
                        f"{session.start.astimezone(zone_of(uow)):%Y-%m-%d}; see 'bookctl contact passes {contact_id}'")
    far = datetime.max.replace(tzinfo=session.start.tzinfo)
    return min(usable, key=lambda p: (p.expires_at or far, int(p.id.removeprefix("ps-"))))


def _refunding(uow: UnitOfWork, held: Pass) -> bool:
    """Whether a refund of the pass's sale is on its way: the pass closes once it is back."""
    from bookctl.domain.payments import pending_intents

    return held.invoice_id is not None and any(
        e.kind == "refund" for e in pending_intents(uow.ledger.of_invoice(held.invoice_id)))


def _check_usable(uow: UnitOfWork, chosen: Pass, contact_id: str, service: Service, session: Session) -> None:
    if chosen.contact_id != contact_id:
        raise RuleError(f"pass {chosen.id} belongs to contact {chosen.contact_id}, not {contact_id}")
    if not chosen.covers(service.id):
        raise RuleError(f"pass {chosen.id} ({chosen.plan_name}) does not cover {service.name}; "
                        f"it covers {', '.join(chosen.service_ids)}")
    if chosen.status != "active":
        why = {"past_due": "its payment has not come in", "used_up": "no credits are left"}.get(chosen.status, "")
        raise RuleError(f"pass {chosen.id} is {chosen.status}" + (f": {why}" if why else ""))
    if session.start < chosen.starts_at:
        raise RuleError(f"pass {chosen.id} starts on {chosen.starts_at:%Y-%m-%d}, after session {session.id}")
    if chosen.expires_at is not None and session.start >= chosen.expires_at:
        raise RuleError(f"pass {chosen.id} expires at {chosen.expires_at.isoformat()}, before session {session.id}")
    if _refunding(uow, chosen):
        raise RuleError(f"pass {chosen.id} is being refunded; run 'bookctl payment reconcile {chosen.invoice_id}'")


def spend_credit(uow: UnitOfWork, now: datetime, booking: Booking, session: Session, service: Service,
                 pass_ref: str | None) -> Pass:
    """Pay for a new booking with one credit of a pass (`pass_ref`, or the one `choose_pass` picks)."""
    chosen = choose_pass(uow, booking.contact_id, service, session, pass_ref)
    chosen.move("used", now, booking_id=booking.id)
    booking.pass_id = chosen.id
    return chosen


def check_still_covered(uow: UnitOfWork, booking: Booking, start: datetime) -> None:
    """A booking a pass covers may move only to a time the pass is valid at (the service stays the same)."""
    if booking.pass_id is None:
        return
    held = uow.plans.get_pass(booking.pass_id)
    if start < held.starts_at or (held.expires_at is not None and start >= held.expires_at):
        ends = "" if held.expires_at is None else f", until {held.expires_at.isoformat()}"
        raise RuleError(f"booking {booking.id} is paid with pass {held.id}, valid from {held.starts_at.isoformat()}"
                        f"{ends}, not at the new time; cancel it and book the new time")


def _settled(held: Pass, booking: Booking) -> str | None:
    """How the credit of `booking` stands settled (returned or forfeited) by its last move, or None while it
    is spent and open (a credit given back and then spent again is open again)."""
    last = next((m.kind for m in reversed(held.moves) if m.booking_id == booking.id), None)
    return last if last in SETTLING else None


def _give_back(held: Pass, now: datetime, booking: Booking, reason: str | None) -> str:
    """Return a booking's credit if the pass can take it back, else forfeit it saying why."""
    if held.status in ("expired", "cancelled"):
        held.move("forfeited", now, credits=1, booking_id=booking.id, reason=f"the pass is {held.status}")
        return "forfeited"
    if held.sessions is not None and held.balance is not None and held.balance >= held.sessions:
        held.move("forfeited", now, credits=1, booking_id=booking.id,
                  reason="the pass was renewed since: the credit was of a period gone")
        return "forfeited"
    held.move("returned", now, booking_id=booking.id, reason=reason)
    return "returned"


def release_credit(uow: UnitOfWork, now: datetime, booking: Booking, session: Session, service: Service | None,
                   by_business: bool = False) -> str:
    """A booking a pass covers is cancelled: its credit comes back before the service's cancellation
    window opens, or always when the studio cancelled the session (`by_business`), and is forfeited inside
    the window where the service says so (reason `late cancel`). Which: returned or forfeited."""
    from bookctl.domain.attendance import inside_cancellation_window

    held = uow.plans.get_pass(booking.pass_id or "")
    settled = _settled(held, booking)
    if settled is not None:  # a no-show already forfeited it (or gave it back): once is all
        return settled
    late = not by_business and service is not None and service.credit_forfeit == "late_and_no_show" \
        and inside_cancellation_window(service.cancellation_window_hours, session.start, now)
    if late:
        held.move("forfeited", now, credits=1, booking_id=booking.id, reason="late cancel")
        return "forfeited"
    return _give_back(held, now, booking, "the studio cancelled the session" if by_business else None)


def no_show_credit(uow: UnitOfWork, now: datetime, booking: Booking, service: Service | None, was_no_show: bool) -> None:
    """The attendance of a booking a pass covers changed. Marked a no-show: its credit is forfeited, or
    given back where the service never forfeits one (`credit_forfeit = never`); once. No longer a no-show
    (`was_no_show`): a credit given back for that no-show is spent again, since the client came after all
    (unless the pass has none left: then the class was free)."""
    held = uow.plans.get_pass(booking.pass_id or "")
    settled = _settled(held, booking)
    if was_no_show:
        if settled == "returned" and booking.attendance != "no_show" and held.balance != 0 \
                and held.status in ("active", "used_up"):
            held.move("used", now, booking_id=booking.id, reason="attended after all")
        return
    if settled is not None:
        return
    if service is not None and service.credit_forfeit == "never":
        _give_back(held, now, booking, "no-show; the service forfeits no credit")
    else:
        held.move("forfeited", now, credits=1, booking_id=booking.id, reason="no-show")


def refuse_money_fee(booking: Booking, what: str) -> None:
    """A booking a pass covers pays no fee in money: its credit is forfeited instead."""
    if booking.pass_id is not None:
        raise RuleError(f"booking {booking.id} is covered by pass {booking.pass_id}; a {what} forfeits its credit "
                        f"instead of a fee: leave out --charge-fee")
