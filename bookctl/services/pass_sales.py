"""The money of packs and memberships (bookctl #23): selling a pass, renewing a membership, refunding a pass.

Each sale is an invoice of its own for the pass, with no booking (INV-N, `Invoice.pass_id`), and its money
goes through that invoice's ledger exactly as a booking's does (services/money.py): paid by card or in
person, a pending intent first, settled by the provider's answer; by invoice, it waits for `invoice pay`.
A pass paid by card or in person is `past_due` until the answer comes; what the answer does to the pass
(active, cancelled, renewed, closed by a refund) is `domain.plans.invoice_settled`, which the money's
settlement calls, so `payment reconcile` settles a pass as the command itself would have.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from bookctl.domain.plans import Pass
from bookctl.errors import BookctlError, ProviderError, RuleError, UsageError
from bookctl.services import money
from bookctl.services.lookups import find_contact, find_plan, zone_of
from bookctl.services.plans import pass_view
from bookctl.timeutil import iso

if TYPE_CHECKING:
    from datetime import date

    from bookctl.domain.invoices import Invoice
    from bookctl.domain.money import Money
    from bookctl.domain.payments import LedgerEntry
    from bookctl.domain.plans import Plan as PlanTerms
    from bookctl.storage.unit import UnitOfWork

SELL_METHODS = ("card", "invoice", "in_person")


# --- selling ------------------------------------------------------------------------------

def sell(uow: UnitOfWork, now: datetime, plan_ref: str, contact_ref: str, method: str, card: str | None = None,
         start: date | None = None, provider_name: str | None = None) -> money.Plan | money.Outcome:
    """Sell a plan to a contact: a pass with the plan's terms, and the invoice it is sold on, paid by card
    (`card`, the provider's token; the contact's saved card if None), in person, or left open (`invoice`).
    `start`: the local day the pass starts (default: now). A membership sold by card keeps the card, for
    `plan renew`. A retry after an unknown outcome resumes the pending sale of that plan to that contact.
    A free plan is sold with no invoice and no money, whatever the method."""
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
    starts_at = now if start is None else local_midnight(start, zone)
    if plan.price.minor == 0:
        return money.Outcome(sale_view(uow, uow.plans.add_pass(**pass_fields(plan, contact.id, starts_at, zone, now)),
                                       None, []))
    provider = None
    token = card
    if method != "invoice":
        from bookctl.services.lookups import provider_for

        provider = provider_for(uow, provider_name or default_provider(method))
        require(provider, CAPABILITY[method])
        if method == "card" and token is None:
            saved = contact.saved_card
            if saved is None or saved.provider != provider.name:
                raise UsageError(f"give --card TOKEN (contact {contact.id} has no card saved with {provider.name})")
            token = saved.method
    sold = uow.plans.add_pass(**pass_fields(plan, contact.id, starts_at, zone, now))
    invoice = _invoice_for(uow, now, sold, f"{plan.name} ({sold.id})")
    sold.invoice_id = invoice.id
    if provider is None:  # by invoice: usable now, paid with 'invoice pay'
        return money.Outcome(sale_view(uow, sold, invoice, []))
    sold.status = "past_due"  # until the money is in (domain.plans.invoice_settled)
    request: dict[str, Any] = {"label": "card" if method == "card" else "in person"}
    if method == "card":
        request.update(token=token, save_card=plan.kind == "membership")
    intent = money.charge_intent(uow, now, invoice, provider.name, plan.price, method=method, request=request,
                                 description=f"pass {sold.id} ({plan.name})")
    return money.Plan([intent], lambda answers: _sold(uow, sold, invoice, [intent], answers, zone))


def _invoice_for(uow: UnitOfWork, now: datetime, sold: Pass, text: str) -> Invoice:
    """A new invoice of no booking for the pass `sold`, of its price, with one line."""
    from bookctl.domain.invoices import LineItem

    return uow.documents.add_invoice(contact_id=sold.contact_id, items=[LineItem(text=text, amount=sold.price)],
                                     total=sold.price, pass_id=sold.id, created_at=now)


def _pending_sale(uow: UnitOfWork, plan: PlanTerms, contact_id: str) -> tuple[Pass, list[LedgerEntry]] | None:
    """The contact's pass of `plan` whose sale still waits on a provider's answer, with its pending intents."""
    from bookctl.domain.payments import pending_intents

    for sold in reversed(uow.plans.passes_of(contact_id)):
        if sold.plan_id == plan.id and sold.status == "past_due" and sold.invoice_id is not None:
            intents = pending_intents(uow.ledger.of_invoice(sold.invoice_id))
            if intents and intents[0].kind == "charge":
                return sold, intents
    return None


def _sold(uow: UnitOfWork, sold: Pass, invoice: Invoice, intents: list[LedgerEntry], answers: money.Answers,
          zone: tzinfo) -> money.Outcome:
    """After the sale's answer (which settled the pass with it): the pass and its payment."""
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


