"""domain/plans.py: a plan's terms, a pass made from a plan, and when a pass expires."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bookctl.domain.money import Money
from bookctl.domain.plans import (
    Pass,
    Plan,
    add_months,
    credits_left,
    pass_expiry,
    pass_fields,
    period_end,
    invoice_settled,
)

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


def plan(**fields) -> Plan:  # noqa: ANN003
    values = dict(id="pl-1", name="Ten classes", kind="pack", price=Money(minor=15000, currency="EUR"), sessions=10,
                  valid_days=90, service_ids=["yoga"], created_at=NOW)
    values.update(fields)
    return Plan(**values)


def membership(**fields) -> Plan:  # noqa: ANN003
    values = dict(kind="membership", name="Monthly", price=Money(minor=6000, currency="EUR"), sessions=None,
                  valid_days=None, period="month", service_ids=[])
    values.update(fields)
    return plan(**values)


@pytest.mark.parametrize(("fields", "message"), [
    ({"sessions": None}, "a pack holds a number of sessions"),
    ({"period": "month"}, "a pack has no period"),
    ({"sessions": 0}, "greater than or equal to 1"),
    ({"price": Money(minor=-1, currency="EUR")}, "is negative"),
    ({"kind": "membership", "valid_days": None}, "paid by the period"),
    ({"kind": "membership", "period": "month"}, "not valid_days"),
])
def test_a_plan_refuses_terms_its_kind_cannot_have(fields, message):
    with pytest.raises(ValidationError, match=message):
        plan(**fields)


def test_a_pack_pass_copies_the_terms_and_counts_its_days_from_the_local_start():
    sold = Pass(id="ps-1", **pass_fields(plan(), "c-1", NOW, ROME, NOW))
    assert (sold.plan_id, sold.contact_id, sold.plan_name, sold.price.minor) == ("pl-1", "c-1", "Ten classes", 15000)
    assert (sold.balance, sold.sessions, sold.service_ids, sold.status) == (10, 10, ["yoga"], "active")
    # Sold at 12:00 in Rome on 23 November: usable for 90 days, through 20 February; it ends at that midnight.
    assert sold.expires_at.astimezone(ROME) == datetime(2027, 2, 21, tzinfo=ROME)


def test_a_pass_keeps_its_terms_when_the_plan_changes_after_the_sale():
    terms = plan()
    sold = Pass(id="ps-1", **pass_fields(terms, "c-1", NOW, ROME, NOW))
    terms.service_ids.append("pilates")
    terms.sessions, terms.name = 12, "Twelve"
    assert (sold.service_ids, sold.sessions, sold.plan_name) == (["yoga"], 10, "Ten classes")


def test_a_pack_without_a_limit_never_expires_and_an_unlimited_membership_has_no_balance():
    assert pass_expiry(plan(valid_days=None), NOW, ROME) is None
    sold = Pass(id="ps-2", **pass_fields(membership(), "c-1", NOW, ROME, NOW))
    assert (sold.balance, sold.sessions) == (None, None)
    assert sold.expires_at.astimezone(ROME) == datetime(2026, 12, 23, tzinfo=ROME)


def test_a_monthly_membership_from_the_31st_of_january_ends_with_february():
    start = datetime(2027, 1, 31, 9, 30, tzinfo=ROME)
    assert pass_expiry(membership(), start, ROME) == datetime(2027, 2, 28, tzinfo=ROME)
    assert period_end(date(2028, 1, 31), "month") == date(2028, 2, 29)  # a leap year
    assert period_end(date(2028, 2, 29), "year") == date(2029, 2, 28)
    assert period_end(date(2027, 1, 31), "month", 3) == date(2027, 4, 30)  # counted from the 31st, no drift


def test_a_pass_balance_follows_whether_its_plan_counts_sessions():
    fields = pass_fields(plan(), "c-1", NOW, ROME, NOW)
    with pytest.raises(ValidationError, match="has a balance exactly when"):
        Pass(id="ps-1", **{**fields, "balance": None})
    with pytest.raises(ValidationError, match="not after it starts"):
        Pass(id="ps-1", **{**fields, "expires_at": NOW})


@given(days, st.integers(min_value=1, max_value=240))
def test_months_keep_the_day_or_clamp_it_to_the_months_end(first, count):
    end = period_end(first, "month", count)
    months = (end.year - first.year) * 12 + end.month - first.month
    assert months == count
    assert end.day == min(first.day, calendar.monthrange(end.year, end.month)[1])


@given(days)
def test_a_month_is_28_to_31_days_a_year_365_or_366_and_a_week_7(first):
    assert 28 <= (period_end(first, "month") - first).days <= 31
    assert (period_end(first, "year") - first).days in (365, 366)
    assert (period_end(first, "week") - first).days == 7


@given(days, st.integers(min_value=1, max_value=60))
def test_periods_count_from_the_first_day_and_never_run_short(first, count):
    ends = [period_end(first, "month", n) for n in range(1, count + 1)]
    assert ends == sorted(set(ends))  # each period ends after the one before
    assert period_end(first, "year", count) == add_months(first, 12 * count)


@given(days, st.times(), st.integers(min_value=1, max_value=3650),
       st.sampled_from(["Europe/Rome", "America/New_York", "Australia/Lord_Howe", "UTC"]))
def test_a_pack_expires_at_local_midnight_valid_days_after_its_start_day(first, clock, valid_days, zone_name):
    zone = ZoneInfo(zone_name)
    start = datetime.combine(first, clock, tzinfo=zone)
    expires = pass_expiry(plan(valid_days=valid_days), start, zone).astimezone(zone)
    assert expires.date() == start.astimezone(zone).date() + timedelta(days=valid_days)
    assert expires.time() == time(0)
    assert expires > start


# --- credit moves (bookctl #23) -------------------------------------------------------------

_MOVES = st.lists(st.tuples(st.sampled_from(["used", "returned", "forfeited", "expired", "cancelled", "renewed"]),
                            st.integers(1, 4)), max_size=30)


def _pack(sessions: int) -> Pass:
    start = datetime(2026, 11, 23, 12, tzinfo=ROME)
    return Pass(id="ps-1", plan_id="pl-1", contact_id="c-1", kind="pack", plan_name="Pack", price=Money(minor=1500, currency="EUR"),
                sessions=sessions, balance=sessions, starts_at=start, created_at=start)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(sessions=st.integers(1, 12), moves=_MOVES)
def test_a_pass_balance_is_what_was_sold_less_used_plus_returned_and_never_negative(sessions, moves):
    sold = _pack(sessions)
    at = datetime(2026, 11, 24, 9, tzinfo=ROME)
    used = returned = taken = 0
    for kind, credits in moves:
        count = 1 if kind in ("used", "returned", "forfeited") else credits
        before = sold.model_copy(deep=True)
        try:
            sold.move(kind, at, credits=count)
        except ValueError:
            assert sold == before  # a refused move changes nothing
            continue
        used += count if kind == "used" else 0
        returned += count if kind in ("returned", "renewed") else 0
        taken += count if kind in ("expired", "cancelled") else 0
    assert sold.balance == sessions - used + returned - taken == credits_left(sessions, sold.moves)
    assert 0 <= sold.balance <= sessions
    assert sold.status in ("active", "used_up")
    assert sold.status == "active" if sold.balance > 0 else True  # a credit back makes it usable again
    if sold.status == "used_up":
        assert sold.balance == 0
    assert Pass.model_validate(sold.model_dump(mode="json")) == sold  # what the store writes reads back


def test_a_hand_edited_balance_that_disagrees_with_the_moves_is_refused():
    sold = _pack(5)
    sold.move("used", datetime(2026, 11, 24, 9, tzinfo=ROME))
    data = sold.model_dump(mode="json") | {"balance": 5}
    with pytest.raises(ValueError, match="its balance 5 is not the 5 sessions sold with its moves"):
        Pass.model_validate(data)


def test_a_sale_waiting_on_its_payment_is_activated_or_cancelled_by_the_answer():
    at = datetime(2026, 11, 23, 12, tzinfo=ROME)
    paid, declined = _pack(3), _pack(3)
    for sold in (paid, declined):
        sold.invoice_id, sold.status = "INV-0001", "past_due"
    assert invoice_settled(paid, "INV-0001", _answer("p-INV-0001-1", "succeeded"), at, ROME) is False
    assert (paid.status, paid.balance) == ("active", 3)
    assert invoice_settled(declined, "INV-0001", _answer("p-INV-0001-1", "failed"), at, ROME) is True  # void it
    assert (declined.status, declined.balance, declined.moves[-1].kind) == ("cancelled", 0, "cancelled")
    assert invoice_settled(paid, "INV-0002", _answer("p-INV-0002-1", "failed"), at, ROME) is False  # not its sale's
    assert paid.status == "active"
    assert invoice_settled(paid, "INV-0001", _answer("p-INV-0001-2", "succeeded", "refund"), at, ROME) is False
    assert (paid.status, paid.balance) == ("cancelled", 0)  # refunded: closed


def _answer(entry_id: str, status: str, kind: str = "charge") -> object:
    """A settled ledger entry as invoice_settled reads it."""
    from types import SimpleNamespace

    return SimpleNamespace(id=entry_id, status=status, kind=kind)
