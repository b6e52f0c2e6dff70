"""Exact money: integer minor units with an ISO 4217 currency. Never a float."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, StrictInt, field_validator

from bookctl.errors import UsageError

# ISO 4217 minor units for the currencies a small business is likely to use; the rest have 2.
_ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
                 "VND", "VUV", "XAF", "XOF", "XPF"}
_THREE_DECIMAL = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
KNOWN_CURRENCIES = frozenset(
    _ZERO_DECIMAL | _THREE_DECIMAL | {
        "AED", "AUD", "BGN", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF",
        "ILS", "INR", "MXN", "NOK", "NZD", "PLN", "RON", "RUB", "SEK", "SGD", "THB", "TRY", "UAH",
        "USD", "ZAR",
    }
)
# Larger than any real booking; keeps hypothesis-sized inputs from turning into absurd files.
MAX_MINOR = 10**15
# An amount as users write it: digits, maybe a point and more digits ('19.90', '20', '.5', '20.').
# No sign, exponent, grouping or words: '1e1' and '1,000' are not amounts.
_PLAIN_DECIMAL = re.compile(r"(?=\.?[0-9])(?P<whole>[0-9]*)(?:\.(?P<fraction>[0-9]*))?")


def currency_exponent(currency: str) -> int:
    """How many decimals `currency` has (EUR 2, JPY 0, KWD 3)."""
    if currency in _ZERO_DECIMAL:
        return 0
    if currency in _THREE_DECIMAL:
        return 3
    return 2


def check_currency(code: str) -> str:
    """Return the upper-cased ISO code, or raise UsageError for an unknown one."""
    upper = code.strip().upper()
    if upper not in KNOWN_CURRENCIES:
        raise UsageError(f"unknown currency {code!r}; use an ISO 4217 code such as EUR, USD, GBP, JPY")
    return upper


class Money(BaseModel):
    """An amount in a currency's minor units (cents for EUR, yen for JPY)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    minor: StrictInt
    currency: str

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in KNOWN_CURRENCIES:
            raise ValueError(f"unknown currency {value!r}")
        return value

    @classmethod
    def zero(cls, currency: str) -> Money:
        """No money in `currency`."""
        return money_of(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str, *, what: str = "amount") -> Money:
        """Parse a user's decimal ('19.90', '20') in `currency`; more decimals than it allows is an error."""
        cleaned = str(text).strip()
        if cleaned.startswith("-") and _PLAIN_DECIMAL.fullmatch(cleaned[1:]):
            raise UsageError(f"{what} {text!r} is negative")
        written = _PLAIN_DECIMAL.fullmatch(cleaned)
        if written is None:
            raise UsageError(f"{what} {text!r} is not a number; write it like 19.90")
        exponent = currency_exponent(currency)
        # What was written counts: '1000.0' yen and '19.900' euros name a fraction the currency lacks.
        if len(written.group("fraction") or "") > exponent:
            raise UsageError(f"{what} {text!r} has more than {exponent} decimals, which {currency} does not allow")
        whole = written.group("whole") or "0"
        if len(whole.lstrip("0")) > 18:
            raise UsageError(f"{what} {text!r} is too large")
        minor = int(Decimal(cleaned).scaleb(exponent))
        if minor > MAX_MINOR:
            raise UsageError(f"{what} {text!r} is too large")
        return cls(minor=minor, currency=currency)

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return money_of(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return money_of(self.minor - other.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor >= other.minor

    @property
    def amount(self) -> str:
        """The decimal string with the currency's own number of decimals ('19.90', '1500')."""
        return _amount_text(self.minor, self.currency)

    def to_json(self) -> dict[str, str]:
        """The contract's JSON form: {"amount": "19.90", "currency": "EUR"}."""
        return {"amount": self.amount, "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


# Money is frozen, so equal amounts can share one instance: a listing of many bookings at a few
# prices builds each figure once instead of validating a new model per row.
@lru_cache(maxsize=4096)
def money_of(minor: int, currency: str) -> Money:
    """Money(minor=minor, currency=currency), shared."""
    return Money(minor=minor, currency=currency)


def money_json(minor: int, currency: str) -> dict[str, str]:
    """Money's JSON form from minor units: {"amount": "19.90", "currency": "EUR"}."""
    return {"amount": _amount_text(minor, currency), "currency": currency}


@lru_cache(maxsize=4096)
def _amount_text(minor: int, currency: str) -> str:
    exponent = currency_exponent(currency)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{frac:0{exponent}d}" if exponent else f"{sign}{whole}"
