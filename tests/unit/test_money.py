"""Money: integer minor units in a currency, parsed from and shown as decimals, never a float."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bookctl.cli import exit_code_for
from bookctl.domain.money import MAX_MINOR, Money, check_currency, currency_exponent
from bookctl.errors import UsageError

# Derandomized so that every run tries the same examples; no example database between runs.
deterministic = settings(derandomize=True, database=None, deadline=None, max_examples=200)

EXPONENTS = {"EUR": 2, "JPY": 0, "KWD": 3}
currencies = st.sampled_from(sorted(EXPONENTS))
minors = st.integers(min_value=0, max_value=MAX_MINOR)


def decimal_text(minor: int, exponent: int) -> str:
    """`minor` written as a user would type it, with exactly `exponent` decimals."""
    whole, frac = divmod(minor, 10**exponent)
    return f"{whole}.{frac:0{exponent}d}" if exponent else str(whole)


def test_currency_exponents():
    assert {code: currency_exponent(code) for code in EXPONENTS} == EXPONENTS


@deterministic
@given(currency=currencies, minor=minors)
def test_parse_then_format_round_trips(currency, minor):
    text = decimal_text(minor, EXPONENTS[currency])
    money = Money.parse(text, currency)
    assert money == Money(minor=minor, currency=currency)
    assert money.amount == text


@deterministic
@given(currency=currencies, minor=minors)
def test_format_then_parse_round_trips(currency, minor):
    money = Money(minor=minor, currency=currency)
    assert Money.parse(money.amount, currency) == money


@deterministic
@given(currency=currencies, minor=minors)
def test_amount_has_exactly_the_currencys_decimals(currency, minor):
    amount = Money(minor=minor, currency=currency).amount
    exponent = EXPONENTS[currency]
    if exponent:
        assert len(amount.rpartition(".")[2]) == exponent
    else:
        assert "." not in amount


@pytest.mark.parametrize(("text", "currency", "minor"), [
    ("20", "EUR", 2000), ("19.9", "EUR", 1990), ("19.90", "EUR", 1990), (" 7.05 ", "EUR", 705),
    ("1500", "JPY", 1500), ("1.5", "KWD", 1500), ("0.125", "KWD", 125), ("0", "EUR", 0),
])
def test_parse_reads_a_users_decimal(text, currency, minor):
    assert Money.parse(text, currency) == Money(minor=minor, currency=currency)


@deterministic
@given(currency=currencies, minor=minors, extra=st.integers(min_value=1, max_value=9))
def test_more_decimals_than_the_currency_allows_is_a_usage_error(currency, minor, extra):
    exponent = EXPONENTS[currency]
    text = decimal_text(minor, exponent) + ("" if exponent else ".") + str(extra)
    with pytest.raises(UsageError, match=f"more than {exponent} decimals, which {currency} does not allow"):
        Money.parse(text, currency)


def test_a_tiny_fraction_written_with_an_exponent_is_a_usage_error():
    with pytest.raises(UsageError):
        Money.parse("1e-999999999", "EUR")


def test_a_huge_number_written_with_an_exponent_is_a_usage_error():
    with pytest.raises(UsageError):
        Money.parse("1e999999999", "EUR")


@pytest.mark.parametrize("text", ["abc", "", "19,90", "NaN", "Infinity", "-Infinity", "0x10"])
def test_text_that_is_not_a_number_is_a_usage_error(text):
    with pytest.raises(UsageError, match="is not a number"):
        Money.parse(text, "EUR")


def test_negative_amount_is_a_usage_error():
    with pytest.raises(UsageError, match="is negative"):
        Money.parse("-5", "EUR")


def test_amount_above_the_limit_is_a_usage_error():
    with pytest.raises(UsageError, match="too large"):
        Money.parse(str(MAX_MINOR + 1), "JPY")


def test_usage_errors_from_parsing_map_to_exit_2():
    with pytest.raises(UsageError) as caught:
        Money.parse("10.123", "EUR")
    assert exit_code_for(caught.value) == 2


@deterministic
@given(a=minors, b=minors)
def test_adding_and_subtracting_in_one_currency_is_exact(a, b):
    x, y = Money(minor=a, currency="EUR"), Money(minor=b, currency="EUR")
    assert (x + y).minor == a + b
    assert (x - y).minor == a - b
    assert (x + y) - y == x


@pytest.mark.parametrize("operation", [
    lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x < y, lambda x, y: x >= y,
], ids=["add", "subtract", "less-than", "greater-or-equal"])
def test_mixing_currencies_raises(operation):
    with pytest.raises(ValueError, match="cannot combine EUR with USD"):
        operation(Money(minor=100, currency="EUR"), Money(minor=100, currency="USD"))


def test_adding_a_plain_number_raises():
    with pytest.raises(TypeError):
        Money(minor=100, currency="EUR") + 1  # noqa: B018


@deterministic
@given(currency=currencies, a=minors, b=minors)
def test_minor_is_always_an_int(currency, a, b):
    x = Money.parse(decimal_text(a, EXPONENTS[currency]), currency)
    y = Money(minor=b, currency=currency)
    for money in (x, y, x + y, x - y, Money.model_validate_json(x.model_dump_json())):
        assert type(money.minor) is int


@pytest.mark.parametrize("minor", [1.5, 2.0, "5", True, None])
def test_minor_refuses_anything_but_an_int(minor):
    with pytest.raises(ValidationError):
        Money(minor=minor, currency="EUR")


def test_minor_refuses_a_float_in_json():
    with pytest.raises(ValidationError):
        Money.model_validate_json('{"minor": 1990.0, "currency": "EUR"}')


def test_money_is_immutable():
    money = Money(minor=1990, currency="EUR")
    with pytest.raises(ValidationError):
        money.minor = 1  # type: ignore[misc]


def test_unknown_currency_is_refused():
    with pytest.raises(ValidationError):
        Money(minor=100, currency="XXX")


def test_check_currency_upper_cases_a_known_code_and_refuses_an_unknown_one():
    assert check_currency(" eur ") == "EUR"
    with pytest.raises(UsageError, match="unknown currency 'XXX'"):
        check_currency("XXX")


@pytest.mark.parametrize(("minor", "currency", "amount"), [
    (1990, "EUR", "19.90"), (5, "EUR", "0.05"), (0, "EUR", "0.00"), (-250, "EUR", "-2.50"),
    (1500, "JPY", "1500"), (1500, "KWD", "1.500"), (7, "KWD", "0.007"),
])
def test_to_json_is_the_contract_form(minor, currency, amount):
    assert Money(minor=minor, currency=currency).to_json() == {"amount": amount, "currency": currency}


@deterministic
@given(currency=currencies, minor=st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR))
def test_to_json_amount_is_a_string_and_never_a_float(currency, minor):
    shown = Money(minor=minor, currency=currency).to_json()
    assert set(shown) == {"amount", "currency"}
    assert isinstance(shown["amount"], str)
    assert shown["currency"] == currency


@pytest.mark.parametrize(("text", "currency"), [("1000.0", "JPY"), ("19.900", "EUR"), ("0.1250", "KWD")])
def test_zeros_past_the_currencys_decimals_are_still_too_many_decimals(text, currency):
    with pytest.raises(UsageError, match="decimals"):
        Money.parse(text, currency)


@pytest.mark.parametrize("text", ["1e1", "1E3", "+5", "1_000", "1,000.00", "٣"])
def test_only_plain_decimals_are_amounts(text):
    with pytest.raises(UsageError, match="is not a number"):
        Money.parse(text, "EUR")
