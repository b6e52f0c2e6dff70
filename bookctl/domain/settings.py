"""What `bookctl.toml` holds: the business, its policy defaults, services and staff."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from bookctl.domain.hours import WeeklyHours
from bookctl.domain.models import FieldType, Service, Staff
from bookctl.domain.money import KNOWN_CURRENCIES, Money

SCHEMA_VERSION = 1


class Business(BaseModel):
    """Who the store belongs to, and the currency and time zone everything is entered in."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    currency: str
    timezone: str

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in KNOWN_CURRENCIES:
            raise ValueError(f"unknown currency {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from bookctl.errors import UsageError
        from bookctl.timeutil import load_zone

        try:
            load_zone(value)
        except UsageError as exc:  # pydantic reports only ValueError as a field error
            raise ValueError(str(exc)) from None
        return value


class Policy(BaseModel):
    """Defaults that new services take."""

    model_config = ConfigDict(extra="forbid")

    cancellation_window_hours: int = Field(default=24, ge=0, le=24 * 365)


class ScheduleOptions(BaseModel):
    """How far ahead recurring schedules put their meetings on the calendar."""

    model_config = ConfigDict(extra="forbid")

    horizon_weeks: int = Field(default=12, ge=1, le=520)


class RemindOptions(BaseModel):
    """When `remind run` reminds clients of their bookings: each offset before the start, e.g. "24h", "90m"."""

    model_config = ConfigDict(extra="forbid")

    offsets: list[str] = Field(default_factory=lambda: ["24h"], min_length=1, max_length=10)

    @field_validator("offsets")
    @classmethod
    def _durations(cls, value: list[str]) -> list[str]:
        from bookctl.domain.durations import parse_duration

        for text in value:
            parse_duration(text)
        return value


class WaitlistOptions(BaseModel):
    """What happens when a place in a full class frees: `auto` books the first client waiting, `offer`
    holds the place for them `hold_hours` (`waitlist accept`); none is promoted within `cutoff_hours`
    of the start."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["auto", "offer"] = "auto"
    hold_hours: int = Field(default=12, ge=1, le=24 * 30)
    cutoff_hours: int = Field(default=2, ge=0, le=24 * 30)


class HookOptions(BaseModel):
    """The store's event hooks, executables `hooks/on-EVENT`: how long one may run before it is stopped."""

    model_config = ConfigDict(extra="forbid")

    timeout_seconds: int = Field(default=10, ge=1, le=3600)


class Webhook(BaseModel):
    """Where `webhook send` POSTs the events named. The signing secret is never here: it comes only
    from BOOKCTL_WEBHOOK_SECRET."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^wh-[1-9][0-9]*$")
    url: str = Field(pattern=r"^https?://", max_length=2000)
    events: list[str] = Field(min_length=1)

    @field_validator("events")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        from bookctl.domain.events import EVENTS

        unknown = [name for name in value if name not in EVENTS]
        if unknown:
            raise ValueError(f"unknown event {unknown[0]!r}; events are {', '.join(EVENTS)}")
        return value


class StoreOptions(BaseModel):
    """How the store behaves on this machine."""

    model_config = ConfigDict(extra="forbid")

    lock_timeout_seconds: int = Field(default=10, ge=0, le=3600)
    # Minted by `init` (in an older store, by the first command that moves money or the first ics or
    # vcf export); makes the idempotency keys sent to a payment provider, and calendar and card UIDs,
    # unique to this store, as booking ids are not (two stores may share a Stripe account).
    id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")


class StorageOptions(BaseModel):
    """Where the records are: this directory (no url), or the PostgreSQL database at `url`.

    The url never holds a password: libpq's PGPASSWORD or ~/.pgpass give it, or BOOKCTL_DATABASE_URL
    gives the whole URL in its place."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, pattern=r"^postgres(ql)?://")


class ContactOptions(BaseModel):
    """How contact cards behave."""

    model_config = ConfigDict(extra="forbid")

    attachment_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024)


