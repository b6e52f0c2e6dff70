"""Packs and memberships (bookctl #23): the plans a studio sells, and the passes a contact holds.

A plan's terms are checked here, where they are made and changed; a pass copies them at sale
(domain.plans.pass_fields), so `edit_plan` and `archive_plan` never touch a pass already sold.

Selling a pass (`sell`) issues an invoice for it, with no booking (INV-N, `Invoice.pass_id`), and
its money goes through that invoice's ledger exactly as a booking's does (services/money.py): paid by
card or in person, it is a pending intent first, settled by the provider's answer; by invoice, it
waits for `invoice pay`. A pass paid by card or in person is `past_due` until the answer comes
(domain.plans.invoice_settled, from `money._settle`): `active` once the money is in, `cancelled` if the card
is declined.

A credit is spent by a booking (`spend_credit`), comes back when the booking is cancelled before the
service's cancellation window opens, and is forfeited by a late cancel or a no-show
(`release_credit`, `forfeit_no_show`); each is a move on the pass's append-only list.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from bookctl.domain import values
from bookctl.domain.plans import Pass, Plan
from bookctl.errors import NotFoundError, RuleError, UsageError
from bookctl.services import money
from bookctl.services.lookups import find_contact, find_plan, find_service, fold, zone_of
from bookctl.timeutil import iso

if TYPE_CHECKING:
    from datetime import date

    from bookctl.domain.invoices import Invoice
    from bookctl.domain.models import Booking, Service, Session
    from bookctl.domain.money import Money
    from bookctl.domain.payments import LedgerEntry
    from bookctl.storage.unit import UnitOfWork

# Edit: leave a value as it is (None means "no limit" / "unlimited" for the optional terms).
KEEP: Any = object()


def plan_view(plan: Plan, zone: tzinfo) -> dict[str, Any]:
    """A plan's JSON keys: its terms, `archived`, `created_at`."""
    return {"id": plan.id, "name": plan.name, "kind": plan.kind, "price": plan.price.to_json(),
            "sessions": plan.sessions, "unlimited": plan.sessions is None, "valid_days": plan.valid_days,
            "period": plan.period, "service_ids": list(plan.service_ids), "archived": plan.archived,
            "created_at": iso(plan.created_at, zone)}


def pass_view(sold: Pass, zone: tzinfo) -> dict[str, Any]:
    """A pass's JSON keys (the contract's `id, plan_id, contact_id, kind, balance, sessions, expires_at,
    status`), with the terms it was sold with."""
    return {"id": sold.id, "plan_id": sold.plan_id, "plan_name": sold.plan_name, "contact_id": sold.contact_id,
            "kind": sold.kind, "balance": sold.balance, "sessions": sold.sessions, "period": sold.period,
            "valid_days": sold.valid_days, "service_ids": list(sold.service_ids), "price": sold.price.to_json(),
            "starts_at": iso(sold.starts_at, zone),
            "expires_at": None if sold.expires_at is None else iso(sold.expires_at, zone),
            "status": sold.status, "created_at": iso(sold.created_at, zone), "invoice_id": sold.invoice_id,
            "periods": sold.periods, "renewing": sold.renewing,
            "moves": [{"kind": m.kind, "credits": m.credits, "at": iso(m.at, zone), "booking_id": m.booking_id,
                       "reason": m.reason} for m in sold.moves]}


def check_plan_name(uow: UnitOfWork, name: str, ignore: str | None = None) -> str:
    """A plan's name, checked (values.name) and free: `plan sell PLAN` takes a name where an id goes, so
    no two plans (archived ones included) share one, compared accent- and case-insensitively."""
    name = values.name(name, "the plan name")
    for plan in uow.plans.plans():
        if plan.id != ignore and fold(plan.name) == fold(name):
            raise RuleError(f"plan {plan.id} is already named {plan.name!r}; choose another name")
    return name


