"""Setting a store up: init, configuration, services and staff."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bookctl.domain import values
from bookctl.domain.ids import unique_slug
from bookctl.domain.models import Service, Staff
from bookctl.domain.money import Money, check_currency
from bookctl.domain.settings import Business, Settings
from bookctl.errors import RuleError, UsageError
from bookctl.services.lookups import find_service
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import load_zone


def check_new_root(root: Path) -> None:
    """`root` can take a new store: it holds none, and is a directory or nothing yet."""
    from bookctl.storage.settings_file import SETTINGS_NAME

    if (root / SETTINGS_NAME).exists():
        raise RuleError(f"{root} already holds a bookctl store")
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} exists and is not a directory")


def init_store(root: Path, business: str, currency: str, timezone: str, database: str | None = None) -> Settings:
    """Create a new store at `root`: its records in files there, or in the empty PostgreSQL `database`.
    `business` is the business's name, already checked (values.name)."""
    import uuid

    from bookctl.storage.files import FileStore

    check_new_root(root)
    load_zone(timezone)
    settings = Settings(business=Business(name=business, currency=check_currency(currency), timezone=timezone))
    # Born with its id, so every front desk that copies this bookctl.toml exports the same UIDs.
    settings.store.id = uuid.uuid4().hex
    if database is None:
        FileStore.create(root, settings)
        return settings
    from bookctl.storage.postgres import PostgresStore
    from bookctl.storage.postgres.connect import check_url, redact

    url = check_url(database)
    settings.storage.url = redact(url)
    PostgresStore.create(root, settings, url)
    return settings


def config_view(settings: Settings) -> dict[str, Any]:
    """Every setting as `section.key: value` (services and staff have their own commands).

    Provider options are one level deeper: `providers.NAME.key`.
    """
    data = settings.to_toml_dict()
    flat: dict[str, Any] = {"schema_version": data.pop("schema_version")}
    for section, values in data.items():
        if section in ("services", "staff", "fields", "webhooks"):  # each has its own listing command
            continue
        for key, value in values.items():
            if section == "providers":
                flat.update({f"providers.{key}.{option}": text for option, text in value.items()})
            else:
                flat[f"{section}.{key}"] = value
    return flat


