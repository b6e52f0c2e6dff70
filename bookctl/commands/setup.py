"""`init`, `config` and `service`: setting a business up (`staff` is in staff.py)."""

# No `from __future__ import annotations`: Typer evals string annotations at every start-up (see contact.py).

from pathlib import Path
from typing import Annotated, Optional

import typer

from bookctl.commands._options import FormatOpt, StoreOpt, app_context, complete_with
from bookctl.output import Format, emit, emit_rows

config_app = typer.Typer(no_args_is_help=True, help="Show and change the store's settings.")
service_app = typer.Typer(no_args_is_help=True, help="What clients book: appointments, classes, courses.")

def init(
    directory: Annotated[Optional[Path], typer.Argument(help="Where to create the store (default: here).", show_default=False)] = None,
    business: Annotated[str, typer.Option("--business", help="The business's name.")] = ...,  # type: ignore[assignment]
    currency: Annotated[str, typer.Option("--currency", help="ISO 4217 code; every amount is in it.")] = "EUR",
    timezone: Annotated[str, typer.Option("--timezone", help="IANA zone that times are entered and shown in.")] = "UTC",
    store: Annotated[Optional[Path], typer.Option("--store", help="Where to create the store, as DIR does.", show_default=False)] = None,
    database: Annotated[Optional[str], typer.Option("--database", help="Keep the records in this empty PostgreSQL database (postgresql://user@host/db); the password, if any, is not written to bookctl.toml.", show_default=False)] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Create a store: a directory holding bookctl.toml (DIR, else --store, else here), its records there or in PostgreSQL."""
    from bookctl.domain import values
    from bookctl.errors import UsageError
    from bookctl.services.setup import check_new_root, config_view, init_store

    # --store is accepted by every command, before it or after it; for init it names the new store.
    named = [p for p in (directory, store if store is not None else app_context(None).store_option) if p is not None]
    if len(named) == 2 and named[0].resolve() != named[1].resolve():
        raise UsageError(f"init {named[0]} and --store {named[1]} name two directories; give one")
    root = named[0] if named else Path.cwd()
    values.path(str(root), "DIR")
    check_new_root(root)
    settings = init_store(root, values.name(business, "--business"), currency, timezone, database)
    emit({"store": str(root.resolve()), **config_view(settings)}, fmt)


@config_app.command("show")
def config_show(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Show every setting."""
    from bookctl.services.setup import config_view

    with app_context(store).store().read() as uow:
        emit(config_view(uow.settings), fmt)


# A VALUE such as -3 is a value, not an unknown option: the setting's own check then judges it.
@config_app.command("set", context_settings={"ignore_unknown_options": True})
def config_set(
    key: Annotated[str, typer.Argument(help="business.name, business.timezone, business.currency, policy.cancellation_window_hours, store.lock_timeout_seconds, storage.url (postgresql://..., empty: this directory), contacts.attachment_max_bytes, providers.NAME.api_base, providers.NAME.currency, providers.NAME.timeout_seconds (seconds, default 30), email.mode (outbox|smtp), email.host, email.port, email.security (starttls|tls|none), email.username, email.sender, email.language, hours.mon .. hours.sun (business hours: 09:00-13:00,14:00-18:00 or off; the first day set makes the others off), hours (empty: no business hours), schedule.horizon_weeks (1..520), remind.offsets (24h,2h), waitlist.mode (auto|offer), waitlist.hold_hours, waitlist.cutoff_hours, hooks.timeout_seconds (1..3600). The SMTP password is read only from BOOKCTL_SMTP_PASSWORD.")],
    value: Annotated[str, typer.Argument()],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change one setting."""
    from bookctl.services.setup import set_config

    with app_context(store).store().write() as uow:
        view = set_config(uow, key, value)
        uow.commit()
    emit(view, fmt)


KindOpt = Annotated[str, typer.Option("--kind", help="appointment, class or course.")]


def _kind(value: str) -> str:
    from bookctl.errors import UsageError

    if value not in ("appointment", "class", "course"):
        raise UsageError(f"--kind {value!r} is not one of appointment, class, course")
    return value


def _price(text: str, currency: str):  # noqa: ANN202 - a Money
    from bookctl.domain.money import Money

    return Money.parse(text, currency, what="--price")


def _fee(text: Optional[str], currency: str, option: str, price):  # noqa: ANN001, ANN202 - Money or None
    """A policy amount (--deposit, --cancellation-fee, --no-show-fee) within the price; 0 is a zero amount,
    which the service takes as "none"."""
    from bookctl.domain.money import Money
    from bookctl.errors import UsageError

    if text is None:
        return None
    amount = Money.parse(text, currency, what=option)
    if amount > price:
        raise UsageError(f"{option} {amount} is more than the price {price}")
    return amount


def _capacity(kind: str, capacity: Optional[int]) -> int:
    from bookctl.errors import UsageError

    if kind == "appointment":
        if capacity not in (None, 1):
            raise UsageError("an appointment has one client; use --kind class for more places")
        return 1
    if capacity is None:
        return 10
    if not 1 <= capacity <= 10_000:
        raise UsageError("--capacity must be between 1 and 10000")
    return capacity


def _check_duration(duration: int) -> None:
    from bookctl.errors import UsageError

    if not 1 <= duration <= 24 * 60:
        raise UsageError("--duration must be between 1 and 1440 minutes")


def _check_window(hours: int) -> None:
    from bookctl.errors import UsageError

    if not 0 <= hours <= 24 * 365:
        raise UsageError("--cancellation-window-hours must be between 0 and 8760")


FEE_OPTIONS = ("--deposit", "--cancellation-fee", "--no-show-fee")


def _check_between(value: Optional[int], option: str, low: int, high: int, unit: str = "") -> Optional[int]:
    """`value` (None passes) within low..high, else a UsageError naming the option."""
    from bookctl.errors import UsageError

    if value is not None and not low <= value <= high:
        raise UsageError(f"{option} must be between {low} and {high}{unit}")
    return value


def _staff_refs(text: Optional[str]) -> Optional[list[str]]:
    """--staff ID[,ID...] as its parts; "" is an empty list (anyone), None stays None."""
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


BufferBeforeOpt = Annotated[Optional[int], typer.Option("--buffer-before", help="Minutes kept free for the staff before each session (0..1440).", show_default=False)]
BufferAfterOpt = Annotated[Optional[int], typer.Option("--buffer-after", help="Minutes kept free for the staff after each session (0..1440).", show_default=False)]
MinNoticeOpt = Annotated[Optional[int], typer.Option("--min-notice-hours", help="A booking must be made at least this many hours before the start (0..8760).", show_default=False)]
ServiceStaffOpt = Annotated[Optional[str], typer.Option("--staff", help="Who can run it: staff ids or names, comma-separated (empty: anyone).", show_default=False, shell_complete=complete_with("staff"))]


WaitlistSizeOpt = Annotated[Optional[str], typer.Option(
    "--waitlist-size", help="A class: how many clients may wait for a place in a full meeting (0: no waitlist; "
    "'unlimited', the default).", show_default=False)]


def _waitlist_size(text: str | None, kind: str) -> int | None:
    """--waitlist-size: a count 0..10000, or 'unlimited' (-1, which the service takes for no limit)."""
    if text is None:
        return None
    from bookctl.errors import UsageError

    if kind != "class":
        raise UsageError("--waitlist-size is for a class; only a class has a waitlist")
    if text.strip().lower() == "unlimited":
        return -1
    try:
        size = int(text)
    except ValueError:
        raise UsageError(f"--waitlist-size must be a whole number or 'unlimited', not {text!r}") from None
    _check_between(size, "--waitlist-size", 0, 10_000)
    return size


CreditForfeitOpt = Annotated[Optional[str], typer.Option(
    "--credit-forfeit", metavar="late-and-no-show|no-show|never",
    help="What loses a pass's credit: a late cancel or a no-show (the default), only a no-show, or never.",
    show_default=False)]


def _credit_forfeit(text: Optional[str]) -> Optional[str]:
    """--credit-forfeit as the service's value (late_and_no_show, no_show, never), or None."""
    from bookctl.domain.models import CREDIT_FORFEITS
    from bookctl.domain.values import shown
    from bookctl.errors import UsageError

    if text is None:
        return None
    value = text.strip().lower().replace("-", "_")
    if value not in CREDIT_FORFEITS:
        raise UsageError(f"--credit-forfeit {shown(text)} is not one of late-and-no-show, no-show, never")
    return value


@service_app.command("add")
def service_add(
    name: Annotated[str, typer.Argument(help="The service's name, e.g. 'Yoga Flow'.")],
    price: Annotated[str, typer.Option("--price", help="Price in the store currency, e.g. 50 or 49.90.")],
    duration: Annotated[int, typer.Option("--duration", help="Length in minutes.")],
    kind: KindOpt = "appointment",
    capacity: Annotated[Optional[int], typer.Option("--capacity", help="Places in a class or course (default 10).", show_default=False)] = None,
    deposit: Annotated[Optional[str], typer.Option("--deposit", help="Paid online ahead; the rest in person.", show_default=False)] = None,
    cancellation_fee: Annotated[Optional[str], typer.Option("--cancellation-fee", show_default=False)] = None,
    no_show_fee: Annotated[Optional[str], typer.Option("--no-show-fee", show_default=False)] = None,
    cancellation_window_hours: Annotated[Optional[int], typer.Option("--cancellation-window-hours", help="The fee applies this close to the start (0: always).", show_default=False)] = None,
    buffer_before: BufferBeforeOpt = None,
    buffer_after: BufferAfterOpt = None,
    min_notice_hours: MinNoticeOpt = None,
    max_days_ahead: Annotated[Optional[int], typer.Option("--max-days-ahead", help="Bookable at most this many days ahead (1..3650; default: no limit).", show_default=False)] = None,
    staff: ServiceStaffOpt = None,
    waitlist_size: WaitlistSizeOpt = None,
    credit_forfeit: CreditForfeitOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a service with its price, length, booking policy and availability rules."""
    from bookctl.services.setup import add_service, check_service_name
    from bookctl.services.staff import staff_ids
    from bookctl.services.views import service_view

    with app_context(store).store().write() as uow:
        settings = uow.settings
        currency = settings.business.currency
        kind = _kind(kind)
        name = check_service_name(uow, name)
        price_money = _price(price, currency)
        capacity = _capacity(kind, capacity)
        _check_duration(duration)
        fees = [_fee(text, currency, option, price_money)
                for option, text in zip(FEE_OPTIONS, (deposit, cancellation_fee, no_show_fee))]
        window = settings.policy.cancellation_window_hours if cancellation_window_hours is None else cancellation_window_hours
        _check_window(window)
        _check_between(buffer_before, "--buffer-before", 0, 24 * 60, " minutes")
        _check_between(buffer_after, "--buffer-after", 0, 24 * 60, " minutes")
        _check_between(min_notice_hours, "--min-notice-hours", 0, 24 * 365)
        _check_between(max_days_ahead, "--max-days-ahead", 1, 3650)
        refs = _staff_refs(staff)
        service = add_service(uow, name, price_money, duration, kind, capacity, *fees, window,
                              buffer_before=buffer_before or 0, buffer_after=buffer_after or 0,
                              min_notice_hours=min_notice_hours or 0, max_days_ahead=max_days_ahead,
                              staff_ids=staff_ids(uow, refs or ()), waitlist_size=_waitlist_size(waitlist_size, kind),
                              credit_forfeit=_credit_forfeit(credit_forfeit) or "late_and_no_show")
        uow.commit()
    emit(service_view(service), fmt)


@service_app.command("list")
def service_list(
    all_: Annotated[bool, typer.Option("--all", help="Include removed services.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List the services."""
    from bookctl.services.views import service_view

    with app_context(store).store().read() as uow:
        rows = [service_view(s) for s in uow.settings.services.values() if all_ or not s.archived]
    emit_rows(rows, fmt, columns=("id", "name", "kind", "price", "duration_minutes", "capacity", "deposit",
                                  "cancellation_fee", "no_show_fee", "archived"))


@service_app.command("show")
def service_show(service: Annotated[str, typer.Argument(help="Service id or name.", shell_complete=complete_with("service"))], store: StoreOpt = None,
                 fmt: FormatOpt = Format.table) -> None:
    """Show a service and its booking policy."""
    from bookctl.services.lookups import find_service
    from bookctl.services.views import service_view

    with app_context(store).store().read() as uow:
        emit(service_view(find_service(uow.settings, service)), fmt)


@service_app.command("edit")
def service_edit(
    service: Annotated[str, typer.Argument(help="Service id or name.", shell_complete=complete_with("service"))],
    name: Annotated[Optional[str], typer.Option("--name", show_default=False)] = None,
    price: Annotated[Optional[str], typer.Option("--price", show_default=False)] = None,
    duration: Annotated[Optional[int], typer.Option("--duration", show_default=False)] = None,
    capacity: Annotated[Optional[int], typer.Option("--capacity", show_default=False)] = None,
    deposit: Annotated[Optional[str], typer.Option("--deposit", help="0 removes it.", show_default=False)] = None,
    cancellation_fee: Annotated[Optional[str], typer.Option("--cancellation-fee", help="0 removes it.", show_default=False)] = None,
    no_show_fee: Annotated[Optional[str], typer.Option("--no-show-fee", help="0 removes it.", show_default=False)] = None,
    cancellation_window_hours: Annotated[Optional[int], typer.Option("--cancellation-window-hours", show_default=False)] = None,
    buffer_before: BufferBeforeOpt = None,
    buffer_after: BufferAfterOpt = None,
    min_notice_hours: MinNoticeOpt = None,
    max_days_ahead: Annotated[Optional[int], typer.Option("--max-days-ahead", help="Bookable at most this many days ahead (1..3650; 0 removes the limit).", show_default=False)] = None,
    staff: ServiceStaffOpt = None,
    waitlist_size: WaitlistSizeOpt = None,
    credit_forfeit: CreditForfeitOpt = None,
    restore: Annotated[bool, typer.Option("--restore", help="Make a removed service bookable again.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a service; bookings already made keep their price and time."""
    from bookctl.services.lookups import find_service
    from bookctl.services.setup import FEE_FIELDS, check_fees_fit, check_service_name, edit_service
    from bookctl.services.staff import staff_ids
    from bookctl.services.views import service_view

    with app_context(store).store().write() as uow:
        found = find_service(uow.settings, service)
        currency = uow.settings.business.currency
        if name is not None:
            name = check_service_name(uow, name, ignore=found.id)
        price_money = None if price is None else _price(price, currency)
        if duration is not None:
            _check_duration(duration)
        if capacity is not None:
            capacity = _capacity(found.kind, capacity)
        new_price = found.price if price_money is None else price_money
        fees = [_fee(text, currency, option, new_price)
                for option, text in zip(FEE_OPTIONS, (deposit, cancellation_fee, no_show_fee))]
        check_fees_fit(found, new_price, replaced=[f for f, fee in zip(FEE_FIELDS, fees) if fee is not None])
        if cancellation_window_hours is not None:
            _check_window(cancellation_window_hours)
        _check_between(buffer_before, "--buffer-before", 0, 24 * 60, " minutes")
        _check_between(buffer_after, "--buffer-after", 0, 24 * 60, " minutes")
        _check_between(min_notice_hours, "--min-notice-hours", 0, 24 * 365)
        _check_between(max_days_ahead, "--max-days-ahead", 0, 3650, " (0 removes the limit)")
        refs = _staff_refs(staff)
        changed = edit_service(uow, found.id, name=name, price=price_money, duration=duration, capacity=capacity,
                               deposit=fees[0], cancellation_fee=fees[1], no_show_fee=fees[2],
                               cancellation_window_hours=cancellation_window_hours, restore=restore,
                               buffer_before=buffer_before, buffer_after=buffer_after,
                               min_notice_hours=min_notice_hours, max_days_ahead=max_days_ahead,
                               staff_ids=None if refs is None else staff_ids(uow, refs),
                               waitlist_size=_waitlist_size(waitlist_size, found.kind),
                               credit_forfeit=_credit_forfeit(credit_forfeit))
        uow.commit()
    emit(service_view(changed), fmt)


@service_app.command("remove")
def service_remove(service: Annotated[str, typer.Argument(help="Service id or name.", shell_complete=complete_with("service"))], store: StoreOpt = None,
                   fmt: FormatOpt = Format.table) -> None:
    """Stop offering a service. Its bookings and history stay; --restore undoes it."""
    from bookctl.services.setup import remove_service
    from bookctl.services.views import service_view

    with app_context(store).store().write() as uow:
        removed = remove_service(uow, service)
        uow.commit()
    emit(service_view(removed), fmt)