class EmailSettings(BaseModel):
    """How messages to clients leave: into the store's outbox/ only, or on through an SMTP server.

    The password is never here: it comes only from BOOKCTL_SMTP_PASSWORD."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["outbox", "smtp"] = "outbox"
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    sender: str | None = None
    language: str = "en"


# An account name both hledger and beancount accept: one of beancount's five root types, then
# components that start with a capital or digit and hold only ASCII letters, digits and dashes.
ACCOUNT_PATTERN = r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+$"


class AccountOptions(BaseModel):
    """The accounts `export ledger` posts to (bookctl #21). `income` gains a component per service
    (Income:Bookings:YogaFlow) and `clearing` one per card provider (Assets:Clearing:Sandbox)."""

    model_config = ConfigDict(extra="forbid")

    income: str = Field(default="Income:Bookings", pattern=ACCOUNT_PATTERN)
    refunds: str = Field(default="Income:Refunds", pattern=ACCOUNT_PATTERN)
    cancellation_fees: str = Field(default="Income:Fees:Cancellation", pattern=ACCOUNT_PATTERN)
    no_show_fees: str = Field(default="Income:Fees:NoShow", pattern=ACCOUNT_PATTERN)
    clearing: str = Field(default="Assets:Clearing", pattern=ACCOUNT_PATTERN)
    cash: str = Field(default="Assets:Cash", pattern=ACCOUNT_PATTERN)
    bank: str = Field(default="Assets:Bank", pattern=ACCOUNT_PATTERN)
    receivable: str = Field(default="Assets:Receivable", pattern=ACCOUNT_PATTERN)
    # What packs sold and not yet used are worth: a liability until a credit is used or expires (bookctl #23).
    deferred: str = Field(default="Liabilities:DeferredRevenue", pattern=ACCOUNT_PATTERN)

    @model_validator(mode="after")
    def _distinct(self) -> AccountOptions:
        """Two roles in one account would mix money the export keeps apart (cash with income...)."""
        seen: dict[str, str] = {}
        for role, account in self.model_dump().items():
            if account in seen:
                raise ValueError(f"accounts.{role} and accounts.{seen[account]} are both {account!r}; "
                                 "give each its own account")
            seen[account] = role
        return self


class Settings(BaseModel):
    """The whole of `bookctl.toml`. Money is written there as decimals in the business currency."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    business: Business
    policy: Policy = Field(default_factory=Policy)
    store: StoreOptions = Field(default_factory=StoreOptions)
    storage: StorageOptions = Field(default_factory=StorageOptions)
    services: dict[str, Service] = Field(default_factory=dict)
    staff: dict[str, Staff] = Field(default_factory=dict)
    providers: dict[str, dict[str, str]] = Field(default_factory=dict)
    # Custom contact fields, defined on first use: name -> text|number|date|url.
    fields: dict[str, FieldType] = Field(default_factory=dict)
    contacts: ContactOptions = Field(default_factory=ContactOptions)
    email: EmailSettings = Field(default_factory=EmailSettings)
    # The business hours: what staff without hours of their own work (None: no limit).
    hours: WeeklyHours | None = None
    schedule: ScheduleOptions = Field(default_factory=ScheduleOptions)
    remind: RemindOptions = Field(default_factory=RemindOptions)
    waitlist: WaitlistOptions = Field(default_factory=WaitlistOptions)
    hooks: HookOptions = Field(default_factory=HookOptions)
    webhooks: list[Webhook] = Field(default_factory=list)
    accounts: AccountOptions = Field(default_factory=AccountOptions)

    @field_validator("services", mode="before")
    @classmethod
    def _money_from_decimals(cls, value: Any, info: ValidationInfo) -> Any:
        """TOML carries '50.00'; turn it into Money in the business currency before validation."""
        business = info.data.get("business")
        if not isinstance(value, dict) or business is None:
            return value
        converted = {}
        for key, service in value.items():
            if isinstance(service, dict):
                service = {
                    name: ({"minor": _decimal_to_minor(raw, business.currency), "currency": business.currency}
                           if name in _MONEY_FIELDS and isinstance(raw, str) else raw)
                    for name, raw in service.items()
                }
            converted[key] = service
        return converted

    def to_toml_dict(self) -> dict[str, Any]:
        """The TOML form: no None values (TOML has no null), money as decimal strings."""
        data = self.model_dump(mode="python", exclude_none=True)
        if not data["storage"]:  # a file store's bookctl.toml has no [storage] table
            del data["storage"]
        for service in data["services"].values():
            for name in _MONEY_FIELDS:
                if name in service:
                    service[name] = Money(**service[name]).amount
        return data


_MONEY_FIELDS = ("price", "deposit", "cancellation_fee", "no_show_fee")


def _decimal_to_minor(raw: str, currency: str) -> int:
    from bookctl.errors import UsageError

    try:
        return Money.parse(raw, currency).minor
    except UsageError as exc:
        raise ValueError(str(exc)) from None