def _parse_int(value: str, key: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{key} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise UsageError(f"{key} must be between {low} and {high}")
    return number


def set_config(uow: UnitOfWork, key: str, value: str) -> dict[str, Any]:
    """Change one setting; returns the new configuration."""
    settings = uow.settings
    if key == "business.name":
        settings.business.name = values.name(value, "business.name")
    elif key == "business.timezone":
        load_zone(value)
        settings.business.timezone = value
    elif key == "business.currency":
        currency = check_currency(value)
        if settings.services and currency != settings.business.currency:
            raise RuleError("cannot change the currency of a store that has services; their prices are in "
                            f"{settings.business.currency}")
        if currency != settings.business.currency and (next(uow.documents.invoices(), None) or next(uow.documents.quotes(), None)):
            raise RuleError("cannot change the currency of a store that has invoices or quotes; their amounts are in "
                            f"{settings.business.currency}")
        settings.business.currency = currency
    elif key == "policy.cancellation_window_hours":
        settings.policy.cancellation_window_hours = _parse_int(value, key, 0, 24 * 365)
    elif key == "store.lock_timeout_seconds":
        settings.store.lock_timeout_seconds = _parse_int(value, key, 0, 3600)
    elif key == "contacts.attachment_max_bytes":
        settings.contacts.attachment_max_bytes = _parse_int(value, key, 1, 1024 * 1024 * 1024)
    elif key == "schedule.horizon_weeks":
        settings.schedule.horizon_weeks = _parse_int(value, key, 1, 520)
    elif key == "remind.offsets":
        settings.remind.offsets = _offsets(value, key)
    elif key == "waitlist.mode":
        if value not in ("auto", "offer"):
            raise UsageError(f"waitlist.mode must be auto or offer, not {value!r}")
        settings.waitlist.mode = value  # type: ignore[assignment]
    elif key == "waitlist.hold_hours":
        settings.waitlist.hold_hours = _parse_int(value, key, 1, 24 * 30)
    elif key == "waitlist.cutoff_hours":
        settings.waitlist.cutoff_hours = _parse_int(value, key, 0, 24 * 30)
    elif key == "hooks.timeout_seconds":
        settings.hooks.timeout_seconds = _parse_int(value, key, 1, 3600)
    elif key == "hours" or key.startswith("hours."):
        _set_business_hours(settings, key, value)
    elif key == "storage.url":
        _set_storage_url(uow, value)
    elif key.startswith("providers."):
        _set_provider_option(settings, key, value)
    elif key.startswith("email."):
        _set_email(settings, key, value)
    elif key in ACCOUNT_KEYS:
        _set_account(settings, key, value)
    else:
        known = ", ".join(SETTABLE_KEYS)
        raise UsageError(f"unknown setting {key!r}; settable keys: {known}")
    return config_view(settings)


SETTABLE_KEYS = ("business.name", "business.timezone", "business.currency",
                 "policy.cancellation_window_hours", "store.lock_timeout_seconds", "storage.url", "contacts.attachment_max_bytes",
                 "providers.NAME.api_base", "providers.NAME.currency", "providers.NAME.timeout_seconds",
                 "email.mode", "email.host", "email.port", "email.security", "email.username",
                 "email.sender", "email.language", "hours.DAY", "hours", "schedule.horizon_weeks", "remind.offsets",
                 "waitlist.mode", "waitlist.hold_hours", "waitlist.cutoff_hours", "hooks.timeout_seconds")
# The accounts `export ledger` posts to (AccountOptions).
ACCOUNT_KEYS = ("accounts.income", "accounts.refunds", "accounts.cancellation_fees", "accounts.no_show_fees",
                "accounts.clearing", "accounts.cash", "accounts.bank", "accounts.receivable", "accounts.deferred")
SETTABLE_KEYS += ACCOUNT_KEYS


def _set_account(settings: Settings, key: str, value: str) -> None:
    """`accounts.ROLE`: an account name such as Income:Bookings; an empty value restores the default."""
    from pydantic import ValidationError

    from bookctl.domain.settings import AccountOptions

    role = key.split(".", 1)[1]
    chosen = settings.accounts.model_dump()
    if value.strip():
        chosen[role] = value.strip()
    else:
        chosen.pop(role)
    try:
        settings.accounts = AccountOptions(**chosen)
    except ValidationError as exc:
        problem = exc.errors()[0]
        if problem["type"] == "string_pattern_mismatch":
            raise UsageError(f"{key} {value.strip()!r} is not an account name: it starts with Assets, Liabilities, "
                             "Equity, Income or Expenses, then :Parts that start with a capital letter or digit and "
                             "hold only letters, digits and dashes (such as Income:Bookings)") from None
        raise UsageError(f"{key}: {problem['msg'].removeprefix('Value error, ')}") from None


def _set_business_hours(settings: Settings, key: str, value: str) -> None:
    """`hours.DAY` (mon..sun): that weekday's business hours, RANGES or off; an empty value makes it off.
    The first day set creates the business hours with every other day off. `hours` with an empty value
    removes them (no limit)."""
    from bookctl.domain.hours import WEEKDAYS, WeeklyHours, day_ranges, ranges_text

    if key == "hours":
        if value.strip():
            raise UsageError("hours takes only an empty value, which removes the business hours; "
                             "set one day with hours.mon .. hours.sun")
        settings.hours = None
        return
    day = key.split(".", 1)[1]
    if day not in WEEKDAYS:
        raise UsageError(f"unknown setting {key!r}; business hours are hours.{', hours.'.join(WEEKDAYS)}")
    if not value.strip():
        if settings.hours is not None:
            setattr(settings.hours, day, "off")
        return
    try:
        text = ranges_text(day_ranges(value))
    except ValueError as exc:
        raise UsageError(f"{key} {exc}") from None
    hours = settings.hours or WeeklyHours()
    setattr(hours, day, text)
    settings.hours = hours


def _offsets(value: str, key: str) -> list[str]:
    """`remind.offsets`: durations before the start, comma-separated ("24h,2h"), each once."""
    from bookctl.domain.durations import parse_duration

    found = [part.strip().lower() for part in value.split(",") if part.strip()]
    if not found or len(found) > 10:
        raise UsageError(f"{key} takes 1 to 10 durations, comma-separated, such as 24h,2h")
    try:
        deltas = [parse_duration(part) for part in found]
    except ValueError as exc:
        raise UsageError(f"{key}: {exc}") from None
    if len(set(deltas)) != len(deltas):
        raise UsageError(f"{key} gives one offset twice")
    return found


def _set_provider_option(settings: Settings, key: str, value: str) -> None:
    """`providers.NAME.OPTION`: a provider's `[providers.NAME]` option; an empty value removes it."""
    from bookctl.providers.manager import provider_options, providers

    parts = key.split(".")
    checks = provider_options()
    if len(parts) != 3 or parts[2] not in checks:
        raise UsageError(f"unknown setting {key!r}; a provider takes {', '.join(checks)} "
                         "(e.g. providers.stripe.api_base)")
    _, name, option = parts
    if name not in providers():
        raise UsageError(f"unknown setting {key!r}: no payment provider {name!r}; installed: {', '.join(providers())}")
    options = settings.providers.setdefault(name, {})
    if not value.strip():
        options.pop(option, None)
    else:
        options[option] = checks[option](value, key)
    if not options:
        del settings.providers[name]


def _set_storage_url(uow: UnitOfWork, value: str) -> None:
    """Point the store at a PostgreSQL database holding this bookctl's schema (an empty one gets it),
    or back at its own files with an empty value. Records are not moved: 'bookctl store copy' does that."""
    from bookctl.storage.postgres.connect import (
        check_url,
        connect,
        migrate,
        redact,
        schema_version,
    )

    if not value.strip():
        uow.settings.storage.url = None
        return
    url = check_url(value, "storage.url")
    conn = connect(url, uow.settings.business.timezone)
    try:
        if schema_version(conn) is None:
            migrate(conn)
    finally:
        conn.close()
    uow.settings.storage.url = redact(url)


_EMAIL_CHOICES = {"email.mode": ("outbox", "smtp"), "email.security": ("starttls", "tls", "none")}


def _set_email(settings: Settings, key: str, value: str) -> None:
    """An `email.*` setting. An empty host, port, username or sender clears it."""
    import re

    from bookctl.services.contacts import check_email

    name = key.split(".", 1)[1]
    cleaned = value.strip()
    if key in _EMAIL_CHOICES:
        if cleaned not in _EMAIL_CHOICES[key]:
            raise UsageError(f"{key} must be one of {', '.join(_EMAIL_CHOICES[key])}, not {value!r}")
        setattr(settings.email, name, cleaned)
    elif key == "email.port":
        settings.email.port = _parse_int(cleaned, key, 1, 65535) if cleaned else None
    elif key == "email.sender":
        settings.email.sender = check_email(cleaned, key) if cleaned else None
    elif key == "email.language":
        if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", cleaned):
            raise UsageError(f"{key} {value!r} is not a language tag such as en, it or nl-BE")
        settings.email.language = cleaned
    elif key in ("email.host", "email.username"):
        if cleaned:
            values.line(cleaned, key)
        if any(ch.isspace() for ch in cleaned):
            raise UsageError(f"{key} must not contain spaces")
        setattr(settings.email, name, cleaned or None)
    else:
        raise UsageError(f"unknown setting {key!r}; settable keys: {', '.join(SETTABLE_KEYS)}")


def check_name_free(records: Iterable[Service | Staff], name: str, what: str, ignore: str | None = None) -> None:
    """Commands take a name where an id goes, so no two services (or staff) share one: compared
    trimmed, in any case and Unicode spelling. A removed service keeps its name (it can be restored)."""
    import unicodedata

    def key(text: str) -> str:
        return unicodedata.normalize("NFC", text.strip()).casefold()

    wanted = key(name)
    for record in records:
        if record.id != ignore and key(record.name) == wanted:
            noun = "service" if isinstance(record, Service) else "staff"
            removed = f", removed; 'bookctl {noun} edit {record.id} --restore' brings it back" \
                if getattr(record, "archived", False) else ""
            raise RuleError(f"{what} {record.id} is already named {record.name!r}{removed}; choose another name")


FEE_FIELDS = ("deposit", "cancellation_fee", "no_show_fee")


def check_service_name(uow: UnitOfWork, name: str, ignore: str | None = None) -> str:
    """A service's name, checked (values.name) and free: no other service (but `ignore`) has it."""
    name = values.name(name, "the service name")
    check_name_free(uow.settings.services.values(), name, "service", ignore=ignore)
    return name


def check_fees_fit(service: Service, price: Money, replaced: Iterable[str] = ()) -> None:
    """Each policy amount the service keeps (every one but those in `replaced`) stays within `price`."""
    for field in FEE_FIELDS:
        amount = getattr(service, field)
        if field not in replaced and amount is not None and amount > price:
            raise UsageError(f"{field.replace('_', ' ')} {amount} would be more than the price {price}")


def _fee(amount: Money | None) -> Money | None:
    """A policy amount; zero means the policy has none."""
    return amount if amount is not None and amount.minor else None


def add_service(uow: UnitOfWork, name: str, price: Money, duration: int, kind: str = "appointment",
                capacity: int | None = None, deposit: Money | None = None, cancellation_fee: Money | None = None,
                no_show_fee: Money | None = None, cancellation_window_hours: int | None = None, *,
                buffer_before: int = 0, buffer_after: int = 0, min_notice_hours: int = 0,
                max_days_ahead: int | None = None, staff_ids: Iterable[str] = (), waitlist_size: int | None = None,
                credit_forfeit: str = "late_and_no_show") -> Service:
    """Add a service with its price, length (minutes) and booking policy. `kind` is appointment, class or
    course; `capacity` defaults to 1 for an appointment and 10 otherwise; the amounts, in the store's
    currency, are at most the price (zero: none); the window defaults to the store's policy. Availability:
    minutes kept free before and after each session, the notice (hours) a booking needs, how many days
    ahead it may be (None: no limit), and the staff ids who may run it (none: anyone). `waitlist_size`: how
    many may wait for a place in a full class (None or negative: no limit; 0: no waitlist)."""
    settings = uow.settings
    name = check_service_name(uow, name)
    if capacity is None:
        capacity = 1 if kind == "appointment" else 10
    window = settings.policy.cancellation_window_hours if cancellation_window_hours is None else cancellation_window_hours
    service = Service(
        id=unique_slug(name, settings.services, f"service-{len(settings.services) + 1}"),
        name=name.strip(), kind=kind, price=price, duration_minutes=duration, capacity=capacity,
        deposit=_fee(deposit), cancellation_fee=_fee(cancellation_fee), no_show_fee=_fee(no_show_fee),
        cancellation_window_hours=window, buffer_before_minutes=buffer_before, buffer_after_minutes=buffer_after,
        min_notice_hours=min_notice_hours, max_days_ahead=max_days_ahead, staff_ids=list(staff_ids),
        waitlist_size=None if waitlist_size is None or waitlist_size < 0 else waitlist_size,
        credit_forfeit=credit_forfeit,
    )
    check_fees_fit(service, price)
    settings.services[service.id] = service
    return service


def edit_service(uow: UnitOfWork, ref: str, *, name: str | None = None, price: Money | None = None,
                 duration: int | None = None, capacity: int | None = None, deposit: Money | None = None,
                 cancellation_fee: Money | None = None, no_show_fee: Money | None = None,
                 cancellation_window_hours: int | None = None, restore: bool = False,
                 buffer_before: int | None = None, buffer_after: int | None = None,
                 min_notice_hours: int | None = None, max_days_ahead: int | None = None,
                 staff_ids: Iterable[str] | None = None, waitlist_size: int | None = None,
                 credit_forfeit: str | None = None) -> Service:
    """Change a service; None leaves a value as it is, a zero amount removes that policy, a zero
    `max_days_ahead` removes the limit, a negative `waitlist_size` the waitlist's, and empty
    `staff_ids` lets anyone run it. Existing bookings keep
    the price and time they were booked with."""
    service = find_service(uow.settings, ref)
    if name is not None:
        service.name = check_service_name(uow, name, ignore=service.id)
    if price is not None:
        service.price = price
    if duration is not None:
        service.duration_minutes = duration
    if capacity is not None:
        service.capacity = capacity
    for field, amount in zip(FEE_FIELDS, (deposit, cancellation_fee, no_show_fee)):
        if amount is not None:
            setattr(service, field, _fee(amount))
    check_fees_fit(service, service.price)
    if cancellation_window_hours is not None:
        service.cancellation_window_hours = cancellation_window_hours
    if buffer_before is not None:
        service.buffer_before_minutes = buffer_before
    if buffer_after is not None:
        service.buffer_after_minutes = buffer_after
    if min_notice_hours is not None:
        service.min_notice_hours = min_notice_hours
    if max_days_ahead is not None:
        service.max_days_ahead = max_days_ahead or None
    if staff_ids is not None:
        service.staff_ids = list(staff_ids)
    if waitlist_size is not None:
        service.waitlist_size = None if waitlist_size < 0 else waitlist_size
    if credit_forfeit is not None:
        service.credit_forfeit = credit_forfeit  # type: ignore[assignment] - checked by the command
    if restore:
        service.archived = False
    return service


def remove_service(uow: UnitOfWork, ref: str) -> Service:
    """Archive a service: it can no longer be booked, and its past bookings keep their history."""
    service = find_service(uow.settings, ref)
    service.archived = True
    return service


def check_staff_name(uow: UnitOfWork, name: str, ignore: str | None = None) -> str:
    """A member of staff's name, checked (values.name) and free: no other member (but `ignore`) has it."""
    name = values.name(name, "the staff name")
    check_name_free(uow.settings.staff.values(), name, "staff member", ignore=ignore)
    return name


def add_staff(uow: UnitOfWork, name: str, email: str | None = None) -> Staff:
    """Add a member of staff; `email` is an address already checked (values.email)."""
    settings = uow.settings
    name = check_staff_name(uow, name)
    staff = Staff(id=unique_slug(name, settings.staff, f"staff-{len(settings.staff) + 1}"), name=name,
                  email=email)
    settings.staff[staff.id] = staff
    return staff