def plan_service_ids(uow: UnitOfWork, refs: Iterable[str]) -> list[str]:
    """The ids of the services `refs` name (ids or names), in order, each once: an unknown one is exit 3,
    a removed one cannot be sold in a plan."""
    found: list[str] = []
    for ref in refs:
        service = find_service(uow.settings, ref)
        if service.archived:
            raise RuleError(f"service {service.id} was removed; 'bookctl service edit {service.id} --restore' "
                            "brings it back")
        if service.id not in found:
            found.append(service.id)
    return found


def _check_price(uow: UnitOfWork, price: Money) -> None:
    currency = uow.settings.business.currency
    if price.currency != currency:
        raise UsageError(f"the price {price} is not in the store's currency, {currency}")


def _check_kind_terms(kind: str, sessions: int | None, valid_days: int | None, period: str | None) -> None:
    """What a pack or a membership may and must have, said in the options' words."""
    if kind == "pack":
        if sessions is None:
            raise UsageError("a pack holds a number of sessions: give --sessions N (--unlimited is for a membership)")
        if period is not None:
            raise UsageError("--period is for a membership; a pack runs for --valid-days D")
    elif kind == "membership":
        if period is None:
            raise UsageError("a membership is paid by the period: give --period month, week or year")
        if valid_days is not None:
            raise UsageError("--valid-days is for a pack; a membership runs by its --period")
    else:
        raise UsageError(f"--kind {kind!r} is not one of pack, membership")


def add_plan(uow: UnitOfWork, now: datetime, name: str, kind: str, price: Money, sessions: int | None = None,
             valid_days: int | None = None, period: str | None = None, service_refs: Iterable[str] = ()) -> Plan:
    """Add a pack (`sessions` sessions, used within `valid_days` days, None: no limit) or a membership (paid
    each `period`, `sessions` a period, None: unlimited) at `price` in the store's currency, for the
    services `service_refs` name (none: every service)."""
    _check_kind_terms(kind, sessions, valid_days, period)
    _check_price(uow, price)
    name = check_plan_name(uow, name)
    service_ids = plan_service_ids(uow, service_refs)
    return uow.plans.add_plan(name=name, kind=kind, price=price, sessions=sessions, valid_days=valid_days,
                              period=period, service_ids=service_ids, created_at=now)


def edit_plan(uow: UnitOfWork, ref: str, *, name: str | None = None, price: Money | None = None,
              sessions: int | None = KEEP, valid_days: int | None = KEEP, period: str | None = None,
              service_refs: Iterable[str] | None = None) -> Plan:
    """Change a plan's terms for the passes sold from now on; KEEP (or None for name, price, period and
    services) leaves a term as it is, `sessions=None` makes a membership unlimited, `valid_days=None` takes a
    pack's limit away, empty `service_refs` opens it to every service. Passes already sold keep their terms."""
    plan = find_plan(uow, ref)
    new_sessions = plan.sessions if sessions is KEEP else sessions
    new_valid_days = plan.valid_days if valid_days is KEEP else valid_days
    if plan.kind == "membership" and valid_days is not KEEP:
        raise UsageError("--valid-days is for a pack; a membership runs by its --period")
    _check_kind_terms(plan.kind, new_sessions, new_valid_days, plan.period if period is None else period)
    if price is not None:
        _check_price(uow, price)
    new_name = None if name is None else check_plan_name(uow, name, ignore=plan.id)
    service_ids = None if service_refs is None else plan_service_ids(uow, service_refs)
    if new_name is not None:
        plan.name = new_name
    if price is not None:
        plan.price = price
    plan.sessions, plan.valid_days = new_sessions, new_valid_days
    if period is not None:
        plan.period = period  # type: ignore[assignment] - checked by _check_kind_terms and the command
    if service_ids is not None:
        plan.service_ids = service_ids
    return plan


def archive_plan(uow: UnitOfWork, ref: str) -> Plan:
    """Stop selling a plan; the passes sold of it keep working."""
    plan = find_plan(uow, ref)
    plan.archived = True
    return plan


