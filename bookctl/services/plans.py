"""Packs and memberships (bookctl #23): the plans a studio sells, and the passes a contact holds.

A plan's terms are checked here, where they are made and changed; a pass copies them at sale
(domain.plans.pass_fields), so `edit_plan` and `archive_plan` never touch a pass already sold. Selling,
renewing and refunding passes is services/pass_sales.py; spending their credits, services/credits.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from bookctl.domain import values
from bookctl.domain.plans import Pass, Plan
from bookctl.errors import RuleError, UsageError
from bookctl.services.lookups import find_contact, find_plan, find_service, fold, zone_of
from bookctl.timeutil import iso

if TYPE_CHECKING:
    from bookctl.domain.money import Money
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
