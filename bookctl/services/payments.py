"""Money for bookings: collect, refund, and the ledger listing (seeds 001 and 002).

Every step is a ledger entry. A provider that declines or fails leaves a `failed` entry; the
service returns it with the error in an Outcome, so the command commits the record and then exits
with the error's code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from bookctl.domain.ids import id_order
from bookctl.domain.models import Booking, SavedCard, Session
from bookctl.domain.money import Money
from bookctl.domain.payments import (
    LedgerEntry,
    failure_text,
    looks_like_card_number,
    money_moved_in,
    refunded_against,
    summarize,
)
from bookctl.errors import BookctlError, ProviderError, RuleError, UsageError
from bookctl.providers.base import CardDeclined, ChargeRequest, Provider, RefundRequest
from bookctl.services.calendar import resolve_booking, zone_of
from bookctl.storage.base import UnitOfWork
from bookctl.timeutil import day_bounds, iso, parse_date

METHODS = {"card": "card", "invoice": "invoice", "in-person": "in_person", "in_person": "in_person"}
CAPABILITY = {"card": "card_charges", "invoice": "invoices", "in_person": "in_person"}
_DOING = {"card_charges": "take card payments", "invoices": "issue invoices", "in_person": "record payments in person",
          "refunds": "refund money", "partial_refunds": "refund part of a payment"}


@dataclass
class Outcome:
    """What a money-moving service did: the record to print, and an error to report after commit."""

    view: Any
    error: BookctlError | None = None


# --- providers ------------------------------------------------------------------------------

def provider_for(uow: UnitOfWork, name: str) -> Provider:
    """The provider `name`, configured from the store's `[providers.NAME]` settings."""
    from bookctl.providers.manager import get_provider

    return get_provider(name, uow.settings.providers.get(name, {}))


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


def method_of(text: str) -> str:
    """card | invoice | in_person from the command line's spelling."""
    method = METHODS.get(text.strip().lower())
    if method is None:
        raise UsageError(f"--method {text!r} is not one of card, invoice, in-person")
    return method


def provider_key(uow: UnitOfWork, booking: Booking, key: str | None, step: str) -> str:
    """The idempotency key sent to a provider: the user's key, else one unique to this ledger state;
    either way behind the store's own id, since a provider keeps keys per account, not per store."""
    settings = uow.settings
    if settings.store.id is None:
        import uuid

        settings.store.id = uuid.uuid4().hex
        uow.save_settings()
    scope = f"{key}:{step}" if key else f"{booking.id}:{len(booking.ledger_entries)}:{step}"
    return f"{settings.store.id}:{scope}"


# --- views ----------------------------------------------------------------------------------

def entry_view(entry: LedgerEntry, zone: tzinfo) -> dict[str, Any]:
    """A ledger entry as the contract's payment JSON."""
    data = entry.model_dump(mode="json")
    data["amount"] = entry.amount.to_json()
    data["created_at"] = iso(entry.created_at, zone)
    return data


# --- idempotency ----------------------------------------------------------------------------

def idempotent(uow: UnitOfWork, key: str | None, command: str, arguments: dict[str, Any],
               action: Callable[[], Outcome]) -> Outcome:
    """Run `action` once per key: a retry with the same arguments gets the first answer, and moves
    no money; the same key with other arguments is a usage error. Failures are not remembered, so
    a retry after one tries again."""
    if key is None:
        return action()
    if not key.strip():
        raise UsageError("--idempotency-key must not be empty")
    fingerprint = hashlib.sha256(json.dumps({"command": command, **arguments}, sort_keys=True).encode()).hexdigest()
    found = uow.idempotent_result(key)
    if found is not None:
        if found.arguments != fingerprint:
            raise UsageError(f"idempotency key {key!r} was already used with other arguments; use a new key")
        # Kept as JSON text: the store writes sorted keys, and a retry must print what the first run did.
        return Outcome(json.loads(found.result) if isinstance(found.result, str) else found.result)
    outcome = action()
    if outcome.error is None:
        uow.remember_result(key, fingerprint, json.dumps(outcome.view, ensure_ascii=False))
    return outcome


