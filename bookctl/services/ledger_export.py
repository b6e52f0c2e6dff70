"""`export ledger` (bookctl #21): every ledger entry of a period as a double-entry transaction.

One transaction per entry that moved money or a claim to it, dated on the local day (the store's
time zone) the entry was made, its postings balancing to zero. A debit is a positive amount. The
accounts are `[accounts]` of bookctl.toml (AccountOptions); `income` gains a part per service and
`clearing` one per provider, each made by `account_part`.

- a succeeded card charge: debit clearing:<Provider>, credit income:<Service>;
- a succeeded charge in person: debit cash, credit income:<Service>;
- a booking's invoice issued (a `pending` charge naming the invoice, with no idempotency key):
  debit receivable, credit income:<Service>; paid (a `succeeded` invoice charge of a booking):
  debit bank, credit receivable; voided (`voided`): debit income:<Service>, credit receivable;
- an invoice of no booking has entries only once paid: debit bank, credit income (no service part);
- a succeeded refund reverses: debit refunds (contra-income), credit where the money went out
  from, by its method: clearing:<Provider> for a card, cash in person, bank for an invoice;
- a fee `kept` out of money already paid moves from income:<Service> to the fee's own income
  account (cancellation_fees, no_show_fees); a fee `succeeded` (charged to a card) debits
  clearing:<Provider> and credits the fee's account;
- nothing is posted for a fee still `due`, a `failed` charge or refund, or a pending intent (an
  idempotency key sent to a provider that has not answered): no money moved, or nobody knows yet.

Packs (bookctl #23): the payment of a pack's invoice credits `deferred` (a liability: sessions owed)
instead of income. Each credit used then moves its value from `deferred` to income:<Service> of the
booking, a credit returned moves it back, and the credits left when a pack expires, or is cancelled once
paid (refunded: the refund is posted as any other), move what is left of its price to income. A credit's value is the price shared over the sessions so that they add
up to the price exactly (`credit_value`). A membership is a period paid for: its payments are income.

So the income accounts, refunds and deferred revenue together balance to minus the period's net: charged
(succeeded charges by card, in person and for invoices of no booking, invoices issued less voided, fees
charged to a card) less refunded, as `report revenue` counts it; `net` reads it back from the postings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from bookctl.domain.money import Money, money_of
from bookctl.domain.plans import credit_value

if TYPE_CHECKING:
    from bookctl.domain.settings import AccountOptions
    from bookctl.services.ledger_lines import LedgerLine
    from bookctl.storage.unit import UnitOfWork

FEE_LABELS = {"cancellation_fee": "Cancellation fee", "no_show_fee": "No-show fee"}


@dataclass(frozen=True)
class Posting:
    """One leg of a transaction: `amount` on `account` (positive a debit). `revenue`: the account is
    an income account or the refunds account, whose sum is minus the net."""

    account: str
    amount: Money
    revenue: bool = False


@dataclass(frozen=True)
class Transaction:
    """One ledger entry in the books: `id` is the entry's, `day` its local date; the rest is metadata."""

    id: str
    day: date
    description: str
    postings: tuple[Posting, ...]
    contact_id: str
    booking_id: str | None = None
    reference: str | None = None
    invoice_id: str | None = None
    provider: str | None = None


@dataclass(frozen=True)
class LedgerExport:
    """The transactions of the local days `first` to `last`, oldest first, in the store's currency."""

    first: date
    last: date
    currency: str
    business: str
    transactions: list[Transaction]

    def opened(self) -> dict[str, date]:
        """Each account used, with the day it is first used, in the order accounts first appear."""
        found: dict[str, date] = {}
        for transaction in self.transactions:
            for posting in transaction.postings:
                found.setdefault(posting.account, transaction.day)
        return found


def account_part(text: str) -> str:
    """`text` (a service or provider name, maybe hostile) as one account part that both hledger and
    beancount accept: ASCII letters and digits in CapitalisedWords ('yoga flow' -> 'YogaFlow',
    'Zoë's; "spa"' -> 'ZoesSpa'), accents dropped; '' when nothing of it is left (callers fall back)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[A-Za-z0-9]+", ascii_text.replace("'", ""))
    return "".join(word[:1].upper() + word[1:] for word in words)[:60]


def service_accounts(income: str, services: Mapping[str, str]) -> dict[str, str]:
    """income:<Service> for each service id (its name, or its id when the name has no ASCII letter or
    digit); two services that would share one get their ids appended, in id order, the first one plain."""
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for service_id in sorted(services):
        part = account_part(services[service_id]) or account_part(service_id) or "Service"
        if part in used:
            part = f"{part}-{account_part(service_id) or len(used)}"
        used.add(part)
        chosen[service_id] = f"{income}:{part}"
    return chosen


class _Accounts:
    """Which account each role and money source is, for one export."""

    def __init__(self, options: AccountOptions, services: Mapping[str, str]) -> None:
        self.options = options
        self.services = services
        self.by_service = service_accounts(options.income, services)

    def income(self, service_id: str | None) -> str:
        if service_id is None:
            return self.options.income
        known = self.by_service.get(service_id)
        if known is None:  # a service no longer in bookctl.toml: its id names it
            known = self.by_service[service_id] = f"{self.options.income}:{account_part(service_id) or 'Service'}"
        return known

    def money(self, method: str | None, provider: str | None) -> str:
        """Where money came in or went out: cash in person, the bank for invoices, else the provider's clearing."""
        if method == "in_person" or (method is None and provider == "manual"):
            return self.options.cash
        if method == "invoice":
            return self.options.bank
        return f"{self.options.clearing}:{account_part(provider or '') or 'Unknown'}"