def list_plans(uow: UnitOfWork, include_archived: bool = False) -> list[dict[str, Any]]:
    """The plans on sale (every plan with `include_archived`), in number order, as views."""
    zone = zone_of(uow)
    return [plan_view(p, zone) for p in uow.plans.plans() if include_archived or not p.archived]


def contact_passes(uow: UnitOfWork, ref: str) -> list[dict[str, Any]]:
    """The passes of the contact `ref` names (an id, an email or a name), oldest first, as views."""
    zone = zone_of(uow)
    return [pass_view(p, zone) for p in uow.plans.passes_of(find_contact(uow, ref))]


# --- selling ------------------------------------------------------------------------------

SELL_METHODS = ("card", "invoice", "in_person")


def sell(uow: UnitOfWork, now: datetime, plan_ref: str, contact_ref: str, method: str, card: str | None = None,
         start: date | None = None, provider_name: str | None = None) -> money.Plan | money.Outcome:
    """Sell a plan to a contact: a pass with the plan's terms, and the invoice it is sold on, paid by card
    (`card`, the provider's token; the contact's saved card if None), in person, or left open (`invoice`).
    `start`: the local day the pass starts (default: now). A membership sold by card keeps the card, for
    `plan renew`. A retry after an unknown outcome resumes the pending sale of that plan to that contact."""
    from bookctl.domain.plans import local_midnight, pass_fields
    from bookctl.services.payments import CAPABILITY, default_provider, require

    if method not in SELL_METHODS:
        raise ValueError(f"sell: method {method!r}")  # the command checks it
    zone = zone_of(uow)
    plan = find_plan(uow, plan_ref)
    contact = uow.contacts.get(find_contact(uow, contact_ref))
    again = _pending_sale(uow, plan, contact.id)
    if again is not None:
        sold, intents = again
        if intents[0].method != method or card not in (None, (intents[0].request or {}).get("token")):
            raise RuleError(f"the sale of pass {sold.id} to {contact.id} is pending with another method or card; "
                            f"retry it as it was, or run 'bookctl payment reconcile {sold.invoice_id}'")
        invoice = uow.documents.get_invoice(sold.invoice_id or "")
        return money.Plan(intents, lambda answers: _sold(uow, sold, invoice, intents, answers, zone), replay=True)
    if plan.archived:
        raise RuleError(f"plan {plan.id} ({plan.name}) is archived and no longer sold")
    if contact.erased_at is not None:
        raise RuleError(f"contact {contact.id} was erased; nothing can be sold to it")
    provider = None
    if plan.price.minor > 0 and method != "invoice":
        from bookctl.services.lookups import provider_for

        provider = provider_for(uow, provider_name or default_provider(method))
        require(provider, CAPABILITY[method])
    token = card
    if method == "card" and token is None:
        assert provider is not None
        saved = contact.saved_card
        if saved is None or saved.provider != provider.name:
            raise UsageError(f"give --card TOKEN (contact {contact.id} has no card saved with {provider.name})")
        token = saved.method
    starts_at = now if start is None else local_midnight(start, zone)
    sold = uow.plans.add_pass(**pass_fields(plan, contact.id, starts_at, zone, now))
    if plan.price.minor == 0:
        return money.Outcome(sale_view(uow, sold, None, []))
    from bookctl.domain.invoices import LineItem

    text = f"{plan.name} ({sold.id})"
    invoice = uow.documents.add_invoice(contact_id=contact.id, items=[LineItem(text=text, amount=plan.price)],
                                        total=plan.price, pass_id=sold.id, created_at=now)
    sold.invoice_id = invoice.id
    if method == "invoice":
        return money.Outcome(sale_view(uow, sold, invoice, []))
    assert provider is not None
    sold.status = "past_due"  # until the money is in (domain.plans.invoice_settled)
    request = {"label": "card" if method == "card" else "in person"}
    if method == "card":
        request.update(token=token, save_card=plan.kind == "membership")
    intent = money.charge_intent(uow, now, invoice, provider.name, plan.price, description=f"pass {sold.id} ({plan.name})",
                                 method=method, request=request)
    return money.Plan([intent], lambda answers: _sold(uow, sold, invoice, [intent], answers, zone))


