"""Money for bookings: collect, refund, and the ledger listing (seeds 001 and 002).

Every step is a ledger entry. What goes through a provider is decided here and carried out by
`services/money.py`: a `pending` intent first, then the provider's answer. A decline settles it
`failed`; the command commits that record and then exits with the error's code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from bookctl.domain.ids import id_order
from bookctl.domain.invoices import Invoice
from bookctl.domain.models import WAITING_STATUSES, Booking, Session
from bookctl.domain.money import Money
from bookctl.domain.payments import (
    LedgerEntry,
    money_moved_in,
    refunded_against,
    summarize,
)
from bookctl.errors import RuleError, UsageError
from bookctl.providers.base import Provider
from bookctl.services.lookups import provider_for, resolve_booking, zone_of
from bookctl.services.money import (
    INTENTS,
    Answers,
    Outcome,
    Plan,
    add_intent,
    charge_intent,
    carry_out,
    describe,
    ledger_of,
    recorded_intents,
    resumable,
    sum_of,
)
from bookctl.services.views import entry_view
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import day_bounds

CAPABILITY = {"card": "card_charges", "invoice": "invoices", "in_person": "in_person"}
_DOING = {"card_charges": "take card payments", "invoices": "issue invoices", "in_person": "record payments in person",
          "refunds": "refund money", "partial_refunds": "refund part of a payment"}


# --- providers ------------------------------------------------------------------------------

def default_provider(method: str) -> str:
    """card: the first provider that takes cards (sandbox in a fresh store); invoice; manual."""
    if method == "invoice":
        return "invoice"
    if method == "in_person":
        return "manual"
    from bookctl.providers.manager import providers

    for name, registered in providers().items():
        if registered.provider.capabilities.card_charges:
            return name
    raise RuleError("no installed payment provider takes cards; install one or pay in person")


def require(provider: Provider, capability: str) -> None:
    """Refuse (exit 1) what the provider cannot do, naming it and the missing capability."""
    if not getattr(provider.capabilities, capability):
        raise RuleError(f"payment provider {provider.name} cannot {_DOING[capability]} "
                        f"(it does not have the {capability} capability)")


# --- views ----------------------------------------------------------------------------------

# --- idempotency ----------------------------------------------------------------------------

def _fingerprint(command: str, arguments: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps({"command": command, **arguments}, sort_keys=True).encode()).hexdigest()


def idempotent(uow: UnitOfWork, now: datetime, key: str | None, command: str, arguments: dict[str, Any],
               action: Callable[[], Plan | Outcome], as_typed: dict[str, Any] | None = None) -> Outcome:
    """Run a money-moving command once per key and carry out what it decided (`money.carry_out`):
    a retry with the same arguments gets the first answer and moves no money; the same key with
    other arguments is a usage error. Failures are not remembered, so a retry after one tries again
    (and a retry after an unknown outcome resumes its pending intent, key or no key). `as_typed`
    holds the arguments as typed: a key first used before fingerprints held parsed values matches it.
    The key comes checked (a line of at most 255 characters) by the command."""
    if key is None:
        return carry_out(uow, now, action())
    fingerprint = _fingerprint(command, arguments)
    found = uow.replies.get(key)

    def remember(view: Any) -> None:  # noqa: ANN401
        uow.replies.add(key, fingerprint, json.dumps(view, ensure_ascii=False))

    if found is not None:
        if found.arguments not in (fingerprint, _fingerprint(command, as_typed or arguments)):
            raise UsageError(f"idempotency key {key!r} was already used with other arguments; use a new key")
        # Kept as JSON text: the store writes sorted keys, and a retry must print what the first run did.
        first = json.loads(found.result) if isinstance(found.result, str) else found.result
        if not (isinstance(first, dict) and INTENTS in first):
            return Outcome(first)
        entries = recorded_intents(uow, first)  # the first run's payments, begun but not reported
        if entries and all(e.status == "succeeded" for e in entries):  # done: only its report was lost
            zone = zone_of(uow)
            views = [entry_view(e, zone) for e in entries]
            return Outcome(views[0] if len(views) == 1 and command != "payment refund" else views)
    return carry_out(uow, now, action(), remember)


# --- collect --------------------------------------------------------------------------------

def collect(uow: UnitOfWork, now: datetime, ref: str, method: str, asked: Money | None = None,
            provider_name: str | None = None, card: str | None = None, save_card: bool = False) -> Plan | Outcome:
    """Take a payment for a booking: by card, by invoice, or mark it paid in person.

    `method` is card, invoice or in_person; `asked` the amount (more than 0, in the booking's
    currency; None: what is due); `card` the provider's token, given only with the card method."""
    from bookctl.services.invoices import invoice_booking

    zone = zone_of(uow)
    booking, session = resolve_booking(uow, ref)
    if booking.status in WAITING_STATUSES:
        raise RuleError(f"booking {booking.id} is on the waitlist ({booking.status}); nothing is due until it is confirmed")
    summary = summarize(booking)
    again = resumable(booking.ledger_entries, ("charge",), asked)
    if again:
        _same_charge(again[0], method, provider_name, card)
        return Plan(again, lambda answers: _collected(again[0], answers, zone), replay=True)
    provider = provider_for(uow, provider_name or default_provider(method))
    require(provider, CAPABILITY[method])
    amount = asked if asked is not None else _all_due(summary.due, booking)
    if amount > summary.due:
        raise RuleError(f"booking {booking.id} has {summary.due} due; cannot collect {amount}")
    if method == "invoice":
        invoice = invoice_booking(uow, now, booking, session, amount)
        entry = next(e for e in booking.ledger_entries if e.invoice_id == invoice.id)
        return Outcome(entry_view(entry, zone))
    service = uow.settings.services.get(session.service_id)
    deposit = bool(service and service.deposit and amount == service.deposit and summary.charged.minor == 0
                   and amount < summary.due)
    token = card
    if method == "card" and token is None:
        saved = uow.contacts.get(booking.contact_id).saved_card
        if saved is None or saved.provider != provider.name:
            raise UsageError(f"give --card TOKEN (contact {booking.contact_id} has no card saved with {provider.name})")
        token = saved.method
    intent = charge_intent(uow, now, booking, provider.name, amount, description=f"booking {booking.id}",
                           method=method, request={"token": token, "save_card": save_card}, deposit=deposit)
    return Plan([intent], lambda answers: _collected(intent, answers, zone))