# --- collect --------------------------------------------------------------------------------

def collect(uow: UnitOfWork, now: datetime, ref: str, method_text: str, amount_text: str | None = None,
            provider_name: str | None = None, card: str | None = None, save_card: bool = False,
            key: str | None = None) -> Outcome:
    """Take a payment for a booking: by card, by invoice, or mark it paid in person."""
    from bookctl.services.invoices import invoice_booking

    zone = zone_of(uow)
    booking, session = resolve_booking(uow, ref)
    method = method_of(method_text)
    provider = provider_for(uow, provider_name or default_provider(method))
    require(provider, CAPABILITY[method])
    if (card is not None or save_card) and method != "card":
        raise UsageError("--card and --save-card go with --method card")
    if card is not None and looks_like_card_number(card):
        raise UsageError("--card takes the provider's token (e.g. tok_visa, pm_card_visa), never a card number; "
                         "nothing was charged")
    summary = summarize(booking)
    amount = _amount(amount_text, summary.due, booking)
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
        saved = uow.get_contact(booking.contact_id).saved_card
        if saved is None or saved.provider != provider.name:
            raise UsageError(f"give --card TOKEN (contact {booking.contact_id} has no card saved with {provider.name})")
        token = saved.method
    request = ChargeRequest(amount=amount, idempotency_key=provider_key(uow, booking, key, "charge"),
                            description=f"booking {booking.id}", token=token, save_card=save_card)
    base = {"kind": "charge", "method": method, "provider": provider.name, "amount": amount, "created_at": now,
            "deposit": deposit}
    try:
        result = provider.charge(request)
    except (CardDeclined, ProviderError) as exc:
        entry = uow.add_ledger_entry(booking, status="failed", failure=failure_text(exc), **base)
        return Outcome(entry_view(entry, zone), error=exc)
    entry = uow.add_ledger_entry(booking, status="succeeded", reference=result.reference,
                                 card_brand=result.card_brand, card_last4=result.card_last4, **base)
    if save_card and result.saved_method:
        contact = uow.get_contact(booking.contact_id)
        contact.saved_card = SavedCard(provider=provider.name, method=result.saved_method, brand=result.card_brand,
                                       last4=result.card_last4)
        uow.save_contact(contact)
    return Outcome(entry_view(entry, zone))


def _amount(text: str | None, due: Money, booking: Booking) -> Money:
    if text is None:
        if due.minor == 0:
            raise RuleError(f"booking {booking.id} has nothing due")
        return due
    amount = Money.parse(text, due.currency, what="--amount")
    if amount.minor == 0:
        raise UsageError("--amount must be more than 0")
    return amount


# --- refund ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RefundPortion:
    """Part of a refund: how much goes back of which charge, through which provider."""

    charge: LedgerEntry
    amount: Money
    provider: Provider


def plan_refund(uow: UnitOfWork, booking: Booking, amount: Money) -> list[RefundPortion]:
    """Which charges give `amount` back (newest first); refuse what no provider can refund."""
    entries = booking.ledger_entries
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
        raise RuleError(f"{left} of booking {booking.id} was paid through {names}, which cannot refund it "
                        f"(refunds or partial_refunds capability missing); give the money back yourself and record "
                        f"it with 'bookctl payment refund {booking.id} --amount {left.amount} --manual'")
    return plan


def execute_refund(uow: UnitOfWork, now: datetime, booking: Booking, plan: list[RefundPortion],
                   reason: str | None, key: str | None) -> tuple[list[LedgerEntry], BookctlError | None]:
    """Ask each provider for its portion; a failure is a `failed` entry and stops the rest."""
    done: list[LedgerEntry] = []
    for n, portion in enumerate(plan):
        base = {"kind": "refund", "method": portion.charge.method, "provider": portion.provider.name,
                "amount": portion.amount, "refund_of": portion.charge.id, "reason": reason, "created_at": now}
        request = RefundRequest(amount=portion.amount, charge_reference=portion.charge.reference or "",
                                idempotency_key=provider_key(uow, booking, key, f"refund-{n}"), reason=reason)
        try:
            result = portion.provider.refund(request)
        except ProviderError as exc:
            done.append(uow.add_ledger_entry(booking, status="failed", failure=failure_text(exc), **base))
            return done, exc
        done.append(uow.add_ledger_entry(booking, status="succeeded", reference=result.reference, **base))
    return done, None