def _legs(entry, service_id: str | None, accounts: _Accounts,  # noqa: ANN001
          packs: Mapping[str, str] | None = None) -> tuple[str, str, str] | None:
    """(label, debit account, credit account) of one entry by the rules above, or None: no posting.
    `packs`: the pass each invoice of a pack sells, by invoice id."""
    kind, status, method = entry.kind, entry.status, entry.method
    income = accounts.income(service_id)
    if kind == "charge":
        has_booking = entry.booking_id is not None
        sold = None if has_booking or packs is None else packs.get(entry.invoice_id or "")
        if sold is not None and status == "succeeded":
            how = {"invoice": "invoice paid", "in_person": "paid in person"}.get(method, "card payment")
            return f"Pass {sold} sold ({how})", accounts.money(method, entry.provider), accounts.options.deferred
        if status == "succeeded" and method == "invoice":
            invoice = entry.invoice_id or entry.reference or ""
            if has_booking:
                return f"Invoice {invoice} paid", accounts.options.bank, accounts.options.receivable
            return f"Invoice {invoice} paid", accounts.options.bank, accounts.income(None)
        if status == "succeeded":
            label = "Payment in person" if method == "in_person" else "Card payment"
            return label + (" (deposit)" if entry.deposit else ""), accounts.money(method, entry.provider), income
        if status == "pending" and entry.invoice_id and entry.idempotency_key is None:
            return f"Invoice {entry.invoice_id} issued", accounts.options.receivable, income
        if status == "voided":
            return f"Invoice {entry.invoice_id or entry.reference or ''} voided", income, accounts.options.receivable
        return None
    if kind == "refund":
        if status != "succeeded":
            return None
        return "Refund", accounts.options.refunds, accounts.money(method, entry.provider)
    fee_account = accounts.options.cancellation_fees if kind == "cancellation_fee" else accounts.options.no_show_fees
    if status == "kept":
        return f"{FEE_LABELS[kind]} kept", income, fee_account
    if status == "succeeded":
        return f"{FEE_LABELS[kind]} charged", accounts.money(method, entry.provider), fee_account
    return None


def _is_revenue(account: str, options: AccountOptions) -> bool:
    return (account in (options.refunds, options.cancellation_fees, options.no_show_fees, options.income,
                        options.deferred)
            or account.startswith(options.income + ":"))


@dataclass(frozen=True)
class PackMove:
    """A credit movement of a pack, for the books: the pass, the move, the booking's service (None: none)."""

    pass_id: str
    contact_id: str
    kind: str
    credits: int
    at: datetime
    value: int  # minor units moved out of deferred revenue (negative: back into it)
    currency: str
    booking_id: str | None
    service_id: str | None
    index: int


def pack_moves(uow: UnitOfWork, first: date, last: date, zone: tzinfo) -> tuple[dict[str, str], list[PackMove]]:
    """(the pass each pack's invoice sells, by invoice id; the packs' credit movements on the local days
    `first` to `last` that move value out of deferred revenue or back)."""
    invoices: dict[str, str] = {}
    found: list[PackMove] = []
    for sold in uow.plans.passes():
        if sold.kind != "pack" or sold.sessions is None:
            continue
        if sold.invoice_id is not None:
            invoices[sold.invoice_id] = sold.id
        if sold.price.minor == 0:
            continue
        used = 0  # credits used, net of those returned, so far
        # Only a paid pack's price is in deferred revenue: what an unpaid one expires or is cancelled with is nothing.
        paid = sold.invoice_id is not None and uow.documents.get_invoice(sold.invoice_id).status == "paid"
        for index, move in enumerate(sold.moves, 1):
            value = 0
            if move.kind == "used":
                used += 1
                value = credit_value(sold.price.minor, sold.sessions, used)
            elif move.kind == "returned":
                value = -credit_value(sold.price.minor, sold.sessions, used)
                used -= 1
            elif move.kind in ("expired", "cancelled") and paid:
                value = sold.price.minor - sold.price.minor * used // sold.sessions  # what deferred still holds
                used = sold.sessions
            if value == 0 or not first <= move.at.astimezone(zone).date() <= last:
                continue
            service_id = None
            if move.booking_id is not None and move.kind in ("used", "returned"):
                service_id = uow.calendar.get_session(uow.calendar.get_booking(move.booking_id).session_id).service_id
            found.append(PackMove(sold.id, sold.contact_id, move.kind, move.credits, move.at, value,
                                  sold.price.currency, move.booking_id, service_id, index))
    return invoices, found