def sale_view_of(uow: UnitOfWork, printed: dict[str, Any]) -> dict[str, Any]:
    """The sale view again, from what an idempotent replay of `plan sell` kept: the sale view itself, or
    the view of the payment whose report was lost (its invoice names the pass)."""
    if "plan_id" in printed:
        return printed
    invoice = uow.documents.get_invoice(printed["invoice_id"])
    return sale_view(uow, uow.plans.get_pass(invoice.pass_id or ""), invoice,
                     [e for e in uow.ledger.of_invoice(invoice.id) if e.id == printed["id"]])


# --- renewing -------------------------------------------------------------------------------

def renew_memberships(uow: UnitOfWork, now: datetime) -> money.Outcome:
    """`plan renew` (cron, idempotent): charge the next period of each membership whose period has ended.

    Each renewal is an invoice of its own for the pass (`Pass.renewing`), and the pass is `past_due` until
    it is paid. With a card on file it is charged at once, one membership at a time, each through
    `money.carry_out` (a pending intent, then the answer, each committed), so one client's decline never
    stops the next. Paid, the period is renewed (domain.plans.renew_period); declined, or with no card on
    file, the pass stays `past_due` and its invoice open, the client is emailed once, and the next run
    charges it again (or the studio records the payment with `invoice pay`, or voids the invoice to end
    the membership). A free membership simply renews. A run after a lost answer resumes that charge with
    its key. The rows say what became of each; an outcome still unknown is exit 5 after them."""
    from bookctl.domain.payments import pending_intents
    from bookctl.domain.plans import renew_period, renewal_due

    zone = zone_of(uow)
    rows: list[dict[str, Any]] = []
    unknown: list[BookctlError] = []
    for sold in [p for p in uow.plans.passes() if renewal_due(p, now)]:
        if sold.price.minor == 0:
            renew_period(sold, now, zone)
            rows.append(_renewal_row(sold, None, "renewed", None, zone))
            continue
        contact = uow.contacts.get(sold.contact_id)
        if sold.renewing is None:
            assert sold.expires_at is not None  # a membership always ends with its period
            sold.renewing = _invoice_for(uow, now, sold, f"{sold.plan_name} ({sold.id}), period {sold.periods + 1} "
                                                         f"from {sold.expires_at.astimezone(zone):%Y-%m-%d}").id
            sold.status = "past_due"
        invoice = uow.documents.get_invoice(sold.renewing)
        if invoice.status != "open":  # voided (the membership ended) or paid by hand: nothing to charge
            continue
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
        error = money.carry_out(uow, now, decided).error
        if error is None:
            rows.append(_renewal_row(sold, invoice, "renewed", None, zone))
        elif any(e.status == "pending" for e in uow.ledger.of_invoice(invoice.id)):
            unknown.append(error)
            rows.append(_renewal_row(sold, invoice, "pending", str(error), zone))
        else:
            row = _renewal_row(sold, invoice, "declined", str(error), zone)
            rows.append(row | _tell_renewal_failed(uow, now, sold, invoice))
            uow.commit()
    uow.commit()
    if unknown:
        return money.Outcome(rows, ProviderError(f"{len(unknown)} renewal(s) still pending: {unknown[0]}"))
    return money.Outcome(rows)


def _tell_renewal_failed(uow: UnitOfWork, now: datetime, sold: Pass, invoice: Invoice) -> dict[str, Any]:
    """Queue the "could not be renewed" email, once per renewal invoice: the row's `email` record, or
    `email_problem` when the contact cannot be emailed (no address): the renewal stands either way."""
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


