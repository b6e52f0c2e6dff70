"""`plan`: the packs and memberships a studio sells (bookctl #23), selling them, and the cron chore that
expires the passes that ran out."""

# No `from __future__ import annotations`: Typer evals string annotations at every start-up (see contact.py).

from typing import Annotated, Optional

import typer

from bookctl.commands import _run
from bookctl.commands._options import FormatOpt, KeyOpt, StoreOpt, YesOpt, complete_with
from bookctl.output import Format, emit, emit_rows

app = typer.Typer(no_args_is_help=True, help="Packs and memberships: the plans clients buy.")

PlanArg = Annotated[str, typer.Argument(metavar="PLAN", help="A plan id (pl-N) or name.", shell_complete=complete_with("plan"))]
PriceOpt = Annotated[str, typer.Option("--price", help="Price in the store currency, e.g. 150 or 59.90.")]
SessionsOpt = Annotated[Optional[int], typer.Option("--sessions", help="Sessions in a pack, or a membership's sessions a period (1..10000).", show_default=False)]
UnlimitedOpt = Annotated[bool, typer.Option("--unlimited", help="A membership with no limit on sessions.")]
ValidDaysOpt = Annotated[Optional[int], typer.Option("--valid-days", help="A pack: used within this many days of its start (1..3650; default: no limit).", show_default=False)]
PeriodOpt = Annotated[Optional[str], typer.Option("--period", help="A membership: paid each month, week or year.", show_default=False)]
ServicesOpt = Annotated[Optional[str], typer.Option("--services", help="What it may be used for: service ids or names, comma-separated (default, or empty: every service).", show_default=False)]

PLAN_COLUMNS = ("id", "name", "kind", "price", "sessions", "valid_days", "period", "service_ids", "archived")


def _kind(text: str) -> str:
    from bookctl.domain.plans import PLAN_KINDS
    from bookctl.domain.values import shown
    from bookctl.errors import UsageError

    if text.strip().lower() not in PLAN_KINDS:
        raise UsageError(f"--kind {shown(text)} is not one of pack, membership")
    return text.strip().lower()


def _period(text: Optional[str]) -> Optional[str]:
    from bookctl.domain.plans import PERIODS
    from bookctl.domain.values import shown
    from bookctl.errors import UsageError

    if text is None:
        return None
    if text.strip().lower() not in PERIODS:
        raise UsageError(f"--period {shown(text)} is not one of month, week, year")
    return text.strip().lower()


def _price(text: str, currency: str):  # noqa: ANN202 - a Money
    from bookctl.domain.money import Money

    return Money.parse(text, currency, what="--price")


def _between(value: Optional[int], option: str, low: int, high: int, extra: str = "") -> Optional[int]:
    from bookctl.errors import UsageError

    if value is not None and not low <= value <= high:
        raise UsageError(f"{option} must be between {low} and {high}{extra}")
    return value


def _sessions(sessions: Optional[int], unlimited: bool) -> Optional[int]:
    """--sessions N or --unlimited (None), not both."""
    from bookctl.domain.plans import MAX_SESSIONS
    from bookctl.errors import UsageError

    if unlimited and sessions is not None:
        raise UsageError("give --sessions N or --unlimited, not both")
    return _between(sessions, "--sessions", 1, MAX_SESSIONS)


def _services(text: Optional[str]) -> Optional[list[str]]:
    """--services ID[,ID...] as its parts; "" is an empty list (every service), None stays None."""
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


