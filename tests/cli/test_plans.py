"""`plan add|list|show|edit|archive` and `contact passes` (bookctl #23, the plans and passes part), on
both backends. Passes are sold by `plan sell`, still to come: here they are made through the store's
unit of work, with the domain's `pass_fields`, as that command will."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bookctl.domain.plans import pass_fields
from bookctl.storage.stores import open_store
from tests.conftest import tree_digest

EUR = "EUR"
ROME = ZoneInfo("Europe/Rome")
PACK = ("plan", "add", "Ten classes", "--kind", "pack", "--sessions", "10", "--price", "150", "--valid-days", "90",
        "--services", "yoga-flow")


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": EUR}


def sell(store, plan_id: str, contact_id: str, start: datetime = datetime(2026, 11, 23, 12, tzinfo=ROME)) -> str:  # noqa: ANN001
    """What `plan sell` will do to the records, without the money: a pass of the plan for the contact."""
    with open_store(store).write() as uow:
        sold = uow.plans.add_pass(**pass_fields(uow.plans.plan(plan_id), contact_id, start, ROME, start))
        uow.commit()
    return sold.id


@pytest.fixture
def ada(ok) -> str:  # noqa: ANN001
    return ok("contact", "add", "--first-name", "Ada", "--last-name", "Lovelace", "--email", "ada@example.org")["id"]


def test_a_pack_is_added_with_its_terms_and_printed(ok):
    plan = ok(*PACK)
    assert plan == {"id": "pl-1", "name": "Ten classes", "kind": "pack", "price": money("150.00"), "sessions": 10,
                    "unlimited": False, "valid_days": 90, "period": None, "service_ids": ["yoga-flow"],
                    "archived": False, "created_at": "2026-11-23T12:00:00+01:00"}
    assert ok("plan", "show", "pl-1") == plan
    assert ok("plan", "show", "ten CLASSES") == plan  # a name does, as for a service


def test_a_membership_is_unlimited_unless_it_counts_sessions(ok):
    monthly = ok("plan", "add", "Monthly", "--kind", "membership", "--price", "60", "--period", "month")
    weekly = ok("plan", "add", "Two a week", "--kind", "membership", "--price", "25", "--period", "week",
                "--sessions", "2", "--services", "Yoga Flow,physiotherapy")
    assert (monthly["sessions"], monthly["unlimited"], monthly["period"], monthly["service_ids"]) == (None, True, "month", [])
    assert (weekly["sessions"], weekly["service_ids"]) == (2, ["yoga-flow", "physiotherapy"])


@pytest.mark.parametrize(("args", "message"), [
    (("plan", "add", "X", "--kind", "pack", "--price", "10"), "a pack holds a number of sessions: give --sessions N"),
    (("plan", "add", "X", "--kind", "pack", "--price", "10", "--unlimited"), "a pack holds a number of sessions"),
    (("plan", "add", "X", "--kind", "pack", "--sessions", "0", "--price", "10"), "--sessions must be between 1 and 10000"),
    (("plan", "add", "X", "--kind", "pack", "--sessions", "5", "--price", "-10"), "--price '-10' is negative"),
    (("plan", "add", "X", "--kind", "pack", "--sessions", "5", "--price", "9.999"), "more than 2 decimals"),
    (("plan", "add", "X", "--kind", "pack", "--sessions", "5", "--price", "9", "--valid-days", "0"),
     "--valid-days must be between 1 and 3650"),
    (("plan", "add", "X", "--kind", "pack", "--sessions", "5", "--price", "9", "--period", "month"),
     "--period is for a membership"),
    (("plan", "add", "X", "--kind", "membership", "--price", "9"), "give --period month, week or year"),
    (("plan", "add", "X", "--kind", "membership", "--price", "9", "--period", "fortnight"),
     "--period 'fortnight' is not one of month, week, year"),
    (("plan", "add", "X", "--kind", "membership", "--price", "9", "--period", "month", "--valid-days", "30"),
     "--valid-days is for a pack"),
    (("plan", "add", "X", "--kind", "membership", "--price", "9", "--period", "month", "--sessions", "4",
      "--unlimited"), "give --sessions N or --unlimited, not both"),
    (("plan", "add", "X", "--kind", "bundle", "--price", "9"), "--kind 'bundle' is not one of pack, membership"),
    (("plan", "add", " ", "--kind", "pack", "--sessions", "5", "--price", "9"), "the plan name must not be empty"),
])
def test_bad_terms_are_exit_2_and_change_nothing(refused, args, message):
    assert message in refused(2, *args)


def test_a_plan_for_a_service_that_does_not_exist_is_exit_3(refused):
    assert refused(3, "plan", "add", "X", "--kind", "pack", "--sessions", "5", "--price", "9",
                   "--services", "yoga-flow,boxing") == "error: no service 'boxing'; see 'bookctl service list'\n"


def test_two_plans_cannot_share_a_name(ok, refused):
    ok(*PACK)
    assert "plan pl-1 is already named 'Ten classes'" in refused(1, "plan", "add", "TEN classes", "--kind", "pack",
                                                                 "--sessions", "5", "--price", "9")


def test_an_unknown_plan_is_exit_3_whatever_else_is_wrong(ok, refused):
    ok(*PACK)
    for args in (("plan", "show", "pl-7"), ("plan", "edit", "pl-7", "--sessions", "0"), ("plan", "archive", "pl-7"),
                 ("plan", "show", "Pilates pack")):
        assert refused(3, *args).startswith("error: no plan ")


def test_edit_changes_the_plan_but_never_a_pass_already_sold(ok, store, ada):
    ok(*PACK)
    sold = sell(store, "pl-1", ada)
    before = ok("contact", "passes", ada)
    edited = ok("plan", "edit", "pl-1", "--name", "Twelve classes", "--price", "170", "--sessions", "12",
                "--valid-days", "0", "--services", "physiotherapy,yoga-flow")
    assert (edited["name"], edited["price"], edited["sessions"], edited["valid_days"], edited["service_ids"]) == (
        "Twelve classes", money("170.00"), 12, None, ["physiotherapy", "yoga-flow"])
    assert ok("plan", "show", "pl-1") == edited
    after = ok("contact", "passes", ada)
    assert after == before
    assert (after[0]["id"], after[0]["plan_name"], after[0]["sessions"], after[0]["service_ids"],
            after[0]["price"]) == (sold, "Ten classes", 10, ["yoga-flow"], money("150.00"))


def test_edit_refuses_terms_the_plans_kind_cannot_have(ok, refused):
    ok(*PACK)
    ok("plan", "add", "Monthly", "--kind", "membership", "--price", "60", "--period", "month")
    assert "a pack holds a number of sessions" in refused(2, "plan", "edit", "pl-1", "--unlimited")
    assert "--period is for a membership" in refused(2, "plan", "edit", "pl-1", "--period", "week")
    assert "--valid-days is for a pack" in refused(2, "plan", "edit", "pl-2", "--valid-days", "30")
    assert ok("plan", "edit", "pl-2", "--sessions", "8", "--period", "year")["sessions"] == 8
    assert ok("plan", "edit", "pl-2", "--unlimited")["unlimited"] is True


def test_an_archived_plan_is_listed_only_with_all_and_its_passes_keep_working(ok, store, ada):
    ok(*PACK)
    ok("plan", "add", "Monthly", "--kind", "membership", "--price", "60", "--period", "month")
    sell(store, "pl-1", ada)
    archived = ok("plan", "archive", "Ten classes")
    assert archived["archived"] is True
    assert [p["id"] for p in ok("plan", "list")] == ["pl-2"]
    assert [(p["id"], p["archived"]) for p in ok("plan", "list", "--all")] == [("pl-1", True), ("pl-2", False)]
    [held] = ok("contact", "passes", ada)
    assert (held["plan_id"], held["status"], held["balance"]) == ("pl-1", "active", 10)


def test_contact_passes_lists_each_pass_with_its_balance_and_expiry(ok, store, ada):
    ok(*PACK)
    ok("plan", "add", "Monthly", "--kind", "membership", "--price", "60", "--period", "month")
    pack = sell(store, "pl-1", ada)
    monthly = sell(store, "pl-2", ada, datetime(2027, 1, 31, 9, tzinfo=ROME))
    other = ok("contact", "add", "--first-name", "Bea")["id"]
    sell(store, "pl-1", other)
    rows = ok("contact", "passes", "ada@example.org")
    assert [{k: r[k] for k in ("id", "plan_id", "contact_id", "kind", "balance", "sessions", "expires_at", "status")}
            for r in rows] == [
        {"id": pack, "plan_id": "pl-1", "contact_id": ada, "kind": "pack", "balance": 10, "sessions": 10,
         "expires_at": "2027-02-21T00:00:00+01:00", "status": "active"},
        {"id": monthly, "plan_id": "pl-2", "contact_id": ada, "kind": "membership", "balance": None, "sessions": None,
         "expires_at": "2027-02-28T00:00:00+01:00", "status": "active"}]
    assert ok("contact", "passes", "Ada Lovelace") == rows
    assert ok("contact", "passes", ada) == rows


def test_contact_passes_of_a_contact_with_none_is_empty_and_of_no_contact_exit_3(ok, refused, ada):
    assert ok("contact", "passes", ada) == []
    assert "no contact" in refused(3, "contact", "passes", "c-99")
    assert "no contact matches 'Zed'" in refused(3, "contact", "passes", "Zed")


def test_listings_write_every_format(bookctl, ok, store, ada):
    ok(*PACK)
    sell(store, "pl-1", ada)
    table = bookctl("plan", "list", "--store", store)
    assert table.exit_code == 0 and "Ten classes" in table.stdout and "150.00 EUR" in table.stdout
    csv_lines = bookctl("plan", "list", "--store", store, "--format", "csv").stdout.splitlines()
    assert csv_lines[0].startswith("id,name,kind,price,") and csv_lines[1].startswith("pl-1,Ten classes,pack,150.00,")
    passes = bookctl("contact", "passes", ada, "--store", store, "--format", "ndjson").stdout.splitlines()
    assert len(passes) == 1 and '"plan_name": "Ten classes"' in passes[0]


def test_a_contact_with_a_pass_cannot_be_deleted_only_erased(ok, run, store, ada):
    ok(*PACK)
    sell(store, "pl-1", ada)
    before = tree_digest(store)
    refused = run("contact", "delete", ada, "--yes")
    assert refused.exit_code == 1 and "has 1 pass; a contact with passes cannot be deleted" in refused.stderr
    assert tree_digest(store) == before
    ok("contact", "delete", ada, "--erase", "--yes")
    assert [p["contact_id"] for p in ok("contact", "passes", ada)] == [ada]


def test_store_copy_carries_plans_and_passes(ok, bookctl, store, ada, tmp_path):
    ok(*PACK)
    sell(store, "pl-1", ada)
    copied = bookctl("store", "copy", "--to", tmp_path / "copy", "--store", store, "--format", "json")
    assert copied.exit_code == 0, copied.stderr
    assert (copied.json()["plans"], copied.json()["passes"]) == (1, 1)
    target = tmp_path / "copy"
    assert bookctl("plan", "show", "pl-1", "--store", target, "--format", "json").json() == ok("plan", "show", "pl-1")
    assert bookctl("contact", "passes", ada, "--store", target, "--format", "json").json() == ok("contact", "passes", ada)