def _pending_sale(uow: UnitOfWork, plan: Plan, contact_id: str) -> tuple[Pass, list[LedgerEntry]] | None:
    """The contact's pass of `plan` whose sale still waits on a provider's answer, with its pending intents."""
    from bookctl.domain.payments import pending_intents

    for sold in reversed(uow.plans.passes_of(contact_id)):
        if sold.plan_id == plan.id and sold.status == "past_due" and sold.invoice_id is not None:
            intents = pending_intents(uow.ledger.of_invoice(sold.invoice_id))
            if intents:
                return sold, intents
    return None


def _sold(uow: UnitOfWork, sold: Pass, invoice: Invoice, intents: list[LedgerEntry], answers: money.Answers,
          zone: tzinfo) -> money.Outcome:
    """After the sale's answer (the pass was settled with it, by `money._settle`): the pass and its payment."""
    from bookctl.errors import ProviderError

    error = answers.error
    if error is not None and not answers.unknown:
        kind = ProviderError if isinstance(error, ProviderError) else RuleError
        error = kind(f"pass {sold.id} is cancelled: its payment failed ({error})")
    return money.Outcome(sale_view(uow, sold, invoice, intents), error)


def sale_view(uow: UnitOfWork, sold: Pass, invoice: Invoice | None, entries: list[LedgerEntry]) -> dict[str, Any]:
    """A pass just sold: its view, with its invoice's status and the payment that paid it (if one did)."""
    from bookctl.services.views import entry_view

    zone = zone_of(uow)
    view = pass_view(sold, zone)
    view["invoice_status"] = None if invoice is None else invoice.status
    view["payment"] = entry_view(entries[-1], zone) if entries else None
    return view


# --- credits --------------------------------------------------------------------------------

def choose_pass(uow: UnitOfWork, contact_id: str, service: Service, session: Session,
                pass_ref: str | None) -> Pass:
    """The pass that pays for a booking of `service` in `session`: `pass_ref`, checked, or (None) the
    contact's usable pass for it that expires first (one without an end last, then the oldest)."""
    if pass_ref is not None:
        try:
            chosen = uow.plans.get_pass(pass_ref.strip())
        except NotFoundError:
            raise NotFoundError(f"no pass {pass_ref.strip()!r}; see 'bookctl contact passes {contact_id}'") from None
        _check_usable(chosen, contact_id, service, session)
        return chosen
    usable = [p for p in uow.plans.passes_of(contact_id) if p.covers(service.id) and p.usable_at(session.start)]
    if not usable:
        raise RuleError(f"contact {contact_id} has no pass that covers {service.name} on "
                        f"{session.start.astimezone(zone_of(uow)):%Y-%m-%d}; see 'bookctl contact passes {contact_id}'")
    far = datetime.max.replace(tzinfo=session.start.tzinfo)
    return min(usable, key=lambda p: (p.expires_at or far, int(p.id.removeprefix("ps-"))))


def _check_usable(chosen: Pass, contact_id: str, service: Service, session: Session) -> None:
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


def spend_credit(uow: UnitOfWork, now: datetime, booking: Booking, session: Session, service: Service,
                 pass_ref: str | None) -> Pass:
    """Pay for a new booking with one credit of a pass (`pass_ref`, or the one `choose_pass` picks)."""
    chosen = choose_pass(uow, booking.contact_id, service, session, pass_ref)
    chosen.move("used", now, booking_id=booking.id)
    booking.pass_id = chosen.id
    return chosen


