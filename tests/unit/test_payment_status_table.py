"""`payment_status` row by row, as the README's table in "Payments" defines it (domain only).

Figures are in cents of a 65.00 booking: charged (money that came in), refunded (money that went
back), owed (the price while the booking stands; only its fees once it is cancelled), the deposit
that came in, and whether an invoice for it is open. The first row that holds decides.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookctl.domain.payments import payment_status

PRICE = 6500
CONTRACT_STATUSES = {"not_paid", "deposit_paid", "partially_paid", "invoiced", "paid", "partially_refunded",
                     "refunded"}

# (README row, charged, refunded, owed, deposit, invoiced, payment_status)
TABLE = [
    pytest.param(1, 0, 0, PRICE, 0, True, "invoiced", id="1-nothing-in-an-invoice-open"),
    pytest.param(2, 0, 0, PRICE, 0, False, "not_paid", id="2-nothing-in"),
    pytest.param(2, 0, 0, 2500, 0, False, "not_paid", id="2-cancelled-with-its-fee-due"),
    pytest.param(3, 6500, 6500, PRICE, 0, False, "refunded", id="3-everything-went-back"),
    pytest.param(3, 6500, 6500, 0, 0, False, "refunded", id="3-cancelled-and-refunded-in-full"),
    pytest.param(4, 6500, 4000, PRICE, 0, False, "partially_refunded", id="4-part-went-back"),
    pytest.param(4, 6500, 4000, 2500, 0, False, "partially_refunded", id="4-cancelled-fee-kept-rest-refunded"),
    pytest.param(4, 13000, 9000, PRICE, 0, False, "partially_refunded", id="4-paid-twice-more-than-one-went-back"),
    pytest.param(5, 6500, 0, PRICE, 0, False, "paid", id="5-paid-in-full"),
    pytest.param(5, 13000, 6500, PRICE, 0, False, "paid", id="5-refunded-in-full-then-paid-again"),
    pytest.param(5, 2500, 0, 2500, 0, False, "paid", id="5-cancelled-and-its-fee-paid"),
    pytest.param(5, 6500, 0, 0, 0, False, "paid", id="5-cancelled-without-fee-nothing-refunded"),
    pytest.param(5, 6500, 0, PRICE, 2000, True, "paid", id="5-paid-in-full-an-invoice-still-open"),
    pytest.param(6, 2000, 0, PRICE, 2000, True, "invoiced", id="6-deposit-and-the-rest-invoiced"),
    pytest.param(7, 2000, 0, PRICE, 2000, False, "deposit_paid", id="7-the-deposit-alone"),
    pytest.param(8, 3000, 0, PRICE, 0, False, "partially_paid", id="8-part-paid"),
    pytest.param(8, 3000, 0, PRICE, 2000, False, "partially_paid", id="8-deposit-and-more"),
]


@pytest.mark.parametrize(("row", "charged", "refunded", "owed", "deposit", "invoiced", "status"), TABLE)
def test_payment_status_follows_its_table(row, charged, refunded, owed, deposit, invoiced, status):
    assert payment_status(charged=charged, refunded=refunded, price=PRICE, owed=owed, deposit=deposit,
                          invoiced=invoiced) == status


def test_the_table_has_every_row_and_every_status_of_the_contract():
    rows = {p.values[0] for p in TABLE}
    statuses = {p.values[-1] for p in TABLE}
    assert (rows, statuses) == (set(range(1, 9)), CONTRACT_STATUSES)


# --- properties over every figure, not only the table's examples -----------------------------------

cents = st.integers(min_value=0, max_value=10**9)


@st.composite
def figures(draw):  # noqa: ANN001, ANN201
    """Figures a ledger can produce: refunds never exceed what came in; a deposit is part of it."""
    charged = draw(cents)
    refunded = draw(st.integers(min_value=0, max_value=charged))
    price = draw(st.integers(min_value=1, max_value=10**9))
    owed = draw(st.sampled_from([price, 0, draw(st.integers(min_value=0, max_value=price))]))
    deposit = draw(st.integers(min_value=0, max_value=charged))
    return {"charged": charged, "refunded": refunded, "price": price, "owed": owed, "deposit": deposit,
            "invoiced": draw(st.booleans())}


@settings(derandomize=True, database=None, max_examples=500)
@given(figures())
def test_every_status_is_one_the_contract_names(given_figures):
    assert payment_status(**given_figures) in CONTRACT_STATUSES


@settings(derandomize=True, database=None, max_examples=500)
@given(figures(), cents)
def test_money_that_went_back_and_came_in_again_leaves_the_status_as_the_net_says(given_figures, again):
    # A full refund and the same amount paid again: charged and refunded both rise, the net does not.
    after = payment_status(**{**given_figures, "charged": given_figures["charged"] + again,
                              "refunded": given_figures["refunded"] + again})
    net = given_figures["charged"] - given_figures["refunded"]
    if net >= given_figures["price"] and net >= given_figures["owed"]:
        assert after == "paid"
    if net == 0 and given_figures["charged"] + again > 0:
        assert after == "refunded"


@settings(derandomize=True, database=None, max_examples=500)
@given(figures())
def test_paid_means_the_net_covers_what_is_owed_and_refunded_means_nothing_is_kept(given_figures):
    status = payment_status(**given_figures)
    net = given_figures["charged"] - given_figures["refunded"]
    if status == "paid":
        assert net >= given_figures["owed"] and net > 0
    if status == "refunded":
        assert net == 0 and given_figures["refunded"] > 0
    if status in ("not_paid", "invoiced") and given_figures["charged"] > 0:
        assert status == "invoiced" and net < given_figures["owed"]