@app.command("add")
def plan_add(
    name: Annotated[str, typer.Argument(help="The plan's name, e.g. 'Ten classes'.")],
    kind: Annotated[str, typer.Option("--kind", help="pack or membership.")],
    price: PriceOpt,
    sessions: SessionsOpt = None,
    unlimited: UnlimitedOpt = False,
    valid_days: ValidDaysOpt = None,
    period: PeriodOpt = None,
    services: ServicesOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a pack (--sessions N [--valid-days D]) or a membership (--period P [--sessions N | --unlimited])."""
    from bookctl.domain.plans import MAX_VALID_DAYS
    from bookctl.services.lookups import zone_of
    from bookctl.services.plans import add_plan, plan_view

    def action(uow, now):  # noqa: ANN001, ANN202
        chosen = _kind(kind)
        count = _sessions(sessions, unlimited)
        return plan_view(add_plan(uow, now, name, chosen, _price(price, uow.settings.business.currency), count,
                                  _between(valid_days, "--valid-days", 1, MAX_VALID_DAYS), _period(period),
                                  _services(services) or ()), zone_of(uow))

    emit(_run.write(store, action), fmt)


@app.command("list")
def plan_list(
    all_: Annotated[bool, typer.Option("--all", help="Include archived plans.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The plans on sale (every plan with --all)."""
    from bookctl.services.plans import list_plans

    emit_rows(_run.read(store, lambda uow: list_plans(uow, all_)), fmt, columns=PLAN_COLUMNS)


@app.command("show")
def plan_show(plan: PlanArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """A plan and its terms."""
    from bookctl.services.lookups import find_plan, zone_of
    from bookctl.services.plans import plan_view

    emit(_run.read(store, lambda uow: plan_view(find_plan(uow, plan), zone_of(uow))), fmt)


@app.command("edit")
def plan_edit(
    plan: PlanArg,
    name: Annotated[Optional[str], typer.Option("--name", show_default=False)] = None,
    price: Annotated[Optional[str], typer.Option("--price", help="Price in the store currency.", show_default=False)] = None,
    sessions: SessionsOpt = None,
    unlimited: UnlimitedOpt = False,
    valid_days: Annotated[Optional[int], typer.Option("--valid-days", help="A pack: days it may be used (1..3650; 0 removes the limit).", show_default=False)] = None,
    period: PeriodOpt = None,
    services: ServicesOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a plan's terms for the passes sold from now on; passes already sold keep theirs."""
    from bookctl.domain.plans import MAX_VALID_DAYS
    from bookctl.services.lookups import find_plan, zone_of
    from bookctl.services.plans import KEEP, edit_plan, plan_view

    def action(uow, now):  # noqa: ANN001, ANN202
        find_plan(uow, plan)  # an id that names nothing is exit 3 before anything wrong with the options
        count = _sessions(sessions, unlimited)
        days = _between(valid_days, "--valid-days", 0, MAX_VALID_DAYS, " (0 removes the limit)")
        changed = edit_plan(uow, plan, name=name,
                            price=None if price is None else _price(price, uow.settings.business.currency),
                            sessions=None if unlimited else KEEP if count is None else count,
                            valid_days=KEEP if days is None else days or None, period=_period(period),
                            service_refs=_services(services))
        return plan_view(changed, zone_of(uow))

    emit(_run.write(store, action), fmt)


@app.command("archive")
def plan_archive(plan: PlanArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Stop selling a plan; the passes already sold of it keep working."""
    from bookctl.services.lookups import zone_of
    from bookctl.services.plans import archive_plan, plan_view

    emit(_run.write(store, lambda uow, now: plan_view(archive_plan(uow, plan), zone_of(uow))), fmt)


SALE_COLUMNS = ("id", "plan_name", "contact_id", "balance", "expires_at", "status", "invoice_id", "invoice_status")


@app.command("sell")
def plan_sell(
    plan: PlanArg,
    contact: Annotated[str, typer.Option("--contact", help="Contact id, email or name.", shell_complete=complete_with("contact"))],
    method: Annotated[str, typer.Option("--method", help="card, invoice or in-person.")],
    card: Annotated[Optional[str], typer.Option("--card", help="The provider's card token (default: the card on file).", show_default=False)] = None,
    start: Annotated[Optional[str], typer.Option("--start", help="YYYY-MM-DD: the day the pass starts (default: now).", show_default=False)] = None,
    provider: Annotated[Optional[str], typer.Option("--provider", help="Payment provider (default: by method).", show_default=False)] = None,
    yes: YesOpt = False,
    idempotency_key: KeyOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Sell a plan to a client: a pass with its credits and expiry, on an invoice paid by card, in
    person (irreversible), or left open for 'invoice pay'."""
    from bookctl.commands._confirm import confirm_irreversible
    from bookctl.commands._parse_money import card_token, method_of
    from bookctl.services.pass_sales import sale_view_of, sell
    from bookctl.timeutil import parse_date

    way = method_of(method)
    if way == "in_person":
        confirm_irreversible(f"Mark the sale of {plan} as paid in person? This cannot be undone.", yes)
    arguments = {"plan": plan, "contact": contact, "method": way, "card": card, "start": start, "provider": provider}

    def action(uow, now):  # noqa: ANN001, ANN202
        token = card_token(way, card, False)
        day = None if start is None else parse_date(start, "--start")
        return sell(uow, now, plan, contact, way, token, day, provider)

    view = _run.money(store, "plan sell", arguments, idempotency_key, action)
    if "plan_id" not in view:  # a replay whose first run's report was lost: its payment, not yet the pass
        view = _run.read(store, lambda uow: sale_view_of(uow, view))
    emit({key: view[key] for key in SALE_COLUMNS} if fmt is Format.table else view, fmt)


@app.command("expire")
def plan_expire(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Expire the passes whose end has passed, recording their unused credits (cron; safe to re-run)."""
    from bookctl.services.plans import expire_passes

    emit_rows(_run.write(store, expire_passes), fmt,
              columns=("id", "plan_name", "contact_id", "balance", "expires_at", "status"))


@app.command("renew")
def plan_renew(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Charge the next period of each membership whose period has ended, to the card on file (cron; safe
    to re-run). A decline or no card leaves it past_due with its invoice open, and emails the client once;
    exit 5 if a provider did not answer (run it again: the same charge is resumed, never repeated)."""
    from bookctl.errors import ProviderError
    from bookctl.services.pass_sales import renew_memberships

    outcome = _run.write(store, renew_memberships)
    unsent = None
    try:
        _run.send_queued(store, [(f"email to {row['contact_id']} about its renewal", row["email"])
                                 for row in outcome.view if row.get("email")], "the renewals are recorded")
    except ProviderError as exc:
        unsent = exc
    emit_rows(outcome.view, fmt, columns=("id", "contact_id", "plan_name", "invoice_id", "result", "status",
                                          "expires_at"))
    if outcome.error is not None or unsent is not None:
        raise outcome.error or unsent


def contact_passes(
    contact: Annotated[str, typer.Argument(metavar="CONTACT", help="A contact's id, email or name.", shell_complete=complete_with("contact"))],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """A contact's passes (packs and memberships): balance, expiry, status."""
    from bookctl.services.plans import contact_passes as passes_of

    emit_rows(_run.read(store, lambda uow: passes_of(uow, contact)), fmt,
              columns=("id", "plan_name", "kind", "balance", "sessions", "expires_at", "status"))