def release_credit(uow: UnitOfWork, now: datetime, booking: Booking, session: Session, service: Service | None) -> str:
    """A booking a pass covers is cancelled: its credit comes back before the service's cancellation
    window opens (`returned`), and is forfeited inside it (`forfeited`, reason `late cancel`). Which."""
    from bookctl.domain.attendance import inside_cancellation_window

    held = uow.plans.get_pass(booking.pass_id or "")
    settled = next((m.kind for m in held.moves if m.booking_id == booking.id and m.kind in ("forfeited", "returned")),
                   None)
    if settled is not None:  # a no-show already forfeited it (or gave it back): once is all
        return settled
    late = service is not None and service.credit_forfeit == "late_and_no_show" \
        and inside_cancellation_window(service.cancellation_window_hours, session.start, now)
    if late or held.status in ("expired", "cancelled"):
        reason = "late cancel" if late else f"cancelled after the pass was {held.status}"
        held.move("forfeited", now, credits=1, booking_id=booking.id, reason=reason)
        return "forfeited"
    held.move("returned", now, booking_id=booking.id)
    return "returned"


def forfeit_no_show(uow: UnitOfWork, now: datetime, booking: Booking, service: Service | None) -> None:
    """A booking a pass covers was a no-show: its credit is forfeited, or given back where the service
    never forfeits one (`credit_forfeit`); either once."""
    held = uow.plans.get_pass(booking.pass_id or "")
    if any(m.booking_id == booking.id and m.kind in ("forfeited", "returned") for m in held.moves):
        return
    if service is not None and service.credit_forfeit == "never" and held.status in ("active", "used_up"):
        held.move("returned", now, booking_id=booking.id, reason="no-show; the service forfeits no credit")
    else:
        held.move("forfeited", now, credits=1, booking_id=booking.id, reason="no-show")


def refuse_money_fee(booking: Booking, what: str) -> None:
    """A booking a pass covers pays no fee in money: its credit is forfeited instead."""
    if booking.pass_id is not None:
        raise RuleError(f"booking {booking.id} is covered by pass {booking.pass_id}; a {what} forfeits its credit "
                        f"instead of a fee: leave out --charge-fee")


def expire_passes(uow: UnitOfWork, now: datetime) -> list[dict[str, Any]]:
    """`plan expire` (cron, idempotent): every active or used-up pack whose end has passed becomes
    `expired`, its unused credits recorded as an `expired` move. The passes it changed, as views. A
    membership does not expire: `plan renew` charges its next period, or leaves it `past_due`."""
    zone = zone_of(uow)
    changed = []
    for sold in uow.plans.passes():
        if sold.kind == "pack" and sold.status in ("active", "used_up") and sold.expires_at is not None \
                and sold.expires_at <= now:
            if sold.balance:
                sold.move("expired", now, credits=sold.balance, reason=f"expired at {iso(sold.expires_at, zone)}")
            sold.status = "expired"
            changed.append(pass_view(sold, zone))
    return changed


# --- renewing -------------------------------------------------------------------------------

