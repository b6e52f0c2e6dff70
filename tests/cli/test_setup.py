"""Setting a business up: `init`, `config show|set`, `service add|list|show|edit|remove`, `staff add|list`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.conftest import database_url_of, tree_digest




def read_toml(root: Path) -> dict:
    """The store's bookctl.toml, parsed."""
    return tomllib.loads((root / "bookctl.toml").read_text(encoding="utf-8"))


def add_contact(bookctl, store: Path, first_name: str = "Marco") -> str:  # noqa: ANN001
    """A new contact's id."""
    result = bookctl("contact", "add", "--first-name", first_name, "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()["id"]


# --- init -------------------------------------------------------------------------------------------


# The accounts `export ledger` posts to, as `config show` lists them.
DEFAULT_ACCOUNTS = {
    "accounts.income": "Income:Bookings", "accounts.refunds": "Income:Refunds",
    "accounts.cancellation_fees": "Income:Fees:Cancellation", "accounts.no_show_fees": "Income:Fees:NoShow",
    "accounts.clearing": "Assets:Clearing", "accounts.cash": "Assets:Cash", "accounts.bank": "Assets:Bank",
    "accounts.receivable": "Assets:Receivable", "accounts.deferred": "Liabilities:DeferredRevenue",
}


def storage_of(root: Path) -> dict[str, str]:
    """The `storage.url` setting a store on PostgreSQL shows; a file store shows none."""
    url = database_url_of(root)
    return {} if url is None else {"storage.url": url}


def test_init_creates_bookctl_toml_with_the_business(bookctl, tmp_path):
    root = tmp_path / "studio"
    result = bookctl("init", root, "--business", "Studio Verde", "--currency", "EUR", "--timezone", "Europe/Rome",
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    shown = result.json()
    assert re.fullmatch(r"[0-9a-f]{32}", shown.pop("store.id"))  # born with its id (calendar and card UIDs)
    assert shown == {
        "store": str(root.resolve()),
        **storage_of(root),
        "schema_version": 1,
        "business.name": "Studio Verde",
        "business.currency": "EUR",
        "business.timezone": "Europe/Rome",
        "policy.cancellation_window_hours": 24,
        "store.lock_timeout_seconds": 10,
        "contacts.attachment_max_bytes": 26214400,
        "email.mode": "outbox",
        "email.security": "starttls",
        "email.language": "en",
        "schedule.horizon_weeks": 12,
        "remind.offsets": ["24h"],
        "waitlist.mode": "auto",
        "waitlist.hold_hours": 12,
        "waitlist.cutoff_hours": 2,
        "hooks.timeout_seconds": 10,
        **DEFAULT_ACCOUNTS,
    }
    settings = read_toml(root)
    assert settings["schema_version"] == 1
    assert settings["business"] == {"name": "Studio Verde", "currency": "EUR", "timezone": "Europe/Rome"}


def test_init_without_a_directory_makes_the_working_directory_a_store(bookctl, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = bookctl("init", "--business", "Studio Verde", "--currency", "EUR", "--timezone", "Europe/Rome")
    assert result.exit_code == 0, result.stderr
    assert read_toml(tmp_path)["business"]["name"] == "Studio Verde"


@pytest.mark.parametrize("where", ["before", "after"])
def test_init_creates_the_store_that_store_names_before_or_after_the_command(bookctl, tmp_path, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "studio"
    args = ("init", "--business", "Studio Verde")
    result = bookctl(*(("--store", root, *args) if where == "before" else (*args, "--store", root)))
    assert result.exit_code == 0, result.stderr
    assert read_toml(root)["business"]["name"] == "Studio Verde"
    assert not (tmp_path / "bookctl.toml").exists(), "the working directory must not become a store"


def test_init_with_a_directory_and_another_store_is_exit_2_and_creates_nothing(bookctl, tmp_path):
    result = bookctl("init", tmp_path / "a", "--store", tmp_path / "b", "--business", "Studio Verde")
    assert result.exit_code == 2
    assert "two directories" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_init_upper_cases_the_currency(bookctl, tmp_path):
    root = tmp_path / "studio"
    result = bookctl("init", root, "--business", "Studio Verde", "--currency", "eur", "--timezone", "Europe/Rome")
    assert result.exit_code == 0, result.stderr
    assert read_toml(root)["business"]["currency"] == "EUR"


def test_init_refuses_a_directory_that_already_holds_a_store(bookctl, store):
    before = tree_digest(store)
    result = bookctl("init", store, "--business", "Another Studio", "--currency", "EUR", "--timezone", "Europe/Rome")
    assert result.exit_code == 1
    assert result.stderr == f"error: {store} already holds a bookctl store\n"
    assert result.stdout == ""
    assert tree_digest(store) == before
    assert read_toml(store)["business"]["name"] == "Studio Verde"


@pytest.mark.parametrize("currency", ["XXX", "euro"])
def test_init_refuses_an_unknown_currency_and_creates_nothing(bookctl, tmp_path, currency):
    root = tmp_path / "studio"
    result = bookctl("init", root, "--business", "Studio Verde", "--currency", currency, "--timezone", "Europe/Rome")
    assert result.exit_code == 2
    assert result.stderr == f"error: unknown currency {currency!r}; use an ISO 4217 code such as EUR, USD, GBP, JPY\n"
    assert not root.exists()


def test_init_refuses_an_unknown_timezone_and_creates_nothing(bookctl, tmp_path):
    root = tmp_path / "studio"
    result = bookctl("init", root, "--business", "Studio Verde", "--currency", "EUR", "--timezone", "Mars/Olympus")
    assert result.exit_code == 2
    assert result.stderr == "error: unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Rome\n"
    assert not root.exists()


@pytest.mark.parametrize("business", ["", "   "])
def test_init_refuses_an_empty_business_name_and_creates_nothing(bookctl, tmp_path, business):
    root = tmp_path / "studio"
    result = bookctl("init", root, "--business", business, "--currency", "EUR", "--timezone", "Europe/Rome")
    assert result.exit_code == 2
    assert result.stderr == "error: --business must not be empty\n"
    assert not root.exists()


def test_init_requires_a_business_name(bookctl, tmp_path):
    root = tmp_path / "studio"
    result = bookctl("init", root, "--currency", "EUR", "--timezone", "Europe/Rome")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "--business" in result.stderr
    assert not (root / "bookctl.toml").exists()


# --- config -----------------------------------------------------------------------------------------


def test_config_show_lists_every_setting(bookctl, store):
    result = bookctl("config", "show", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    shown = result.json()
    assert re.fullmatch(r"[0-9a-f]{32}", shown.pop("store.id"))
    assert shown == {
        **storage_of(store),
        "schema_version": 1,
        "business.name": "Studio Verde",
        "business.currency": "EUR",
        "business.timezone": "Europe/Rome",
        "policy.cancellation_window_hours": 24,
        "store.lock_timeout_seconds": 10,
        "contacts.attachment_max_bytes": 26214400,
        "email.mode": "outbox",
        "email.security": "starttls",
        "email.language": "en",
        "schedule.horizon_weeks": 12,
        "remind.offsets": ["24h"],
        "waitlist.mode": "auto",
        "waitlist.hold_hours": 12,
        "waitlist.cutoff_hours": 2,
        "hooks.timeout_seconds": 10,
        **DEFAULT_ACCOUNTS,
    }


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("business.name", "  Studio Blu ", "Studio Blu"),
    ("business.timezone", "Europe/Amsterdam", "Europe/Amsterdam"),
    ("policy.cancellation_window_hours", "48", 48),
    ("store.lock_timeout_seconds", "30", 30),
    ("contacts.attachment_max_bytes", "1024", 1024),
    ("accounts.income", " Income:Sales ", "Income:Sales"),
    ("accounts.clearing", "Assets:Card-Processors", "Assets:Card-Processors"),
])
def test_config_set_changes_the_setting_and_saves_it(bookctl, store, key, value, expected):
    result = bookctl("config", "set", key, value, "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()[key] == expected
    assert bookctl("config", "show", "--store", store, "--format", "json").json()[key] == expected
    section, name = key.split(".")
    assert read_toml(store)[section][name] == expected


def test_config_set_currency_on_a_store_without_services(bookctl, tmp_path):
    root = tmp_path / "studio"
    assert bookctl("init", root, "--business", "Sakura", "--currency", "EUR", "--timezone", "Asia/Tokyo").exit_code == 0
    result = bookctl("config", "set", "business.currency", "jpy", "--store", root, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["business.currency"] == "JPY"
    assert read_toml(root)["business"]["currency"] == "JPY"


def test_config_set_currency_is_refused_once_services_exist(bookctl, store):
    before = tree_digest(store)
    result = bookctl("config", "set", "business.currency", "USD", "--store", store)
    assert result.exit_code == 1
    assert result.stderr == ("error: cannot change the currency of a store that has services; "
                             "their prices are in EUR\n")
    assert tree_digest(store) == before


def test_config_set_unknown_key_is_exit_2_and_names_the_settable_keys(bookctl, store):
    before = tree_digest(store)
    result = bookctl("config", "set", "business.colour", "green", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == ("error: unknown setting 'business.colour'; settable keys: business.name, "
                             "business.timezone, business.currency, policy.cancellation_window_hours, "
                             "store.lock_timeout_seconds, storage.url, contacts.attachment_max_bytes, providers.NAME.api_base, "
                             "providers.NAME.currency, providers.NAME.timeout_seconds, "
                             "email.mode, email.host, email.port, email.security, email.username, email.sender, "
                             "email.language, hours.DAY, hours, schedule.horizon_weeks, remind.offsets, "
                             "waitlist.mode, waitlist.hold_hours, waitlist.cutoff_hours, hooks.timeout_seconds, "
                             "accounts.income, accounts.refunds, accounts.cancellation_fees, accounts.no_show_fees, "
                             "accounts.clearing, accounts.cash, accounts.bank, accounts.receivable, accounts.deferred\n")
    assert tree_digest(store) == before


@pytest.mark.parametrize(("key", "value", "message"), [
    ("business.name", "   ", "business.name must not be empty"),
    ("business.timezone", "Mars/Olympus", "unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Rome"),
    ("business.currency", "XXX", "unknown currency 'XXX'; use an ISO 4217 code such as EUR, USD, GBP, JPY"),
    ("policy.cancellation_window_hours", "soon", "policy.cancellation_window_hours must be a whole number, not 'soon'"),
    ("policy.cancellation_window_hours", "9000", "policy.cancellation_window_hours must be between 0 and 8760"),
    ("store.lock_timeout_seconds", "4000", "store.lock_timeout_seconds must be between 0 and 3600"),
    ("store.lock_timeout_seconds", "1.5", "store.lock_timeout_seconds must be a whole number, not '1.5'"),
])
def test_config_set_refuses_a_bad_value_and_changes_nothing(bookctl, store, key, value, message):
    before = tree_digest(store)
    result = bookctl("config", "set", key, value, "--store", store)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    assert tree_digest(store) == before


# --- service add --------------------------------------------------------------------------------------


def test_service_add_prints_the_service_and_saves_it_in_bookctl_toml(bookctl, store):
    result = bookctl("service", "add", "Pilates Reformer", "--kind", "class", "--capacity", "6", "--price", "32.50",
                     "--duration", "50", "--deposit", "10", "--cancellation-window-hours", "12", "--store", store,
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {
        "id": "pilates-reformer", "name": "Pilates Reformer", "kind": "class",
        "price": {"amount": "32.50", "currency": "EUR"}, "duration_minutes": 50, "capacity": 6,
        "deposit": {"amount": "10.00", "currency": "EUR"}, "cancellation_fee": None, "no_show_fee": None,
        "cancellation_window_hours": 12, "buffer_before_minutes": 0, "buffer_after_minutes": 0,
        "min_notice_hours": 0, "max_days_ahead": None, "staff_ids": [], "waitlist_size": None,
        "credit_forfeit": "late_and_no_show", "archived": False,
    }
    saved = read_toml(store)["services"]["pilates-reformer"]
    assert saved["price"] == "32.50"
    assert saved["capacity"] == 6


def test_service_add_appointment_has_one_place_and_its_policy(bookctl, store):
    shown = bookctl("service", "show", "physiotherapy", "--store", store, "--format", "json").json()
    assert shown["kind"] == "appointment"
    assert shown["capacity"] == 1
    assert shown["price"] == {"amount": "65.00", "currency": "EUR"}
    assert shown["deposit"] == {"amount": "20.00", "currency": "EUR"}
    assert shown["cancellation_fee"] == {"amount": "25.00", "currency": "EUR"}
    assert shown["no_show_fee"] == {"amount": "30.00", "currency": "EUR"}
    assert shown["cancellation_window_hours"] == 24


@pytest.mark.parametrize("kind", ["class", "course"])
def test_service_add_class_or_course_without_capacity_has_ten_places(bookctl, store, kind):
    result = bookctl("service", "add", "Prenatal Yoga", "--kind", kind, "--price", "120", "--duration", "75",
                     "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert (result.json()["kind"], result.json()["capacity"]) == (kind, 10)
    assert read_toml(store)["services"]["prenatal-yoga"]["kind"] == kind


def test_service_add_takes_the_policy_window_from_the_store_default(bookctl, store):
    assert bookctl("config", "set", "policy.cancellation_window_hours", "48", "--store", store).exit_code == 0
    result = bookctl("service", "add", "Sports Massage", "--price", "70", "--duration", "60", "--store", store,
                     "--format", "json")
    assert result.json()["cancellation_window_hours"] == 48


def test_service_add_refuses_an_unknown_kind(bookctl, store):
    before = tree_digest(store)
    result = bookctl("service", "add", "Pottery", "--kind", "workshop", "--price", "40", "--duration", "90",
                     "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: --kind 'workshop' is not one of appointment, class, course\n"
    assert tree_digest(store) == before


def test_appointment_with_more_than_one_place_is_exit_2(bookctl, store):
    before = tree_digest(store)
    result = bookctl("service", "add", "Couples Massage", "--price", "90", "--duration", "60", "--capacity", "2",
                     "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: an appointment has one client; use --kind class for more places\n"
    assert tree_digest(store) == before


def test_class_with_no_places_is_exit_2(bookctl, store):
    before = tree_digest(store)
    result = bookctl("service", "add", "Empty Class", "--kind", "class", "--capacity", "0", "--price", "10",
                     "--duration", "60", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: --capacity must be between 1 and 10000\n"
    assert tree_digest(store) == before


@pytest.mark.parametrize("option", ["--deposit", "--cancellation-fee", "--no-show-fee"])
def test_policy_amount_larger_than_the_price_is_exit_2(bookctl, store, option):
    before = tree_digest(store)
    result = bookctl("service", "add", "Sports Massage", "--price", "65", "--duration", "60", option, "70",
                     "--store", store)
    assert result.exit_code == 2
    assert result.stderr == f"error: {option} 70.00 EUR is more than the price 65.00 EUR\n"
    assert tree_digest(store) == before


def test_policy_amount_equal_to_the_price_is_accepted(bookctl, store):
    result = bookctl("service", "add", "Sports Massage", "--price", "70", "--duration", "60", "--no-show-fee", "70",
                     "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["no_show_fee"] == {"amount": "70.00", "currency": "EUR"}


def test_price_with_more_decimals_than_the_currency_has_is_exit_2(bookctl, store):
    before = tree_digest(store)
    result = bookctl("service", "add", "Sports Massage", "--price", "10.123", "--duration", "60", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: --price '10.123' has more than 2 decimals, which EUR does not allow\n"
    assert tree_digest(store) == before


def test_price_with_decimals_in_a_zero_decimal_currency_is_exit_2(bookctl, tmp_path):
    root = tmp_path / "studio"
    assert bookctl("init", root, "--business", "Sakura", "--currency", "JPY", "--timezone", "Asia/Tokyo").exit_code == 0
    before = tree_digest(root)
    result = bookctl("service", "add", "Shiatsu", "--price", "4500.5", "--duration", "60", "--store", root)
    assert result.exit_code == 2
    assert result.stderr == "error: --price '4500.5' has more than 0 decimals, which JPY does not allow\n"
    assert tree_digest(root) == before


def test_price_that_is_not_a_number_is_exit_2(bookctl, store):
    before = tree_digest(store)
    result = bookctl("service", "add", "Sports Massage", "--price", "abc", "--duration", "60", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: --price 'abc' is not a number; write it like 19.90\n"
    assert tree_digest(store) == before


def test_negative_price_is_exit_2(bookctl, store):
    before = tree_digest(store)
    result = bookctl("service", "add", "Sports Massage", "--price", "-5", "--duration", "60", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: --price '-5' is negative\n"
    assert tree_digest(store) == before


def test_price_with_a_huge_exponent_is_exit_2_not_an_internal_error(bookctl, store):
    before = tree_digest(store)
    result = bookctl("service", "add", "Sports Massage", "--price", "1e999999999", "--duration", "60",
                     "--store", store)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --price '1e999999999' ")
    assert "internal error" not in result.stderr
    assert tree_digest(store) == before


def test_duration_out_of_range_is_exit_2(bookctl, store):
    before = tree_digest(store)
    result = bookctl("service", "add", "Sports Massage", "--price", "70", "--duration", "0", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: --duration must be between 1 and 1440 minutes\n"
    assert tree_digest(store) == before


# --- service list / show ------------------------------------------------------------------------------


def test_service_list_lists_every_service(bookctl, store):
    result = bookctl("service", "list", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [(s["id"], s["kind"], s["capacity"]) for s in result.json()] == [
        ("physiotherapy", "appointment", 1), ("yoga-flow", "class", 3)]


def test_service_show_finds_a_service_by_its_name_in_any_case(bookctl, store):
    result = bookctl("service", "show", "yoga FLOW", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["id"] == "yoga-flow"


@pytest.mark.parametrize("command", [("show",), ("edit", "--price", "10"), ("remove",)])
def test_unknown_service_is_exit_3(bookctl, store, command):
    before = tree_digest(store)
    result = bookctl("service", command[0], "pottery", *command[1:], "--store", store)
    assert result.exit_code == 3
    assert result.stderr == "error: no service 'pottery'; see 'bookctl service list'\n"
    assert tree_digest(store) == before


# --- service edit -------------------------------------------------------------------------------------


def test_service_edit_changes_what_it_is_told_and_keeps_the_rest(bookctl, store):
    result = bookctl("service", "edit", "physiotherapy", "--price", "70", "--duration", "50", "--store", store,
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    edited = result.json()
    assert edited["price"] == {"amount": "70.00", "currency": "EUR"}
    assert edited["duration_minutes"] == 50
    assert edited["deposit"] == {"amount": "20.00", "currency": "EUR"}
    saved = read_toml(store)["services"]["physiotherapy"]
    assert (saved["price"], saved["duration_minutes"], saved["deposit"]) == ("70.00", 50, "20.00")


def test_service_edit_renames_and_the_new_name_finds_it(bookctl, store):
    assert bookctl("service", "edit", "yoga-flow", "--name", "Vinyasa Flow", "--store", store).exit_code == 0
    result = bookctl("service", "show", "Vinyasa Flow", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert (result.json()["id"], result.json()["name"]) == ("yoga-flow", "Vinyasa Flow")


def test_service_edit_price_below_the_deposit_is_exit_2(bookctl, store):
    before = tree_digest(store)
    result = bookctl("service", "edit", "physiotherapy", "--price", "10", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: deposit 20.00 EUR would be more than the price 10.00 EUR\n"
    assert tree_digest(store) == before


def test_service_edit_deposit_zero_removes_the_deposit(bookctl, store):
    result = bookctl("service", "edit", "physiotherapy", "--deposit", "0", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["deposit"] is None
    assert "deposit" not in read_toml(store)["services"]["physiotherapy"]


def test_service_edit_appointment_capacity_above_one_is_exit_2(bookctl, store):
    before = tree_digest(store)
    result = bookctl("service", "edit", "physiotherapy", "--capacity", "4", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: an appointment has one client; use --kind class for more places\n"
    assert tree_digest(store) == before


def test_service_edit_price_leaves_existing_bookings_at_their_price(bookctl, store):
    contact = add_contact(bookctl, store)
    booked = bookctl("session", "book", "--service", "physiotherapy", "--contact", contact, "--start",
                     "2026-11-24 10:00", "--store", store, "--format", "json").json()
    assert bookctl("service", "edit", "physiotherapy", "--price", "80", "--store", store).exit_code == 0
    shown = bookctl("session", "show", booked["id"], "--store", store, "--format", "json").json()
    assert shown["price"] == {"amount": "65.00", "currency": "EUR"}


# --- service remove -----------------------------------------------------------------------------------


def test_service_remove_archives_the_service(bookctl, store):
    result = bookctl("service", "remove", "yoga-flow", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["archived"] is True
    assert read_toml(store)["services"]["yoga-flow"]["archived"] is True


def test_removed_service_is_hidden_from_service_list(bookctl, store):
    assert bookctl("service", "remove", "yoga-flow", "--store", store).exit_code == 0
    listed = bookctl("service", "list", "--store", store, "--format", "json").json()
    assert [s["id"] for s in listed] == ["physiotherapy"]


def test_removed_service_is_listed_with_all(bookctl, store):
    assert bookctl("service", "remove", "yoga-flow", "--store", store).exit_code == 0
    listed = bookctl("service", "list", "--all", "--store", store, "--format", "json").json()
    assert [(s["id"], s["archived"]) for s in listed] == [("physiotherapy", False), ("yoga-flow", True)]


def test_booking_a_removed_service_is_exit_1(bookctl, store):
    contact = add_contact(bookctl, store)
    assert bookctl("service", "remove", "Physiotherapy", "--store", store).exit_code == 0
    before = tree_digest(store)
    result = bookctl("session", "book", "--service", "physiotherapy", "--contact", contact, "--start",
                     "2026-11-24 10:00", "--store", store)
    assert result.exit_code == 1
    assert result.stderr == ("error: service physiotherapy was removed and cannot be booked; "
                             "'bookctl service edit physiotherapy --restore' brings it back\n")
    assert tree_digest(store) == before


def test_scheduling_a_class_of_a_removed_service_is_exit_1(bookctl, store):
    assert bookctl("service", "remove", "yoga-flow", "--store", store).exit_code == 0
    before = tree_digest(store)
    result = bookctl("session", "add", "--service", "yoga-flow", "--start", "2026-11-24 18:00", "--store", store)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: service yoga-flow was removed and cannot be booked")
    assert tree_digest(store) == before


def test_removed_service_keeps_its_bookings(bookctl, store):
    contact = add_contact(bookctl, store)
    booked = bookctl("session", "book", "--service", "physiotherapy", "--contact", contact, "--start",
                     "2026-11-24 10:00", "--store", store, "--format", "json").json()
    assert bookctl("service", "remove", "physiotherapy", "--store", store).exit_code == 0
    listed = bookctl("session", "list", "--day", "2026-11-24", "--store", store, "--format", "json").json()
    assert [(b["id"], b["status"]) for b in listed] == [(booked["id"], "confirmed")]


def test_service_edit_restore_makes_a_removed_service_bookable_again(bookctl, store):
    contact = add_contact(bookctl, store)
    assert bookctl("service", "remove", "physiotherapy", "--store", store).exit_code == 0
    restored = bookctl("service", "edit", "physiotherapy", "--restore", "--store", store, "--format", "json")
    assert restored.exit_code == 0, restored.stderr
    assert restored.json()["archived"] is False
    listed = bookctl("service", "list", "--store", store, "--format", "json").json()
    assert [s["id"] for s in listed] == ["physiotherapy", "yoga-flow"]
    booked = bookctl("session", "book", "--service", "physiotherapy", "--contact", contact, "--start",
                     "2026-11-24 10:00", "--store", store, "--format", "json")
    assert booked.exit_code == 0, booked.stderr
    assert booked.json()["service_id"] == "physiotherapy"


# --- staff --------------------------------------------------------------------------------------------


def test_staff_add_prints_the_member_and_saves_it(bookctl, store):
    result = bookctl("staff", "add", "Camille Lefèvre", "--email", "camille@studio.example", "--store", store,
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {"id": "camille-lefevre", "name": "Camille Lefèvre", "email": "camille@studio.example",
                             "hours": None, "archived": False}
    assert read_toml(store)["staff"]["camille-lefevre"] == {"id": "camille-lefevre", "name": "Camille Lefèvre",
                                                            "email": "camille@studio.example", "archived": False}


def test_staff_list_lists_every_member(bookctl, store):
    result = bookctl("staff", "list", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == [
        {"id": "giulia-romano", "name": "Giulia Romano", "email": "giulia@studio.example", "hours": None,
         "archived": False},
        {"id": "sanne-de-vries", "name": "Sanne de Vries", "email": None, "hours": None, "archived": False},
    ]


def test_staff_add_refuses_a_bad_email(bookctl, store):
    before = tree_digest(store)
    result = bookctl("staff", "add", "Camille Lefèvre", "--email", "camille.at.studio", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: --email 'camille.at.studio' is not an email address\n"
    assert tree_digest(store) == before


def test_staff_add_refuses_an_empty_name(bookctl, store):
    before = tree_digest(store)
    result = bookctl("staff", "add", "  ", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: the staff name must not be empty\n"
    assert tree_digest(store) == before


def test_staff_whose_name_makes_a_taken_id_gets_a_distinct_id(bookctl, store):
    # "Giulia-Romano" is another name (the same one is refused) whose slug is the same id.
    result = bookctl("staff", "add", "Giulia-Romano", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["id"] == "giulia-romano-2"
    assert set(read_toml(store)["staff"]) == {"giulia-romano", "sanne-de-vries", "giulia-romano-2"}


def test_staff_without_latin_letters_gets_a_numbered_id(bookctl, store):
    result = bookctl("staff", "add", "Анна Смирнова", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {"id": "staff-3", "name": "Анна Смирнова", "email": None, "hours": None,
                             "archived": False}


def test_config_set_remind_offsets_keeps_them_in_order_and_refuses_a_bad_one(bookctl, store):  # noqa: ANN001
    done = bookctl("config", "set", "remind.offsets", "24h, 2H", "--store", store, "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert done.json()["remind.offsets"] == ["24h", "2h"]
    bad = bookctl("config", "set", "remind.offsets", "soon", "--store", store)
    assert (bad.exit_code, bad.stderr) == (2, "error: remind.offsets: 'soon' is not a duration; use a number with d, "
                                               "h or m, such as 24h, 90m or 1h30m\n")