def refund(uow: UnitOfWork, now: datetime, ref: str, amount_text: str | None = None, reason: str | None = None,
           manual: bool = False, key: str | None = None, notify: bool = False) -> Outcome:
    """Give money back: all that is refundable by default, part of it with --amount. `notify` queues
    the refund email once the money is back; each printed entry then carries its `email` record."""
    zone = zone_of(uow)
    booking, session = resolve_booking(uow, ref)
    summary = summarize(booking)
    refundable = summary.refundable
    if refundable.minor <= 0:
        raise RuleError(f"booking {booking.id} has {summary.paid} paid and nothing refundable")
    amount = refundable if amount_text is None else Money.parse(amount_text, refundable.currency, what="--amount")
    if amount.minor == 0:
        raise UsageError("--amount must be more than 0")
    if amount > refundable:
        raise RuleError(f"booking {booking.id} has {summary.paid} paid and {refundable} refundable; "
                        f"cannot refund {amount}")
    address = None
    if notify:
        from bookctl.services.mail import check_can_email

        address = check_can_email(uow, uow.get_contact(booking.contact_id))  # before any money moves
    if manual:
        entries = [uow.add_ledger_entry(booking, kind="refund", method="in_person", provider="manual",
                                        amount=amount, status="succeeded", reason=reason, created_at=now)]
        error = None
    else:
        entries, error = execute_refund(uow, now, booking, plan_refund(uow, booking, amount), reason, key)
    rows = [entry_view(e, zone) for e in entries]
    if notify and error is None:
        from bookctl.services.mail import queue_refund_email

        message_id = queue_refund_email(uow, now, booking, session, refunded=amount, fee_kept=None)
        for row in rows:
            row["email"] = {"message": message_id, "to": address, "status": "queued"}
    return Outcome(rows, error)


# --- the ledger listing ---------------------------------------------------------------------

def list_payments(uow: UnitOfWork, booking_ref: str | None = None, contact_id: str | None = None,
                  date_from: str | None = None, date_to: str | None = None) -> list[dict[str, Any]]:
    """Ledger entries by booking, contact and/or period (local days, inclusive), oldest first."""
    zone = zone_of(uow)
    first = parse_date(date_from, "--from") if date_from else None
    last = parse_date(date_to, "--to") if date_to else None
    if first and last and last < first:
        raise UsageError(f"--to {last} is before --from {first}")
    if contact_id is not None:
        uow.get_contact(contact_id)
    entries: list[LedgerEntry]
    if booking_ref is not None:
        entries = list(resolve_booking(uow, booking_ref)[0].ledger_entries)
    elif contact_id is not None:
        entries = [e for b in uow.get_contact(contact_id).booking_ids for e in uow.get_booking(b).ledger_entries]
        entries += [e for i in uow.iter_invoices() if i.contact_id == contact_id and i.booking_id is None
                    for e in uow.invoice_entries(i.id)]
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
    for entry_id, home in uow.ledger_entries_between(low, high):
        wanted.setdefault(home, set()).add(entry_id)
    return [e for home, ids in wanted.items()
            for e in (uow.invoice_entries(home) if home.startswith("INV-") else uow.get_booking(home).ledger_entries)
            if e.id in ids]


def view_booking(uow: UnitOfWork, booking: Booking, session: Session) -> dict[str, Any]:
    """The booking's JSON with its (new) figures."""
    from bookctl.services.views import booking_view

    return booking_view(booking, session, zone_of(uow))