def renew_memberships(uow: UnitOfWork, now: datetime) -> money.Outcome:
    """`plan renew` (cron, idempotent): charge the next period of each membership whose period has ended.

    Each renewal is an invoice of its own for the pass (`Pass.renewing`), and the pass is `past_due` until
    it is paid. With a card on file it is charged at once, one membership at a time, each through
    `money.carry_out` (a pending intent, then the answer, each committed), so one client's decline never
    stops the next. Paid, the period is renewed (domain.plans.renew_period); declined, or with no card on
    file, the pass stays `past_due` and its invoice open, and the next run charges it again (or the
    studio records the payment with `invoice pay`). A run after a lost answer resumes that charge with its
    key. The rows say what became of each; an outcome still unknown is exit 5 after them."""
    from bookctl.domain.invoices import LineItem
    from bookctl.domain.payments import pending_intents
    from bookctl.domain.plans import renewal_due

    zone = zone_of(uow)
    rows: list[dict[str, Any]] = []
    unknown: list[Exception] = []
    for sold in [p for p in uow.plans.passes() if renewal_due(p, now)]:
        contact = uow.contacts.get(sold.contact_id)
        if sold.renewing is None:
            assert sold.period is not None and sold.expires_at is not None
            text = f"{sold.plan_name} ({sold.id}), period {sold.periods + 1} from {sold.expires_at.astimezone(zone):%Y-%m-%d}"
            invoice = uow.documents.add_invoice(contact_id=contact.id, items=[LineItem(text=text, amount=sold.price)],
                                                total=sold.price, pass_id=sold.id, created_at=now)
            sold.renewing, sold.status = invoice.id, "past_due"
        invoice = uow.documents.get_invoice(sold.renewing)
        again = pending_intents(uow.ledger.of_invoice(invoice.id))
        saved = contact.saved_card
        if again:
            decided = money.Plan(again, lambda answers: money.Outcome(None, answers.error), replay=True)
        elif saved is not None and contact.erased_at is None:
            intent = money.charge_intent(uow, now, invoice, saved.provider, sold.price, method="card",
                                         description=f"renewal of pass {sold.id} ({sold.plan_name})",
                                         request={"token": saved.method, "label": "card"})
            decided = money.Plan([intent], lambda answers: money.Outcome(None, answers.error))
        else:
            row = _renewal_row(sold, invoice, "invoiced", "no card on file: the invoice waits for 'invoice pay'", zone)
            rows.append(row | _tell_renewal_failed(uow, now, sold, invoice))
            uow.commit()
            continue
        outcome = money.carry_out(uow, now, decided)
        error = outcome.error
        if error is None:
            rows.append(_renewal_row(sold, invoice, "renewed", None, zone))
        elif sold.status == "past_due" and any(e.status == "pending" for e in uow.ledger.of_invoice(invoice.id)):
            unknown.append(error)
            rows.append(_renewal_row(sold, invoice, "pending", str(error), zone))
        else:
            rows.append(_renewal_row(sold, invoice, "declined", str(error), zone) | _tell_renewal_failed(uow, now, sold, invoice))
            uow.commit()
    uow.commit()
    if unknown:
        from bookctl.errors import ProviderError

        return money.Outcome(rows, ProviderError(f"{len(unknown)} renewal(s) still pending: {unknown[0]}"))
    return money.Outcome(rows)


def _tell_renewal_failed(uow: UnitOfWork, now: datetime, sold: Pass, invoice: Invoice) -> dict[str, Any]:
    """Queue the "could not be renewed" email, once per renewal invoice: the row's `email` record, or
    `email_problem` when the contact cannot be emailed (no address): the renewal stands either way."""
    from bookctl.errors import BookctlError
    from bookctl.services.mail import check_can_email, queue_renewal_failed_email

    if sold.renewal_notice == invoice.id:
        return {}
    try:
        address = check_can_email(uow, uow.contacts.get(sold.contact_id))
        message_id = queue_renewal_failed_email(uow, now, sold, invoice)
    except BookctlError as exc:
        return {"email_problem": str(exc)}
    sold.renewal_notice = invoice.id
    return {"email": {"message": message_id, "to": address, "status": "queued"}}


def _renewal_row(sold: Pass, invoice: Invoice, result: str, detail: str | None, zone: tzinfo) -> dict[str, Any]:
    return {"id": sold.id, "contact_id": sold.contact_id, "plan_name": sold.plan_name, "invoice_id": invoice.id,
            "result": result, "status": sold.status,
            "expires_at": None if sold.expires_at is None else iso(sold.expires_at, zone), "detail": detail}


# --- refunding ------------------------------------------------------------------------------