def _same_charge(pending: LedgerEntry, method: str, provider_name: str | None, card: str | None) -> None:
    """A retry resumes the pending charge only if it asks for the same one (the card on file counts)."""
    token = (pending.request or {}).get("token")
    if method != pending.method or provider_name not in (None, pending.provider) or card not in (None, token):
        raise RuleError(f"{describe(pending)} of {pending.booking_id} is pending with another method, provider or "
                        f"card; retry it as it was, or run 'bookctl payment reconcile {pending.booking_id}'")


def _collected(entry: LedgerEntry, answers: Answers, zone: tzinfo) -> Outcome:
    """After the charge's answer (a saved card is kept with it, by `money.send`): show the entry."""
    return Outcome(entry_view(entry, zone), answers.error)


def _all_due(due: Money, booking: Booking) -> Money:
    if due.minor == 0:
        raise RuleError(f"booking {booking.id} has nothing due")
    return due


# --- refund ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RefundPortion:
    """Part of a refund: how much goes back of which charge, through which provider."""

    charge: LedgerEntry
    amount: Money
    provider: Provider


def plan_refund(uow: UnitOfWork, home: str, entries: list[LedgerEntry], amount: Money) -> list[RefundPortion]:
    """Which charges among `entries` (the ledger of `home`: a booking, or a pass's ps-N sale) give `amount`
    back, newest first; refuse what no provider can refund."""
    left = amount
    plan: list[RefundPortion] = []
    blocked: list[str] = []
    for charge in reversed([e for e in entries if money_moved_in(e)]):
        remaining = charge.amount - refunded_against(entries, charge)
        if left.minor == 0 or remaining.minor <= 0:
            continue
        provider = provider_for(uow, charge.provider or "manual")
        portion = remaining if remaining < left else left
        if not provider.capabilities.refunds or (portion < remaining and not provider.capabilities.partial_refunds):
            blocked.append(provider.name)
            continue
        plan.append(RefundPortion(charge, portion, provider))
        left = left - portion
    if left.minor > 0:
        names = ", ".join(sorted(set(blocked))) or "no provider"
        what = f"pass {home}" if home.startswith("ps-") else f"booking {home}"
        raise RuleError(f"{left} of {what} was paid through {names}, which cannot refund it "
                        f"(refunds or partial_refunds capability missing); give the money back yourself and record "
                        f"it with 'bookctl payment refund {home} --amount {left.amount} --manual'")
    return plan


def refund_intents(uow: UnitOfWork, now: datetime, owner: Booking | Invoice, plan: list[RefundPortion],
                   reason: str | None) -> list[LedgerEntry]:
    """One pending intent per portion on `owner` (a booking, or an invoice of none: a pass's sale), all
    recorded before the first is sent."""
    return [add_intent(uow, owner, {"call": "refund", "charge_reference": p.charge.reference or "", "reason": reason},
                       kind="refund", method=p.charge.method, provider=p.provider.name, amount=p.amount,
                       refund_of=p.charge.id, reason=reason, created_at=now)
            for p in plan]


