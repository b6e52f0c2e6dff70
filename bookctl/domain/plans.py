"""Prepaid packs and memberships (bookctl #23): a plan is what the studio sells, a pass is one client's
copy of it, with the terms it was sold with and what is left of it; and the pure arithmetic of when
a pass runs out.

A pass copies its plan's terms at sale, so editing or archiving a plan never changes a pass already
sold. Expiry is a local midnight of the store's zone: a pack of 90 days started on 1 March may be used
through 29 May and expires at the start of 30 May; a monthly membership started on 31 January ends
at the start of 28 February (the same day next month, clamped to the month's end).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from bookctl.domain.base import Record
from bookctl.domain.money import Money

PlanKind = Literal["pack", "membership"]
PLAN_KINDS: tuple[str, ...] = ("pack", "membership")
Period = Literal["week", "month", "year"]
PERIODS: tuple[str, ...] = ("week", "month", "year")
PassStatus = Literal["active", "expired", "used_up", "past_due", "cancelled"]
# What happens to a pass's credits, each an entry of its own append-only list (`Pass.moves`):
#   used       -1  a booking took a credit
#   returned   +1  that booking was cancelled in time: the credit comes back
#   forfeited   0  that booking was cancelled late, or was a no-show: the credit stays spent (a record, with its reason)
#   expired    -n  the credits left when the pass ran out (`plan expire`)
#   cancelled  -n  the credits left when the sale was undone (its card declined, its invoice voided)
#   renewed   +n  a membership's next period was paid: its sessions a period are back to the full count
MoveKind = Literal["used", "returned", "forfeited", "expired", "cancelled", "renewed"]
_SIGN = {"used": -1, "returned": 1, "forfeited": 0, "expired": -1, "cancelled": -1, "renewed": 1}
# The most sessions a plan may hold, and the longest a pack may run (ten years).
MAX_SESSIONS = 10_000
MAX_VALID_DAYS = 3650


def _check_terms(kind: str, price: Money, sessions: int | None, valid_days: int | None,
                 period: str | None) -> None:
    """The rules a plan's terms (and so a pass's copy of them) obey."""
    if price.minor < 0:
        raise ValueError(f"the price {price} is negative")
    if kind == "pack":
        if sessions is None:
            raise ValueError("a pack holds a number of sessions; only a membership is unlimited")
        if period is not None:
            raise ValueError("a pack has no period; it runs for valid_days (or without a limit)")
    else:
        if period is None:
            raise ValueError("a membership is paid by the period: week, month or year")
        if valid_days is not None:
            raise ValueError("a membership runs by its period, not valid_days")


class CreditMove(Record):
    """One movement of a pass's credits (see MoveKind): `credits` moved, the booking it was for, why."""

    kind: MoveKind
    credits: int = Field(ge=0, le=MAX_SESSIONS)
    at: AwareDatetime
    booking_id: str | None = None
    reason: str | None = None


class Plan(Record):
    """A pack (`sessions` classes, used within `valid_days` of its start, None: no limit) or a
    membership (paid each `period`; `sessions` a period, None: unlimited), for `service_ids` (empty:
    every service). An archived plan is no longer sold; its passes keep working."""

    id: str = Field(pattern=r"^pl-[1-9][0-9]*$")
    name: str
    kind: PlanKind
    price: Money
    sessions: int | None = Field(default=None, ge=1, le=MAX_SESSIONS)
    valid_days: int | None = Field(default=None, ge=1, le=MAX_VALID_DAYS)
    period: Period | None = None
    service_ids: list[str] = Field(default_factory=list)
    archived: bool = False
    created_at: AwareDatetime

    @model_validator(mode="after")
    def _terms(self) -> Plan:
        _check_terms(self.kind, self.price, self.sessions, self.valid_days, self.period)
        return self