def _pack_transaction(move: PackMove, accounts: _Accounts, services: Mapping[str, str], zone: tzinfo) -> Transaction:
    """A credit used (or returned, or expired) moves its value between deferred revenue and income."""
    deferred, income = accounts.options.deferred, accounts.income(move.service_id)
    amount = money_of(abs(move.value), move.currency)
    debit, credit = (deferred, income) if move.value > 0 else (income, deferred)
    if move.kind in ("expired", "cancelled"):
        label = f"Pass {move.pass_id} {move.kind}: {move.credits} credits unused"
    else:
        name = services.get(move.service_id or "", move.service_id or "")
        label = f"Pass {move.pass_id} credit {'used' if move.kind == 'used' else 'returned'}: {name}"
    options = accounts.options
    postings = (Posting(debit, amount, _is_revenue(debit, options)),
                Posting(credit, money_of(-amount.minor, amount.currency), _is_revenue(credit, options)))
    return Transaction(id=f"{move.pass_id}-m{move.index}", day=move.at.astimezone(zone).date(),
                       description=label, postings=postings, contact_id=move.contact_id, booking_id=move.booking_id)


def transactions(lines: Iterable[LedgerLine], options: AccountOptions, services: Mapping[str, str],
                 zone: tzinfo, packs: Mapping[str, str] | None = None,
                 moves: Iterable[PackMove] = ()) -> list[Transaction]:
    """The transactions of `lines` (ledger entries with their booking and session), in their order, then
    those of the packs' credit `moves`, all by day. `services` names each service id; `zone` dates them;
    `packs` names the pass each pack's invoice sells."""
    accounts = _Accounts(options, services)
    found: list[Transaction] = []
    for line in lines:
        entry = line.entry
        service_id = line.session.service_id if line.session is not None else None
        legs = _legs(entry, service_id, accounts, packs)  # type: ignore[arg-type]
        if legs is None:
            continue
        label, debit, credit = legs
        amount = money_of(entry.amount.minor, entry.amount.currency)  # type: ignore[attr-defined]
        about = ""
        if line.session is not None:
            name = services.get(line.session.service_id, line.session.service_id)
            about = f": {name}, {line.session.start.astimezone(zone):%Y-%m-%d %H:%M}"
        postings = tuple(Posting(account, value, _is_revenue(account, options))
                         for account, value in ((debit, amount), (credit, money_of(-amount.minor, amount.currency))))
        found.append(Transaction(
            id=entry.id, day=entry.created_at.astimezone(zone).date(),  # type: ignore[attr-defined]
            description=label + about, postings=postings, contact_id=entry.contact_id,  # type: ignore[attr-defined]
            booking_id=entry.booking_id, reference=entry.reference,  # type: ignore[attr-defined]
            invoice_id=entry.invoice_id, provider=entry.provider))  # type: ignore[attr-defined]
    credits = [_pack_transaction(move, accounts, services, zone) for move in moves]
    if credits:  # a stable sort: each day's entries keep their order, the day's credit moves after them
        found = sorted(found + credits, key=lambda t: t.day)
    return found


def export_ledger(uow: UnitOfWork, first: date, last: date) -> LedgerExport:
    """The books of the local days `first` to `last` (inclusive): see the module's rules."""
    from bookctl.services.ledger_lines import ledger_lines
    from bookctl.timeutil import load_zone

    settings = uow.settings
    names = {service_id: service.name for service_id, service in settings.services.items()}
    zone = load_zone(settings.business.timezone)
    packs, moves = pack_moves(uow, first, last, zone)
    found = transactions(ledger_lines(uow, first, last), settings.accounts, names, zone, packs, moves)
    return LedgerExport(first, last, settings.business.currency, settings.business.name, found)


def net(export: LedgerExport) -> Money:
    """Charged less refunded in the period, read back from the postings: minus what the income
    accounts and the refunds account add up to (what `report revenue` calls net)."""
    total = sum((p.amount.minor for t in export.transactions for p in t.postings if p.revenue), 0)
    return money_of(-total, export.currency)
