"""`report revenue`: what was charged, refunded and kept as fees, the net, and what is still due
(bookctl #21), per month, service, member of staff, payment method or provider.

It reads the ledger entries created in the period (services/ledger_lines.py) and counts, in minor
units of the store's currency (`line_money`, the one definition `export ledger` reconciles to):
- charged: succeeded charges (card, in person, the payment of an invoice that belongs to no
  booking), a booking's invoice when it is issued (its pending entry: the money is owed from then;
  its payment later only settles it) less one voided, and fees charged to a card;
- refunded: succeeded refunds; fees_kept: cancellation and no-show fees, kept out of money already
  paid or charged; net: charged less refunded;
- outstanding: what the bookings of the period's ended sessions still owe (`figures(...).due`), in
  the group of their session; a grouping by method or provider has it in the total alone;
- the open and overdue invoices as of today (overdue: its due date has passed), in the summary;
- the packs and memberships paid for in the period (their sales are in `charged`, with no service),
  and, as of today, the credits of packs not yet used and what they are worth: a liability, the
  sessions the studio owes (bookctl #23), in the summary.
Failed and unanswered payments, and fees not yet paid (`due`), move no money and count nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from bookctl.domain.money import money_json
from bookctl.domain.payments import FEE_KINDS, figures
from bookctl.domain.reports import Report, Table
from bookctl.errors import RuleError
from bookctl.services.ledger_lines import LedgerLine, ledger_lines
from bookctl.services.report_groups import NONE, group_names, group_order
from bookctl.timeutil import load_zone

if TYPE_CHECKING:
    from bookctl.storage.unit import UnitOfWork

REVENUE_GROUPINGS = ("month", "service", "staff", "method", "provider")
MONEY_COLUMNS = ("charged", "refunded", "fees_kept", "net", "outstanding")
_NAMED = ("service", "staff")


class LineMoney(NamedTuple):
    """What one ledger entry adds to the revenue figures, in minor units."""

    charged: int = 0
    refunded: int = 0
    fees_kept: int = 0

    @property
    def net(self) -> int:
        return self.charged - self.refunded


def line_money(line: LedgerLine) -> LineMoney:
    """The revenue figures of one ledger entry (the module's docstring says which count where)."""
    entry: Any = line.entry
    minor = entry.amount.minor
    if entry.kind == "refund":
        return LineMoney(refunded=minor) if entry.status == "succeeded" else LineMoney()
    if entry.kind in FEE_KINDS:
        if entry.status == "succeeded":
            return LineMoney(charged=minor, fees_kept=minor)
        return LineMoney(fees_kept=minor) if entry.status == "kept" else LineMoney()
    issued_invoice = entry.invoice_id is not None and entry.idempotency_key is None
    if issued_invoice and line.booking is not None:
        if entry.status == "pending":
            return LineMoney(charged=minor)
        if entry.status == "voided":
            return LineMoney(charged=-minor)
        return LineMoney()
    if entry.status != "succeeded":
        return LineMoney()
    if entry.invoice_id is not None and line.booking is not None:
        return LineMoney()  # a booking's invoice paid: counted when it was issued
    return LineMoney(charged=minor)


class _Sums:
    """The running figures of one group, in minor units."""

    def __init__(self) -> None:
        self.charged = self.refunded = self.fees_kept = self.outstanding = 0

    def add(self, money: LineMoney) -> None:
        self.charged += money.charged
        self.refunded += money.refunded
        self.fees_kept += money.fees_kept

    def row(self, currency: str, outstanding: bool) -> dict[str, Any]:
        return {"charged": money_json(self.charged, currency), "refunded": money_json(self.refunded, currency),
                "fees_kept": money_json(self.fees_kept, currency),
                "net": money_json(self.charged - self.refunded, currency),
                "outstanding": money_json(self.outstanding, currency) if outstanding else None}


def revenue_report(uow: UnitOfWork, first: date, last: date, by: str, now: datetime) -> Report:
    """The money of the local days `first` to `last`, grouped `by` one of REVENUE_GROUPINGS; `now`
    (aware) says which sessions have ended and which invoices are overdue."""
    settings = uow.settings
    currency = settings.business.currency
    zone = load_zone(settings.business.timezone)
    key = _line_key(by, zone)
    sums: dict[str, _Sums] = {}
    outstanding: dict[str, int] = {}
    owed = _owed(by, zone, now, outstanding)
    for line in ledger_lines(uow, first, last, each_session=owed):
        entry: Any = line.entry
        if entry.amount.currency != currency:
            raise RuleError(f"ledger entry {entry.id} is in {entry.amount.currency}, not the store's {currency}; "
                            "a report cannot add them up")
        sums.setdefault(key(line), _Sums()).add(line_money(line))
    total = _Sums()
    for group, due in outstanding.items():
        if by in ("method", "provider"):
            total.outstanding += due
        elif due:
            sums.setdefault(group, _Sums()).outstanding += due
    by_group = by not in ("method", "provider")
    names = group_names(uow, by, list(sums)) if by in _NAMED else {}
    rows = []
    for group in sorted(sums, key=group_order(by)):
        figures_ = sums[group]
        for name in ("charged", "refunded", "fees_kept", "outstanding"):
            setattr(total, name, getattr(total, name) + getattr(figures_, name))
        row: dict[str, Any] = {"group": group}
        if by in _NAMED:
            row["name"] = names.get(group, group)
        rows.append(row | figures_.row(currency, by_group))
    columns = ("group", *(("name",) if by in _NAMED else ()), *MONEY_COLUMNS)
    table = Table("rows", f"Revenue by {by}", columns, rows, label="name" if by in _NAMED else "group", bar="net")
    summary = _invoices(uow, currency, now.astimezone(zone).date()) | _passes(uow, currency, first, last, zone)
    return Report("revenue", first, last, by, [table], total=total.row(currency, True), summary=summary)


def _line_key(by: str, zone: tzinfo) -> Callable[[LedgerLine], str]:
    if by == "month":
        return lambda line: line.entry.created_at.astimezone(zone).strftime("%Y-%m")  # type: ignore[attr-defined]
    if by == "service":
        return lambda line: line.session.service_id if line.session is not None else NONE
    if by == "staff":
        return lambda line: (line.session.staff_id or NONE) if line.session is not None else NONE
    if by == "method":
        return lambda line: line.entry.method or NONE  # type: ignore[attr-defined]
    return lambda line: line.entry.provider or NONE  # type: ignore[attr-defined]


def _owed(by: str, zone: tzinfo, now: datetime, due: dict[str, int]) -> Callable[[Any, list], None]:
    """What adds up, in `due` by the session's group, what the bookings of each ended session still owe."""
    def owed(session: Any, bookings: list) -> None:  # noqa: ANN401 - a session model or record
        if session.end > now:
            return
        if by == "month":
            group = session.start.astimezone(zone).strftime("%Y-%m")
        elif by == "service":
            group = session.service_id
        elif by == "staff":
            group = session.staff_id or NONE
        else:
            group = NONE
        due[group] = due.get(group, 0) + sum(figures(booking, entries).due for booking, entries in bookings)

    return owed


def _invoices(uow: UnitOfWork, currency: str, today: date) -> dict[str, Any]:
    """The open invoices as of today and those of them past their due date."""
    open_count = open_minor = overdue_count = overdue_minor = 0
    for invoice in uow.documents.invoices():
        if invoice.status != "open":
            continue
        open_count += 1
        open_minor += invoice.total.minor
        if invoice.due is not None and invoice.due < today:
            overdue_count += 1
            overdue_minor += invoice.total.minor
    return {"open_invoices": open_count, "open_invoices_total": money_json(open_minor, currency),
            "overdue_invoices": overdue_count, "overdue_invoices_total": money_json(overdue_minor, currency)}


def _passes(uow: UnitOfWork, currency: str, first: date, last: date, zone: tzinfo) -> dict[str, Any]:
    """The passes sold (paid) in the period, packs and memberships apart, and the packs' unused credits now."""
    from bookctl.domain.plans import unused_value

    sold = {"pack": [0, 0], "membership": [0, 0]}
    for invoice in uow.documents.invoices():  # a sale, or a membership's renewal, is an invoice of its pass
        if invoice.pass_id is not None and invoice.status == "paid" and invoice.paid_at is not None \
                and first <= invoice.paid_at.astimezone(zone).date() <= last:
            kind = uow.plans.get_pass(invoice.pass_id).kind
            sold[kind][0] += 1
            sold[kind][1] += invoice.total.minor
    unused = unused_minor = 0
    for held in uow.plans.passes():
        paid = held.invoice_id is not None and uow.documents.get_invoice(held.invoice_id).status == "paid"
        value = unused_value(held, paid)
        if value:
            unused += held.balance or 0
            unused_minor += value
    return {"packs_sold": sold["pack"][0], "packs_sold_total": money_json(sold["pack"][1], currency),
            "memberships_paid": sold["membership"][0],
            "memberships_paid_total": money_json(sold["membership"][1], currency),
            "unused_credits": unused, "unused_credits_value": money_json(unused_minor, currency)}