def refund(uow: UnitOfWork, now: datetime, ref: str, asked: Money | None = None, reason: str | None = None,
           manual: bool = False, notify: bool = False) -> Plan | Outcome:
    """Give money back: all that is refundable by default, part of it (`asked`, more than 0, in the
    booking's currency) with --amount. `reason` is a checked line of text. `notify` queues
    the refund email once the money is back; each printed entry then carries its `email` record.
    The email is built before any money moves, so a message that cannot be made refuses the refund."""
    zone = zone_of(uow)
    booking, session = resolve_booking(uow, ref)
    again = resumable(booking.ledger_entries, ("refund",), asked)
    if again and not manual:
        email = refund_email_for(uow, now, booking, session, sum_of(again, booking.price.currency)) if notify else None
        return Plan(again, lambda answers: _refunded(uow, now, again, answers, email, zone), replay=True)
    summary = summarize(booking)
    refundable = summary.refundable
    if refundable.minor <= 0:
        raise RuleError(f"booking {booking.id} has {summary.paid} paid and nothing refundable")
    amount = refundable if asked is None else asked
    if amount > refundable:
        raise RuleError(f"booking {booking.id} has {summary.paid} paid and {refundable} refundable; "
                        f"cannot refund {amount}")
    email = refund_email_for(uow, now, booking, session, amount) if notify else None  # before any money moves
    if manual:
        entries = [uow.ledger.add(booking, kind="refund", method="in_person", provider="manual",
                                        amount=amount, status="succeeded", reason=reason, created_at=now)]
        return _refunded(uow, now, entries, Answers(), email, zone)
    intents = refund_intents(uow, now, booking, plan_refund(uow, booking.id, booking.ledger_entries, amount), reason)
    return Plan(intents, lambda answers: _refunded(uow, now, intents, answers, email, zone))


def refund_email_for(uow: UnitOfWork, now: datetime, booking: Booking, session: Session, refunded: Money,
                     fee_kept: Money | None = None) -> tuple[str, bytes]:
    """(address, message) of the refund email, built before any money moves so that nothing about
    it (no address, a header that cannot be written, a template) can fail after the money."""
    from bookctl.services.mail import check_can_email, refund_email

    address = check_can_email(uow, uow.contacts.get(booking.contact_id))
    return address, refund_email(uow, now, booking, session, refunded=refunded, fee_kept=fee_kept)


def _refunded(uow: UnitOfWork, now: datetime, entries: list[LedgerEntry], answers: Answers,
              email: tuple[str, bytes] | None, zone: tzinfo) -> Outcome:
    """After the refund's answers: queue the refund email if all of it went back, show the entries."""
    rows = [entry_view(e, zone) for e in entries]
    if email is not None and answers.error is None:
        message_id = uow.outbox.add(now, email[1])
        for row in rows:
            row["email"] = {"message": message_id, "to": email[0], "status": "queued"}
    return Outcome(rows, answers.error)


# --- the ledger listing ---------------------------------------------------------------------

def list_payments(uow: UnitOfWork, booking_ref: str | None = None, contact_id: str | None = None,
                  first: date | None = None, last: date | None = None) -> list[dict[str, Any]]:
    """Ledger entries by booking, contact and/or period (local days `first` to `last`, inclusive,
    either left open), oldest first."""
    zone = zone_of(uow)
    if contact_id is not None:
        uow.contacts.get(contact_id)
    entries: list[LedgerEntry]
    if booking_ref is not None:
        entries = list(resolve_booking(uow, booking_ref)[0].ledger_entries)
    elif contact_id is not None:
        entries = [e for b in uow.contacts.get(contact_id).booking_ids for e in uow.calendar.get_booking(b).ledger_entries]
        entries += [e for i in uow.documents.invoices_of(contact_id) if i.booking_id is None
                    for e in uow.ledger.of_invoice(i.id)]
    else:
        entries = _entries_by_index(uow, first, last)
    start = day_bounds(first, zone)[0] if first else None
    end = day_bounds(last, zone)[1] if last else None
    rows = [e for e in entries if (contact_id is None or e.contact_id == contact_id)
            and (start is None or e.created_at >= start) and (end is None or e.created_at < end)]
    rows.sort(key=lambda e: (e.created_at, id_order(e.id)))
    return [entry_view(e, zone) for e in rows]


def _entries_by_index(uow: UnitOfWork, first: date | None, last: date | None) -> list[LedgerEntry]:
    # A local day can straddle two UTC months; widen by a day either side.
    low = first - timedelta(days=1) if first else None
    high = last + timedelta(days=1) if last else None
    wanted: dict[str, set[str]] = {}
    for entry_id, home in uow.ledger.created_between(low, high):
        wanted.setdefault(home, set()).add(entry_id)
    return [e for home, ids in wanted.items()
            for e in ledger_of(uow, home)
            if e.id in ids]


def view_booking(uow: UnitOfWork, booking: Booking, session: Session) -> dict[str, Any]:
    """The booking's JSON with its (new) figures."""
    from bookctl.services.views import booking_view

    return booking_view(booking, session, zone_of(uow))