def _renewal_row(sold: Pass, invoice: Invoice | None, result: str, detail: str | None, zone: tzinfo) -> dict[str, Any]:
    return {"id": sold.id, "contact_id": sold.contact_id, "plan_name": sold.plan_name,
            "invoice_id": None if invoice is None else invoice.id, "result": result, "status": sold.status,
            "expires_at": None if sold.expires_at is None else iso(sold.expires_at, zone), "detail": detail}


# --- refunding ------------------------------------------------------------------------------

def refund_pass(uow: UnitOfWork, now: datetime, ref: str, asked: Money | None = None, reason: str | None = None,
                manual: bool = False) -> money.Plan | money.Outcome:
    """`payment refund ps-N`: give back the money of a pass's sale, and close the pass once it is back.

    By default what the pass is still worth to its client (`domain.plans.unspent_value`: a pack's price
    less the shares of its credits used; a membership's sale, whole), less what was refunded already;
    `asked` (more than 0) gives that much instead. Never more than was paid less every refund made or under
    way. The refund goes through the provider that took the money, as a booking's does: pending intents on
    the sale's invoice; while one is pending the pass cannot pay for a booking (services/credits.py), and
    the answer that it went through closes the pass (`domain.plans.invoice_settled`), as does `payment
    reconcile`. A retry after an unknown outcome resumes them. `manual` records money given back by hand,
    and closes the pass at once. A membership's renewals are invoices of their own: this refunds the sale's."""
    from bookctl.domain.money import money_of
    from bookctl.domain.payments import is_pending_intent, money_moved_in
    from bookctl.domain.plans import unspent_value
    from bookctl.services.payments import plan_refund, refund_intents

    zone = zone_of(uow)
    sold = uow.plans.get_pass(ref.strip())
    if sold.invoice_id is None:
        raise RuleError(f"pass {sold.id} was free; there is nothing to refund")
    invoice = uow.documents.get_invoice(sold.invoice_id)
    entries = uow.ledger.of_invoice(invoice.id)
    again = money.resumable(entries, ("refund",), asked)
    if again and not manual:
        return money.Plan(again, lambda answers: _refunded_pass(sold, again, answers, zone), replay=True)
    currency = invoice.total.currency
    refunds = [e for e in entries if e.kind == "refund" and (e.status == "succeeded" or is_pending_intent(e))]
    given_back = sum(e.amount.minor for e in refunds)
    refundable = sum(e.amount.minor for e in entries if money_moved_in(e)) - given_back
    if refundable <= 0:
        raise RuleError(f"pass {sold.id} has nothing paid that is not refunded already")
    if asked is None:
        worth = 0 if sold.status == "expired" else unspent_value(sold) - given_back
        if worth <= 0:
            why = "it expired, and its unused credits with it" if sold.status == "expired" else \
                "every credit of it was used" if given_back == 0 else \
                f"{money_of(given_back, currency)} of it was refunded already, what its unused credits were worth"
            raise RuleError(f"pass {sold.id}: {why}; give --amount to refund more of it anyway")
        amount = money_of(min(worth, refundable), currency)
    else:
        amount = asked
    if amount.minor > refundable:
        raise RuleError(f"pass {sold.id} has {money_of(refundable, currency)} refundable; cannot refund {amount}")
    if manual:
        made = [uow.ledger.add(invoice, kind="refund", method="in_person", provider="manual", amount=amount,
                               status="succeeded", reason=reason, created_at=now)]
        if sold.status != "cancelled":
            sold.cancel(now, f"refunded by {made[0].id}")
        return _refunded_pass(sold, made, money.Answers(), zone)
    intents = refund_intents(uow, now, invoice, plan_refund(uow, sold.id, entries, amount), reason)
    return money.Plan(intents, lambda answers: _refunded_pass(sold, intents, answers, zone))


def _refunded_pass(sold: Pass, entries: list[LedgerEntry], answers: money.Answers, zone: tzinfo) -> money.Outcome:
    """After the refund's answers: its entries, each naming the pass."""
    from bookctl.services.views import entry_view

    return money.Outcome([entry_view(e, zone) | {"pass_id": sold.id} for e in entries], answers.error)
