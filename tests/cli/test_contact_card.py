"""The contact card (issue #5): extra and custom fields, labels, notes, tasks, history, `contact show`."""

from __future__ import annotations

import tomllib
import json
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import NOW, database_url_of, stored_bytes, tree_digest



def ok(bookctl, *args):  # noqa: ANN001, ANN201
    """Run a command that must succeed with --format json; its JSON."""
    result = bookctl(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def add_contact(bookctl, store: Path, first_name: str, *options: str) -> dict:  # noqa: ANN001
    return ok(bookctl, "contact", "add", "--first-name", first_name, *options, "--store", store)


def show(bookctl, store: Path, contact_id: str) -> dict:  # noqa: ANN001
    return ok(bookctl, "contact", "show", contact_id, "--store", store)


def refused(bookctl, store: Path, code: int, *args: str) -> str:  # noqa: ANN001
    """Run a command that must be refused with `code` and change no file; its error line."""
    before = tree_digest(store)
    result = bookctl(*args, "--store", store)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert tree_digest(store) == before
    return result.stderr


# --- extra fields ------------------------------------------------------------------------------------


def test_add_field_email_phone_address_add_another_one_each(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë", "--email", "zoe@example.com", "--phone", "+33 6 12 34 56 78")
    ok(bookctl, "contact", "add-field", zoe["id"], "email", "zoe.work@example.com", "--store", store)
    ok(bookctl, "contact", "add-field", zoe["id"], "phone", "+33 1 44 55 66 77", "--store", store)
    ok(bookctl, "contact", "add-field", zoe["id"], "address", "3 quai Voltaire, Paris", "--store", store)
    again = ok(bookctl, "contact", "add-field", zoe["id"], "email", "zoe.work@example.com", "--store", store)
    assert again["email"] == "zoe@example.com"
    assert again["emails"] == ["zoe.work@example.com"]
    assert again["phones"] == ["+33 1 44 55 66 77"]
    assert again["addresses"] == ["3 quai Voltaire, Paris"]
    assert show(bookctl, store, zoe["id"])["emails"] == ["zoe.work@example.com"]


def test_add_field_sets_company_position_language_tax_id_and_birthday(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    for field, value in [("company", "Atelier Lumière"), ("position", "Directrice"), ("language", "PT-br"),
                         ("tax-id", "FR 123.456/78"), ("birthday", "1990-02-28")]:
        ok(bookctl, "contact", "add-field", zoe["id"], field, value, "--store", store)
    card = show(bookctl, store, zoe["id"])
    assert (card["company"], card["position"], card["language"], card["tax_id"], card["birthday"]) == (
        "Atelier Lumière", "Directrice", "pt-BR", "FR 123.456/78", "1990-02-28")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("email", "zoe-at-example", "email 'zoe-at-example' is not an email address"),
    ("phone", "call me", "phone 'call me' is not a phone number"),
    ("language", "french", "language 'french' is not a BCP 47 language tag, such as fr, pt-BR or zh-Hant"),
    ("birthday", "2026-11-24", "birthday 2026-11-24 is in the future"),
    ("birthday", "1990-02-30", "birthday '1990-02-30' is not a valid date; use YYYY-MM-DD"),
    ("tax-id", "<script>", "tax-id '<script>' is not a tax ID: use letters, digits, spaces, '.', '-' or '/'"),
    ("company", "  ", "company must not be empty"),
])
def test_add_field_refuses_an_invalid_value_naming_the_field_and_value(bookctl, store, field, value, message):
    zoe = add_contact(bookctl, store, "Zoë")
    assert refused(bookctl, store, 2, "contact", "add-field", zoe["id"], field, value) == f"error: {message}\n"


def test_birthday_today_is_accepted(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    assert ok(bookctl, "contact", "add-field", zoe["id"], "birthday", "2026-11-23", "--store", store)["birthday"] == "2026-11-23"


def test_contact_add_and_edit_take_the_extra_details_too(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë", "--company", "Acme", "--language", "fr")
    edited = ok(bookctl, "contact", "edit", zoe["id"], "--position", "CEO", "--birthday", "1985-06-01", "--store", store)
    assert (edited["company"], edited["language"], edited["position"], edited["birthday"]) == ("Acme", "fr", "CEO", "1985-06-01")
    refused(bookctl, store, 2, "contact", "edit", zoe["id"], "--birthday", "2030-01-01")


def test_remove_field_takes_a_value_off_the_card(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë", "--company", "Acme")
    for value in ("a@example.com", "b@example.com"):
        ok(bookctl, "contact", "add-field", zoe["id"], "email", value, "--store", store)
    ok(bookctl, "contact", "add-field", zoe["id"], "Dog", "Rex", "--type", "text", "--store", store)
    refused(bookctl, store, 2, "contact", "remove-field", zoe["id"], "email")  # which one?
    card = ok(bookctl, "contact", "remove-field", zoe["id"], "email", "B@example.com", "--store", store)
    assert card["emails"] == ["a@example.com"]
    assert ok(bookctl, "contact", "remove-field", zoe["id"], "company", "--store", store)["company"] is None
    assert ok(bookctl, "contact", "remove-field", zoe["id"], "dog", "--store", store)["custom_fields"] == {}
    refused(bookctl, store, 1, "contact", "remove-field", zoe["id"], "company")
    refused(bookctl, store, 1, "contact", "remove-field", zoe["id"], "Dog")
    assert ok(bookctl, "field", "list", "--store", store) == [{"name": "Dog", "type": "text"}]


# --- custom fields ------------------------------------------------------------------------------------


def test_custom_field_is_defined_on_first_use_and_listed(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    marco = add_contact(bookctl, store, "Marco")
    card = ok(bookctl, "contact", "add-field", zoe["id"], "Dog breed", "Border collie", "--type", "text", "--store", store)
    assert card["custom_fields"] == {"Dog breed": "Border collie"}
    # Defined now: later uses need no --type, and any case of the name finds it.
    again = ok(bookctl, "contact", "add-field", marco["id"], "dog BREED", "Beagle", "--store", store)
    assert again["custom_fields"] == {"Dog breed": "Beagle"}
    ok(bookctl, "contact", "add-field", zoe["id"], "Weight kg", "12.5", "--type", "number", "--store", store)
    assert ok(bookctl, "field", "list", "--store", store) == [
        {"name": "Dog breed", "type": "text"}, {"name": "Weight kg", "type": "number"}]
    with (store / "bookctl.toml").open("rb") as handle:
        assert tomllib.load(handle)["fields"] == {"Dog breed": "text", "Weight kg": "number"}


def test_field_list_of_a_new_store_is_empty(bookctl, store):
    assert ok(bookctl, "field", "list", "--store", store) == []


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("number", "abc", "Vet visits 'abc' is not a number"),
    ("number", "1,5", "Vet visits '1,5' is not a number"),
    ("date", "2026-02-30", "Vet visits '2026-02-30' is not a valid date; use YYYY-MM-DD"),
    ("url", "example.com", "Vet visits 'example.com' is not a URL; give a scheme and a host, such as https://example.com"),
    ("url", "https://", "Vet visits 'https://' is not a URL; give a scheme and a host, such as https://example.com"),
])
def test_custom_field_value_is_checked_by_type_and_nothing_is_written(bookctl, store, kind, value, message):
    zoe = add_contact(bookctl, store, "Zoë")
    error = refused(bookctl, store, 2, "contact", "add-field", zoe["id"], "Vet visits", value, "--type", kind)
    assert error == f"error: {message}\n"
    assert ok(bookctl, "field", "list", "--store", store) == []


def test_defined_custom_field_checks_every_later_use(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    ok(bookctl, "contact", "add-field", zoe["id"], "Next check", "2027-01-15", "--type", "date", "--store", store)
    refused(bookctl, store, 2, "contact", "add-field", zoe["id"], "Next check", "2027-13-01")
    assert show(bookctl, store, zoe["id"])["custom_fields"] == {"Next check": "2027-01-15"}


def test_unknown_custom_field_without_type_is_exit_2(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    error = refused(bookctl, store, 2, "contact", "add-field", zoe["id"], "Shoe size", "42")
    assert "define it with --type text|number|date|url" in error


def test_custom_field_cannot_change_type(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    ok(bookctl, "contact", "add-field", zoe["id"], "Shoe size", "42", "--type", "number", "--store", store)
    error = refused(bookctl, store, 2, "contact", "add-field", zoe["id"], "Shoe size", "big", "--type", "text")
    assert error == "error: field 'Shoe size' is already defined as number, not text\n"


def test_type_is_refused_for_a_built_in_field_and_bad_types_too(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    refused(bookctl, store, 2, "contact", "add-field", zoe["id"], "company", "Acme", "--type", "text")
    refused(bookctl, store, 2, "contact", "add-field", zoe["id"], "Size", "3", "--type", "float")


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(whole=st.integers(-10**12, 10**12), frac=st.none() | st.integers(0, 10**6),
       junk=st.text(alphabet="abcxyz,;€ ", min_size=1, max_size=4))
def test_number_fields_keep_decimals_as_typed_and_refuse_anything_else(bookctl, store, whole, frac, junk):
    zoe = "c-1" if (store / "data" / "contacts").exists() else add_contact(bookctl, store, "Zoë")["id"]
    typed = str(whole) if frac is None else f"{whole}.{frac}"
    # `--` ends the options, as for any command, so that a negative number is not read as one.
    result = bookctl("contact", "add-field", "--type", "number", "--store", store, "--format", "json", "--", zoe, "Score", typed)
    assert result.exit_code == 0, result.stderr
    assert result.json()["custom_fields"]["Score"] == typed
    bad = bookctl("contact", "add-field", "--store", store, "--", zoe, "Score", typed + junk.strip() + "x")
    assert bad.exit_code == 2


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scheme=st.sampled_from(["http", "https", "ftp"]),
       host=st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z]{2,5}){1,2}", fullmatch=True),
       path=st.from_regex(r"(/[a-z0-9_-]{1,8}){0,3}", fullmatch=True))
def test_url_fields_accept_a_scheme_and_host_and_refuse_either_missing(bookctl, store, scheme, host, path):
    zoe = "c-1" if (store / "data" / "contacts").exists() else add_contact(bookctl, store, "Zoë")["id"]
    url = f"{scheme}://{host}{path}"
    assert ok(bookctl, "contact", "add-field", zoe, "Site", url, "--type", "url", "--store", store)["custom_fields"]["Site"] == url
    assert bookctl("contact", "add-field", zoe, "Site", f"{host}{path}", "--store", store).exit_code == 2
    assert bookctl("contact", "add-field", zoe, "Site", f"{scheme}://{path}", "--store", store).exit_code == 2


# --- duplicates ---------------------------------------------------------------------------------------


def test_second_contact_with_the_same_email_is_refused_unless_allowed(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë", "--email", "zoe@example.com")
    error = refused(bookctl, store, 1, "contact", "add", "--first-name", "Zoe", "--email", "ZOE@example.com")
    assert error == (f"error: contact {zoe['id']} (Zoë) already has the email zoe@example.com; "
                     "pass --allow-duplicate to keep both\n")
    twin = add_contact(bookctl, store, "Zoe", "--email", "zoe@example.com", "--allow-duplicate")
    assert twin["email"] == "zoe@example.com"


def test_edit_to_another_contacts_email_is_refused_unless_allowed(bookctl, store):
    add_contact(bookctl, store, "Zoë", "--email", "zoe@example.com")
    marco = add_contact(bookctl, store, "Marco", "--email", "marco@example.com")
    refused(bookctl, store, 1, "contact", "edit", marco["id"], "--email", "zoe@example.com")
    ok(bookctl, "contact", "edit", marco["id"], "--email", "MARCO@example.com", "--store", store)
    ok(bookctl, "contact", "edit", marco["id"], "--email", "zoe@example.com", "--allow-duplicate", "--store", store)


def test_duplicate_check_opens_only_the_email_index_and_the_matching_contacts(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë", "--email", "zoe@example.com")
    shard = store / "data" / "contacts" / "00001.json"
    shard.parent.mkdir(parents=True, exist_ok=True)
    shard.write_text("{ damaged", encoding="utf-8")  # a shard a scan of every contact would trip over
    refused(bookctl, store, 1, "contact", "add", "--first-name", "Zoe", "--email", "Zoe@Example.com")
    assert add_contact(bookctl, store, "Marco", "--email", "marco@example.com")["id"] == "c-2"
    assert zoe["id"] == "c-1"


@pytest.mark.backends("files")  # about the files themselves
def test_store_without_an_email_index_still_refuses_duplicates_and_gets_one(bookctl, store):
    import shutil

    add_contact(bookctl, store, "Zoë", "--email", "zoe@example.com")
    add_contact(bookctl, store, "Marco", "--email", "marco@example.com")
    shutil.rmtree(store / "data" / "emails")  # as a store written before the index existed
    refused(bookctl, store, 1, "contact", "add", "--first-name", "Zoe", "--email", "zoe@example.com")
    add_contact(bookctl, store, "Noa", "--email", "noa@example.com")  # indexes the whole store
    assert (store / "data" / "emails" / "index.json").is_file()
    refused(bookctl, store, 1, "contact", "edit", "c-3", "--email", "MARCO@example.com")


def test_email_index_follows_edits_and_deletes(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë", "--email", "zoe@example.com")
    ok(bookctl, "contact", "edit", zoe["id"], "--email", "zoe.new@example.com", "--store", store)
    add_contact(bookctl, store, "Other", "--email", "zoe@example.com")  # the old address is free again
    refused(bookctl, store, 1, "contact", "add", "--first-name", "Z", "--email", "zoe.new@example.com")
    ok(bookctl, "contact", "delete", zoe["id"], "--yes", "--store", store)
    add_contact(bookctl, store, "Z", "--email", "zoe.new@example.com")


# --- labels and search --------------------------------------------------------------------------------


def test_label_and_unlabel(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    assert ok(bookctl, "contact", "label", zoe["id"], "VIP", "Newsletter", "--store", store)["labels"] == ["VIP", "Newsletter"]
    assert ok(bookctl, "contact", "label", zoe["id"], "vip", "--store", store)["labels"] == ["VIP", "Newsletter"]
    assert ok(bookctl, "contact", "unlabel", zoe["id"], "newsletter", "--store", store)["labels"] == ["VIP"]
    assert show(bookctl, store, zoe["id"])["labels"] == ["VIP"]


def test_unlabel_of_a_label_the_contact_lacks_is_exit_1_and_changes_nothing(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    ok(bookctl, "contact", "label", zoe["id"], "VIP", "--store", store)
    error = refused(bookctl, store, 1, "contact", "unlabel", zoe["id"], "VIP", "Gold")
    assert error == f"error: contact {zoe['id']} has no label 'Gold' (its labels: VIP)\n"


def test_label_list_counts_contacts_per_label_including_automatic_ones(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    marco = add_contact(bookctl, store, "Marco")
    ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", zoe["id"], "--start", "2026-11-24 10:00",
       "--store", store)
    ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", marco["id"], "--start", "2026-11-24 11:00",
       "--store", store)
    ok(bookctl, "contact", "label", zoe["id"], "VIP", "--store", store)
    assert ok(bookctl, "label", "list", "--store", store) == [
        {"label": "Physiotherapy", "contacts": 2}, {"label": "VIP", "contacts": 1}]
    assert [c["id"] for c in ok(bookctl, "contact", "list", "--label", "physiotherapy", "--label", "vip",
                                "--store", store)] == [zoe["id"]]


def test_a_booking_does_not_add_its_service_label_again_in_another_case(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    ok(bookctl, "contact", "label", zoe["id"], "physiotherapy", "--store", store)
    ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", zoe["id"], "--start", "2026-11-24 10:00",
       "--store", store)
    assert ok(bookctl, "contact", "show", zoe["id"], "--store", store)["labels"] == ["physiotherapy"]
    assert ok(bookctl, "label", "list", "--store", store) == [{"label": "physiotherapy", "contacts": 1}]


def test_search_matches_company_and_phone_digits_whatever_the_separators(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë", "--company", "Atelier Lumière", "--phone", "+33 6 12 34 56 78")
    add_contact(bookctl, store, "Marco", "--company", "Acme")
    assert [c["id"] for c in ok(bookctl, "contact", "list", "--search", "lumiere", "--store", store)] == [zoe["id"]]
    assert [c["id"] for c in ok(bookctl, "contact", "list", "--search", "0612345678"[1:], "--store", store)] == [zoe["id"]]


_ACCENTED = {"Zoë": "zoe", "Léa": "lea", "Chloé": "chloe", "François": "francois", "Ångström": "angstrom",
             "Müller": "muller", "Núñez": "nunez"}


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(_ACCENTED)), upper=st.booleans(), cut=st.integers(0, 2))
def test_search_folds_case_and_accents_both_ways(bookctl, store, name, upper, cut):
    listing = ok(bookctl, "contact", "list", "--store", store)
    wanted = next((c["id"] for c in listing if c["first_name"] == name), None) or add_contact(bookctl, store, name)["id"]
    needle = _ACCENTED[name][cut:]
    needle = needle.upper() if upper else needle
    found = [c["id"] for c in ok(bookctl, "contact", "list", "--search", needle, "--store", store)]
    assert wanted in found


# --- notes --------------------------------------------------------------------------------------------


def test_notes_are_kept_with_type_author_and_time_newest_first(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    first = ok(bookctl, "contact", "note", "add", zoe["id"], "Knee feels better", "--store", store)
    second = ok(bookctl, "contact", "note", "add", zoe["id"], "Discussed a plan\nfor 6 weeks", "--type", "meeting-summary",
                "--author", "giulia romano", "--store", store)
    assert first == {"contact_id": zoe["id"], "id": "n-1", "type": "note", "author": None, "text": "Knee feels better",
                     "created_at": NOW}
    assert (second["id"], second["type"], second["author"]) == ("n-2", "meeting-summary", "giulia-romano")
    notes = ok(bookctl, "contact", "note", "list", zoe["id"], "--store", store)
    assert [n["id"] for n in notes] == ["n-2", "n-1"]
    assert notes[0]["text"] == "Discussed a plan\nfor 6 weeks"


@pytest.mark.parametrize(("args", "code"), [
    (("c-1", "Hi", "--type", "email"), 2),
    (("c-1", "   "), 2),
    (("c-1", "bell\x07"), 2),
    (("c-1", "Hi", "--author", "Nobody"), 3),
    (("c-9", "Hi"), 3),
])
def test_note_add_refusals_change_nothing(bookctl, store, args, code):
    add_contact(bookctl, store, "Zoë")
    refused(bookctl, store, code, "contact", "note", "add", *args)


# --- tasks --------------------------------------------------------------------------------------------


def _tasks(bookctl, store, *options):  # noqa: ANN001, ANN202
    return [t["id"] for t in ok(bookctl, "contact", "task", "list", *options, "--store", store)]


def test_task_add_list_and_done(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    marco = add_contact(bookctl, store, "Marco")
    plan = ok(bookctl, "contact", "task", "add", zoe["id"], "Write a nutrition plan", "--assignee", "Giulia Romano",
              "--due", "2026-11-30", "--store", store)
    assert plan == {"id": "t-1", "contact_id": zoe["id"], "text": "Write a nutrition plan", "assignee": "giulia-romano",
                    "due": "2026-11-30", "open": True, "overdue": False, "created_at": NOW, "done_at": None}
    ok(bookctl, "contact", "task", "add", marco["id"], "Call back", "--assignee", "sanne-de-vries", "--due", "2026-11-25",
       "--store", store)
    ok(bookctl, "contact", "task", "add", marco["id"], "Send invoice", "--store", store)
    assert _tasks(bookctl, store) == ["t-2", "t-1", "t-3"]  # by due day, undated last
    assert _tasks(bookctl, store, marco["id"]) == ["t-2", "t-3"]
    assert _tasks(bookctl, store, "--assignee", "giulia romano") == ["t-1"]
    done = ok(bookctl, "contact", "task", "done", "t-2", "--store", store)
    assert (done["open"], done["done_at"]) == (False, NOW)
    assert _tasks(bookctl, store, "--open") == ["t-1", "t-3"]
    assert _tasks(bookctl, store, marco["id"], "--open") == ["t-3"]


def test_overdue_tasks_follow_the_fixed_clock(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    for text, due in [("late", "2026-11-22"), ("today", "2026-11-23"), ("soon", "2026-11-24"), ("late done", "2026-11-01")]:
        ok(bookctl, "contact", "task", "add", zoe["id"], text, "--due", due, "--store", store)
    ok(bookctl, "contact", "task", "done", "t-4", "--store", store)
    assert _tasks(bookctl, store, "--overdue") == ["t-1"]
    assert [t["overdue"] for t in show(bookctl, store, zoe["id"])["tasks"]] == [True, False, False, False]


def test_overdue_uses_the_stores_time_zone_not_utc(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    ok(bookctl, "contact", "task", "add", zoe["id"], "Call", "--due", "2026-11-23", "--store", store)
    # 23:30 UTC on the 23rd is already the 24th in Rome: the task due on the 23rd is overdue there.
    late = {"BOOKCTL_NOW": "2026-11-23T23:30:00+00:00"}
    result = bookctl("contact", "task", "list", "--overdue", "--store", store, "--format", "json", extra_env=late)
    assert [t["id"] for t in result.json()] == ["t-1"]
    early = {"BOOKCTL_NOW": "2026-11-23T22:30:00+00:00"}
    result = bookctl("contact", "task", "list", "--overdue", "--store", store, "--format", "json", extra_env=early)
    assert result.json() == []


@pytest.mark.parametrize("task_id", ["t-9", "t-0", "x", "../t-1", "n-1", ""])
def test_task_done_of_an_unknown_task_is_exit_3(bookctl, store, task_id):
    zoe = add_contact(bookctl, store, "Zoë")
    ok(bookctl, "contact", "task", "add", zoe["id"], "Call", "--store", store)
    assert refused(bookctl, store, 3, "contact", "task", "done", task_id) == f"error: no task {task_id!r}\n"


def test_task_done_twice_is_exit_1(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")
    ok(bookctl, "contact", "task", "add", zoe["id"], "Call", "--store", store)
    ok(bookctl, "contact", "task", "done", "t-1", "--store", store)
    assert refused(bookctl, store, 1, "contact", "task", "done", "t-1") == "error: task t-1 is already done\n"


@pytest.mark.parametrize(("args", "code"), [
    (("c-1", "Call", "--due", "2026-11-31"), 2),
    (("c-1", "Call", "--assignee", "Nobody"), 3),
    (("c-1", ""), 2),
    (("c-2", "Call"), 3),
])
def test_task_add_refusals_change_nothing(bookctl, store, args, code):
    add_contact(bookctl, store, "Zoë")
    refused(bookctl, store, code, "contact", "task", "add", *args)


# --- history ------------------------------------------------------------------------------------------


@pytest.fixture
def history(bookctl, store):  # noqa: ANN001, ANN201
    """Zoë with a past checked-in class, a past appointment and an upcoming one with form answers."""
    zoe = add_contact(bookctl, store, "Zoë")
    past_class = ok(bookctl, "session", "book", "--service", "yoga-flow", "--contact", zoe["id"], "--start",
                    "2026-11-16 18:00", "--allow-past", "--form", "experience=beginner", "--store", store)
    ok(bookctl, "session", "checkin", past_class["id"], "--store", store)
    past_appt = ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", zoe["id"], "--start",
                   "2026-11-20 09:00", "--allow-past", "--store", store)
    upcoming = ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", zoe["id"], "--start",
                  "2026-11-27 09:00", "--form", "injury=left knee", "--form", "first_visit=no", "--store", store)
    return zoe["id"], past_class["id"], past_appt["id"], upcoming["id"]


def test_contact_bookings_upcoming_past_and_all(bookctl, store, history):
    zoe, past_class, past_appt, upcoming = history
    ids = lambda *opts: [b["id"] for b in ok(bookctl, "contact", "bookings", zoe, *opts, "--store", store)]  # noqa: E731
    assert ids("--upcoming") == [upcoming]
    assert ids("--past") == [past_appt, past_class]
    assert ids("--all") == ids() == [past_class, past_appt, upcoming]
    rows = ok(bookctl, "contact", "bookings", zoe, "--past", "--store", store)
    assert (rows[1]["attendance"], rows[1]["payment_status"]) == ("checked_in", "not_paid")
    assert bookctl("contact", "bookings", zoe, "--past", "--upcoming", "--store", store).exit_code == 2


def test_form_responses_of_a_contact_and_of_one_booking(bookctl, store, history):
    zoe, past_class, _, upcoming = history
    rows = ok(bookctl, "contact", "form-responses", zoe, "--store", store)
    assert [(r["booking_id"], r["key"], r["value"]) for r in rows] == [
        (upcoming, "first_visit", "no"), (upcoming, "injury", "left knee"), (past_class, "experience", "beginner")]
    one = ok(bookctl, "contact", "form-responses", zoe, "--booking", past_class, "--store", store)
    assert [(r["key"], r["value"]) for r in one] == [("experience", "beginner")]


def test_form_responses_for_another_contacts_booking_is_exit_3(bookctl, store, history):
    zoe, *_ = history
    marco = add_contact(bookctl, store, "Marco")
    theirs = ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", marco["id"], "--start",
                "2026-11-28 09:00", "--store", store)
    error = refused(bookctl, store, 3, "contact", "form-responses", zoe, "--booking", theirs["id"])
    assert error == f"error: contact {zoe} has no booking {theirs['id']!r}\n"


# --- show ---------------------------------------------------------------------------------------------


def test_contact_show_json_holds_every_section(bookctl, store, history):
    zoe, past_class, past_appt, upcoming = history
    ok(bookctl, "contact", "note", "add", zoe, "Likes mornings", "--store", store)
    ok(bookctl, "contact", "task", "add", zoe, "Call", "--due", "2026-11-20", "--store", store)
    card = show(bookctl, store, zoe)
    assert [n["text"] for n in card["notes"]] == ["Likes mornings"]
    assert [(t["id"], t["overdue"]) for t in card["tasks"]] == [("t-1", True)]
    assert card["attachments"] == []
    assert [b["id"] for b in card["bookings"]] == [upcoming, past_appt, past_class]
    assert len(card["form_responses"]) == 3
    assert card["labels"] == ["Yoga Flow", "Physiotherapy"]


def test_contact_show_table_is_in_titled_sections(bookctl, store, history):
    zoe, *_ = history
    ok(bookctl, "contact", "add-field", zoe, "Dog breed", "Beagle", "--type", "text", "--store", store)
    result = bookctl("contact", "show", zoe, "--store", store, "--format", "table")
    assert result.exit_code == 0, result.stderr
    titles = ["Details", "Extra fields", "Custom fields", "Labels", "Notes", "Tasks", "Attachments",
              "Upcoming bookings", "Past bookings", "Form responses"]
    positions = [result.stdout.index(f"{title}\n{'-' * len(title)}\n") for title in titles]
    assert positions == sorted(positions)
    assert "Beagle" in result.stdout and "left knee" in result.stdout and "Physiotherapy" in result.stdout


@pytest.mark.backends("files")  # about the files themselves
def test_contact_show_reads_only_the_contacts_own_day_files(bookctl, store, history):
    zoe, *_ = history
    marco = add_contact(bookctl, store, "Marco")
    other = ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", marco["id"], "--start",
               "2026-12-03 09:00", "--store", store)
    stamp = other["id"].split("-")[1]
    day_file = store / "data" / "days" / stamp[:4] / f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}.json"
    day_file.write_text("{ damaged", encoding="utf-8")  # a file contact show must never open for Zoë
    assert len(show(bookctl, store, zoe)["bookings"]) == 3
    assert bookctl("contact", "show", marco["id"], "--store", store).exit_code == 4


# --- money on the card ---------------------------------------------------------------------------------

def test_the_card_shows_the_contacts_payments_invoices_and_quotes(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")["id"]
    booking = ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", zoe, "--start",
                 "2026-11-24 10:00", "--store", store)["id"]
    ok(bookctl, "payment", "collect", booking, "--method", "card", "--card", "tok_visa", "--amount", "20",
       "--store", store)
    ok(bookctl, "invoice", "create", "--contact", zoe, "--item", "Knee brace=35", "--store", store)
    ok(bookctl, "quote", "create", "--contact", zoe, "--item", "Ten sessions=600", "--store", store)
    card = show(bookctl, store, zoe)
    assert [(p["booking_id"], p["kind"], p["amount"]["amount"]) for p in card["payments"]] == [(booking, "charge", "20.00")]
    assert [(i["id"], i["total"]["amount"]) for i in card["invoices"]] == [("INV-0001", "35.00")]
    assert [(q["id"], q["total"]["amount"]) for q in card["quotes"]] == [("Q-0001", "600.00")]
    table = bookctl("contact", "show", zoe, "--store", store).stdout
    assert "Payments" in table and "INV-0001" in table and "Q-0001" in table


def test_the_card_of_another_contact_shows_none_of_those(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")["id"]
    ada = add_contact(bookctl, store, "Ada")["id"]
    ok(bookctl, "invoice", "create", "--contact", zoe, "--item", "Knee brace=35", "--store", store)
    card = show(bookctl, store, ada)
    assert (card["payments"], card["invoices"], card["quotes"]) == ([], [], [])


def test_delete_of_a_contact_with_an_invoice_is_refused_suggesting_erase(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë")["id"]
    ok(bookctl, "invoice", "create", "--contact", zoe, "--item", "Knee brace=35", "--store", store)
    error = refused(bookctl, store, 1, "contact", "delete", zoe, "--yes")
    assert "1 invoice" in error and "--erase" in error


def test_erase_after_a_card_payment_keeps_the_money_whole(bookctl, store):
    zoe = add_contact(bookctl, store, "Zoë", "--email", "zoe@example.com")["id"]
    booking = ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", zoe, "--start",
                 "2026-11-24 10:00", "--store", store)["id"]
    ok(bookctl, "payment", "collect", booking, "--method", "card", "--card", "tok_visa", "--save-card",
       "--store", store)
    ok(bookctl, "contact", "delete", zoe, "--erase", "--yes", "--store", store)
    shown = ok(bookctl, "session", "show", booking, "--store", store)
    assert (shown["payment_status"], shown["paid"]["amount"], shown["contact_id"]) == ("paid", "65.00", zoe)
    assert [p["contact_id"] for p in ok(bookctl, "payment", "list", "--booking", booking, "--store", store)] == [zoe]
    assert b"zoe@example.com" not in stored_bytes(store)
    # The card on file goes with the person.
    url = database_url_of(store)
    if url is None:
        shard = json.loads((store / "data" / "contacts" / "00000.json").read_text(encoding="utf-8"))
        assert "saved_card" not in shard["contacts"][zoe]
    else:
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT saved_card FROM contacts WHERE id = %s", [zoe]).fetchall() == [(None,)]