class Pass(Record):
    """One client's pack or membership: the plan's terms as sold (`plan_name`, `price`, `sessions`,
    `service_ids`, `period` or `valid_days`), the sessions left (`balance`, None: unlimited) and
    until when it may be used (`expires_at`, None: no limit)."""

    id: str = Field(pattern=r"^ps-[1-9][0-9]*$")
    plan_id: str = Field(pattern=r"^pl-[1-9][0-9]*$")
    contact_id: str
    kind: PlanKind
    plan_name: str
    price: Money
    sessions: int | None = Field(default=None, ge=1, le=MAX_SESSIONS)
    valid_days: int | None = Field(default=None, ge=1, le=MAX_VALID_DAYS)
    period: Period | None = None
    service_ids: list[str] = Field(default_factory=list)
    balance: int | None = Field(default=None, ge=0)
    starts_at: AwareDatetime
    expires_at: AwareDatetime | None = None
    status: PassStatus = "active"
    created_at: AwareDatetime
    # The invoice that sold it (paid by card, in person, or left open to be paid), None for a free plan.
    invoice_id: str | None = None
    moves: list[CreditMove] = Field(default_factory=list)
    # A membership: the periods paid so far (its end is `periods` periods from its first day), and the open
    # invoice of the next one while `plan renew` waits on its payment (the pass is `past_due` meanwhile).
    periods: int = Field(default=1, ge=1)
    renewing: str | None = None
    # The renewal invoice the client was emailed about (`plan renew` tells them once per renewal).
    renewal_notice: str | None = None

    @model_validator(mode="after")
    def _terms(self) -> Pass:
        _check_terms(self.kind, self.price, self.sessions, self.valid_days, self.period)
        if (self.balance is None) != (self.sessions is None):
            raise ValueError("a pass has a balance exactly when its plan counts sessions")
        if self.sessions is not None and self.balance != credits_left(self.sessions, self.moves):
            raise ValueError(f"its balance {self.balance} is not the {self.sessions} sessions sold with its moves "
                             f"({credits_left(self.sessions, self.moves)})")
        if self.expires_at is not None and self.expires_at <= self.starts_at:
            raise ValueError(f"it expires at {self.expires_at}, not after it starts at {self.starts_at}")
        if self.kind == "membership" and self.expires_at is None:
            raise ValueError("a membership's pass ends with its period")
        return self

    def covers(self, service_id: str) -> bool:
        """Whether the pass may be used for `service_id`."""
        return not self.service_ids or service_id in self.service_ids

    def usable_at(self, when: datetime) -> bool:
        """Whether a session at `when` may be booked with it: active, begun, not expired, a credit left."""
        return (self.status == "active" and self.starts_at <= when
                and (self.expires_at is None or when < self.expires_at) and self.balance != 0)

    def move(self, kind: str, at: datetime, credits: int = 1, booking_id: str | None = None,
             reason: str | None = None) -> CreditMove:
        """Append a credit movement and keep `balance` and `status` with it; never below zero."""
        entry = CreditMove(kind=kind, credits=credits, at=at, booking_id=booking_id, reason=reason)  # type: ignore[arg-type]
        if self.balance is not None:
            left = self.balance + _SIGN[kind] * credits
            if left < 0:
                raise ValueError(f"pass {self.id} has {self.balance} credits; cannot take {credits}")
            if self.sessions is not None and left > self.sessions:
                raise ValueError(f"pass {self.id} would hold {left} credits, more than the {self.sessions} sold")
            self.balance = left
            if self.status == "active" and left == 0 and kind == "used":
                self.status = "used_up"
            elif self.status == "used_up" and left > 0:
                self.status = "active"
        self.moves.append(entry)
        return entry

    def cancel(self, at: datetime, reason: str) -> None:
        """Undo the sale: the credits left are taken back (`cancelled`), and the pass can no longer be used."""
        if self.balance:
            self.move("cancelled", at, credits=self.balance, reason=reason)
        self.status = "cancelled"


def invoice_settled(sold: Pass, invoice_id: str, entry: Any, at: datetime, zone: tzinfo) -> bool:  # noqa: ANN401
    """A payment or refund (`entry`, a settled ledger entry) of an invoice of the pass `sold` got its provider's
    answer. The sale's invoice: a pass waiting on it (`past_due`) becomes `active` when paid, and is cancelled
    when not; a refund of it that went through closes the pass. A membership's renewal invoice: paid, its
    next period begins (`renew_period`); not, it stays `past_due` with the invoice open, for the next
    `plan renew` or `invoice pay`. True: the invoice is to be voided."""
    succeeded = entry.status == "succeeded"
    if entry.kind == "refund":
        if succeeded and sold.invoice_id == invoice_id and sold.status != "cancelled":
            sold.cancel(at, f"refunded by {entry.id}")
        return False
    if sold.renewing == invoice_id:
        if succeeded:
            renew_period(sold, at, zone)
        return False
    if sold.invoice_id != invoice_id or sold.status != "past_due":
        return False  # paid after the pass was already in use (sold by invoice): the pass has nothing to change
    if succeeded:
        sold.status = "active"
        return False
    sold.cancel(at, f"its payment {entry.id} failed")
    return True


def renew_period(sold: Pass, at: datetime, zone: tzinfo) -> None:
    """A membership's next period is paid: it ends a period later (counted from its first day, so periods
    never drift), its sessions a period are full again, and it is active."""
    if sold.period is None or sold.expires_at is None:
        raise ValueError(f"pass {sold.id} is not a membership; it has no period to renew")
    sold.periods += 1
    first_day = sold.starts_at.astimezone(zone).date()
    sold.expires_at = local_midnight(period_end(first_day, sold.period, sold.periods), zone)
    if sold.sessions is not None and sold.balance is not None and sold.balance < sold.sessions:
        sold.move("renewed", at, credits=sold.sessions - sold.balance, reason=f"period {sold.periods}")
    sold.status, sold.renewing = "active", None


def renewal_due(sold: Pass, now: datetime) -> bool:
    """Whether `plan renew` charges this membership now: its period has ended, or its renewal is unpaid."""
    if sold.kind != "membership" or sold.status in ("cancelled", "expired"):
        return False
    return sold.renewing is not None or (sold.expires_at is not None and sold.expires_at <= now)