def refund_pass(uow: UnitOfWork, now: datetime, ref: str, asked: Money | None = None, reason: str | None = None,
                manual: bool = False) -> money.Plan | money.Outcome:
    """`payment refund ps-N`: give back the money of a pass's sale and close the pass.

    By default a pack gives back what its credits not yet used are worth (its price less each used
    credit's share, `domain.plans.credit_value`), a membership all that was paid for it; `asked` (more
    than 0) gives that much instead, never more than was paid and not yet refunded. The refund goes
    through the provider that took the money, as a booking's does: pending intents on the sale's invoice,
    committed with the pass's cancellation (its credits taken back), so a pass being refunded cannot be
    used meanwhile; a retry after an unknown outcome resumes them. `manual` records money given back by
    hand. A membership's renewals are invoices of their own: this refunds the sale's."""
    from bookctl.domain.payments import money_moved_in, refunded_against
    from bookctl.services.lookups import provider_for
    from bookctl.services.payments import RefundPortion, refund_intents

    zone = zone_of(uow)
    sold = uow.plans.get_pass(ref.strip())
    if sold.invoice_id is None:
        raise RuleError(f"pass {sold.id} was free; there is nothing to refund")
    invoice = uow.documents.get_invoice(sold.invoice_id)
    entries = uow.ledger.of_invoice(invoice.id)
    again = money.resumable(entries, ("refund",), asked)
    if again and not manual:
        return money.Plan(again, lambda answers: _refunded_pass(sold, again, answers, zone), replay=True)
    charges = [e for e in entries if money_moved_in(e)]
    refundable = sum(e.amount.minor - refunded_against(entries, e).minor for e in charges)
    currency = invoice.total.currency
    if refundable <= 0:
        raise RuleError(f"pass {sold.id} has nothing paid that is not refunded already")
    from bookctl.domain.money import money_of

    if asked is None:
        given_back = sum(e.amount.minor for e in entries if e.kind == "refund" and e.status == "succeeded")
        worth = _unrefunded_worth(sold) - given_back
        if worth <= 0:
            why = "every credit of it was used" if given_back == 0 else \
                f"{money_of(given_back, currency)} of it was refunded already, what its unused credits were worth"
            raise RuleError(f"pass {sold.id}: {why}; give --amount to refund more of it anyway")
        amount = min(worth, refundable)
    else:
        amount = asked.minor

    if amount > refundable:
        raise RuleError(f"pass {sold.id} has {money_of(refundable, currency)} refundable; "
                        f"cannot refund {money_of(amount, currency)}")
    if sold.status != "cancelled":
        sold.cancel(now, f"refunded {money_of(amount, currency)}")
    if manual:
        made = [uow.ledger.add(invoice, kind="refund", method="in_person", provider="manual",
                               amount=money_of(amount, currency), status="succeeded", reason=reason, created_at=now)]
        return _refunded_pass(sold, made, money.Answers(), zone)
    portions: list[RefundPortion] = []
    left = amount
    for charge in reversed(charges):
        remaining = charge.amount.minor - refunded_against(entries, charge).minor
        if left == 0 or remaining <= 0:
            continue
        provider = provider_for(uow, charge.provider or "manual")
        portion = min(remaining, left)
        if not provider.capabilities.refunds or (portion < remaining and not provider.capabilities.partial_refunds):
            raise RuleError(f"pass {sold.id} was paid through {provider.name}, which cannot refund "
                            f"{money_of(portion, currency)}; give the money back yourself and record it with "
                            f"'bookctl payment refund {sold.id} --amount {money_of(portion, currency).amount} --manual'")
        portions.append(RefundPortion(charge, money_of(portion, currency), provider))
        left -= portion
    intents = refund_intents(uow, now, invoice, portions, reason)
    return money.Plan(intents, lambda answers: _refunded_pass(sold, intents, answers, zone))


def _unrefunded_worth(sold: Pass) -> int:
    """What a pass is worth to its client now: a pack, its price less the share of each credit used; a
    membership, its whole price."""
    from bookctl.domain.plans import credit_value

    if sold.kind != "pack" or sold.sessions is None:
        return sold.price.minor
    used = sum(1 if m.kind == "used" else -1 if m.kind == "returned" else 0 for m in sold.moves)
    return sold.price.minor - sum(credit_value(sold.price.minor, sold.sessions, n) for n in range(1, used + 1))


def _refunded_pass(sold: Pass, entries: list[LedgerEntry], answers: money.Answers, zone: tzinfo) -> money.Outcome:
    from bookctl.services.views import entry_view

    rows = [entry_view(e, zone) | {"pass_id": sold.id} for e in entries]
    return money.Outcome(rows, answers.error)