def sale_voided(sold: Pass, invoice_id: str, at: datetime) -> None:
    """An invoice of the pass `sold` is voided (`invoice void`). The sale's: the pass is cancelled, its
    credits taken back, refused (RuleError) once a credit of it was used. A membership's renewal: the
    membership ends with the period it paid for (`expired`, its credits left recorded)."""
    from bookctl.errors import RuleError

    if sold.renewing == invoice_id:
        if sold.balance:
            sold.move("expired", at, credits=sold.balance, reason=f"its renewal, invoice {invoice_id}, was voided")
        sold.status, sold.renewing = "expired", None
        return
    if sold.invoice_id != invoice_id or sold.status == "cancelled":
        return
    if any(m.kind == "used" for m in sold.moves):
        raise RuleError(f"pass {sold.id}, sold on invoice {invoice_id}, has been used; it cannot be voided")
    sold.cancel(at, f"invoice {invoice_id} was voided")


def credit_value(price_minor: int, sessions: int, used: int) -> int:
    """What the `used`-th credit of a pack of `sessions` at `price_minor` is worth: the price shared out in
    whole minor units so that all of them add up to it (150.00 over 7: 21.42, 21.43, 21.43, ...)."""
    return price_minor * used // sessions - price_minor * (used - 1) // sessions


def credits_used(moves: list[CreditMove]) -> int:
    """The credits bookings have taken, less those given back: what a pack's price has been spent on."""
    return sum(m.credits if m.kind == "used" else -m.credits if m.kind == "returned" else 0 for m in moves)


def unspent_value(sold: Pass) -> int:
    """What a pack's credits not yet used are worth, in minor units, whatever its status: its price less the
    shares (`credit_value`) of the credits used; a membership, its whole price (a period is what it sells)."""
    if sold.kind != "pack" or sold.sessions is None:
        return sold.price.minor
    used = min(max(credits_used(sold.moves), 0), sold.sessions)
    return sold.price.minor - sold.price.minor * used // sold.sessions


def unused_value(sold: Pass, paid: bool) -> int:
    """What the studio owes in sessions for a pack (`unspent_value`), while it is usable and was `paid` for
    (an unpaid invoice is owed nothing, as the books hold nothing for it); 0 for a membership."""
    if sold.kind != "pack" or not paid or sold.status not in ("active", "used_up"):
        return 0
    return unspent_value(sold)


def credits_left(sessions: int, moves: list[CreditMove]) -> int:
    """Sessions sold, less used, plus returned, less expired or cancelled: what a pass's balance must be."""
    return sessions + sum(_SIGN[m.kind] * m.credits for m in moves)


def add_months(day: date, months: int) -> date:
    """`day` so many months on, its day of the month clamped to that month's end (31 Jan + 1: 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def period_end(first_day: date, period: str, count: int = 1) -> date:
    """The day after the `count`-th period that begins on `first_day`: a week is 7 days, a month the
    same day `count` months on (clamped to the month's end), a year the same day `count` years on
    (29 February: the 28th). Counted from `first_day` each time, so periods never drift."""
    if count < 1:
        raise ValueError(f"count {count} is not a number of periods")
    if period == "week":
        return first_day + timedelta(days=7 * count)
    if period == "month":
        return add_months(first_day, count)
    if period == "year":
        return add_months(first_day, 12 * count)
    raise ValueError(f"unknown period {period!r}")


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The instant `day` starts in `zone`."""
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def pass_expiry(plan: Plan, starts_at: datetime, zone: tzinfo) -> datetime | None:
    """When a pass of `plan` started at `starts_at` expires: a pack `valid_days` local days after the day it
    starts (None if it has no limit), a membership at the end of its first period; both at local midnight."""
    first_day = starts_at.astimezone(zone).date()
    if plan.kind == "pack":
        return None if plan.valid_days is None else local_midnight(first_day + timedelta(days=plan.valid_days), zone)
    assert plan.period is not None
    return local_midnight(period_end(first_day, plan.period), zone)


def pass_fields(plan: Plan, contact_id: str, starts_at: datetime, zone: tzinfo, created_at: datetime) -> dict[str, Any]:
    """The fields (all but `id`) of a new pass of `plan` for `contact_id`, starting at `starts_at`: the
    plan's terms copied, its balance the plan's sessions, its expiry worked out (`pass_expiry`).
    `uow.plans.add_pass(**pass_fields(...))` makes it."""
    return {"plan_id": plan.id, "contact_id": contact_id, "kind": plan.kind, "plan_name": plan.name, "price": plan.price,
            "sessions": plan.sessions, "valid_days": plan.valid_days, "period": plan.period,
            "service_ids": list(plan.service_ids), "balance": plan.sessions, "starts_at": starts_at,
            "expires_at": pass_expiry(plan, starts_at, zone), "status": "active", "created_at": created_at}
