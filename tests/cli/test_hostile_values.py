"""Hostile text reaching each command that takes it: refused at the door with exit 2, the store
untouched; what passes is kept as typed (trimmed) and breaks nothing later."""

from __future__ import annotations

import pytest

from tests.cli._payment_fixtures import (  # noqa: F401 - fixtures, used by name
    TOMORROW,
    _builtin_providers_only,
    booking,
    contact,
    ok,
    one_error_line,
    refused,
    run,
)
from tests.conftest import tree_digest

# (what a command is given, the error it prints): each kind of value through one of its doors.
LINE_BREAKERS = {"LF": "\n", "CR": "\r", "NUL": "\x00", "ESC": "\x1b", "NEL (C1)": "\x85", "LINE SEPARATOR": "\u2028"}


@pytest.mark.parametrize("char", LINE_BREAKERS.values(), ids=LINE_BREAKERS.keys())
def test_a_line_break_or_control_in_any_name_is_refused(run, store, contact, char):
    ada = contact("Ada")
    for args in [("contact", "add", "--first-name", f"Ada{char}x"),
                 ("contact", "edit", ada, "--last-name", f"Love{char}lace"),
                 ("service", "add", f"Yoga{char}Nidra", "--price", "10", "--duration", "30"),
                 ("service", "edit", "physiotherapy", "--name", f"Physio{char}x"),
                 ("staff", "add", f"Marta{char}Rossi"),
                 ("config", "set", "business.name", f"Studio{char}Blu"),
                 ("contact", "label", ada, f"vip{char}x"),
                 ("contact", "add-field", ada, "company", f"Acme{char}Inc"),
                 ("contact", "add-field", ada, "Allergy", f"nuts{char}x", "--type", "text"),
                 ("invoice", "create", "--contact", ada, "--item", f"Mas{char}sage=20"),
                 ("quote", "create", "--contact", ada, "--item", f"Mas{char}sage=20")]:
        assert "must not contain control characters" in refused(run, store, 2, *args), args


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u2069"])
def test_a_bidi_override_or_isolate_in_a_name_is_refused(run, store, contact, char):
    ada = contact("Ada")
    for args in [("contact", "add", "--first-name", f"Ada{char}nomis"),
                 ("service", "add", f"Yoga{char}", "--price", "10", "--duration", "30"),
                 ("staff", "add", f"{char}Marta"),
                 ("contact", "label", ada, f"{char}vip")]:
        assert "bidirectional control characters" in refused(run, store, 2, *args), args


def test_a_business_name_with_a_bidi_override_cannot_start_a_store(bookctl, tmp_path):
    result = bookctl("init", tmp_path / "s", "--business", "Studio\u202eoiduts", "--currency", "EUR",
                     "--timezone", "Europe/Rome")
    assert result.exit_code == 2
    assert "bidirectional" in one_error_line(result.stderr)
    assert not (tmp_path / "s" / "bookctl.toml").exists()


def test_a_right_to_left_name_is_kept_as_typed(ok):
    added = ok("contact", "add", "--first-name", "דנה", "--last-name", "כהן")
    assert (added["first_name"], added["last_name"]) == ("דנה", "כהן")


def test_names_are_limited_to_200_characters(run, ok, store):
    assert ok("contact", "add", "--first-name", "N" * 200)["first_name"] == "N" * 200
    message = refused(run, store, 2, "service", "add", "S" * 201, "--price", "10", "--duration", "30")
    assert message == "error: the service name is 201 characters long; the limit is 200\n"


def test_a_note_keeps_its_lines_but_no_other_control_character(run, ok, store, contact):
    ada = contact("Ada")
    note = ok("contact", "note", "add", ada, "Called.\r\nWill come back Tuesday.\n")
    assert note["text"] == "Called.\nWill come back Tuesday."
    for char in ("\t", "\x1b[2J", "\x00", "\x85"):
        assert "must not contain control characters" in refused(run, store, 2, "contact", "note", "add", ada, f"x{char}y")
        assert "must not contain control characters" in refused(run, store, 2, "contact", "task", "add", ada, f"x{char}y")


def test_notes_are_limited_to_10000_characters(run, ok, store, contact):
    ada = contact("Ada")
    assert len(ok("contact", "note", "add", ada, "n" * 10_000)["text"]) == 10_000
    assert refused(run, store, 2, "contact", "note", "add", ada, "n" * 10_001) == (
        "error: the note text is 10001 characters long; the limit is 10000\n")


def test_an_internationalised_email_is_accepted_at_contact_add(ok):
    assert ok("contact", "add", "--first-name", "Zoë", "--email", "zoë@例え.jp")["email"] == "zoë@例え.jp"


@pytest.mark.parametrize("address", ["ada@example.com, eve@example.com", "Ada <ada@example.com>",
                                     "ada@example.com\nBcc: eve@example.com", '"ada"@example.com'])
def test_an_email_is_one_address(run, store, address):
    message = refused(run, store, 2, "contact", "add", "--first-name", "Ada", "--email", address)
    assert "is not an email address" in message or "must not contain control characters" in message


def test_a_phone_has_at_most_15_digits(run, ok, store):
    assert ok("contact", "add", "--first-name", "Ada", "--phone", "+39 123 456 789 0123")["phone"] == "+39 123 456 789 0123"
    assert refused(run, store, 2, "contact", "add", "--first-name", "Bea", "--phone", "+39 123 456 789 01234") == (
        "error: --phone '+39 123 456 789 01234' is not a phone number\n")


def test_the_same_form_key_twice_is_exit_2(run, store, contact):
    message = refused(run, store, 2, "session", "book", "--service", "physiotherapy", "--contact", contact("Ada"),
                      "--start", f"{TOMORROW} 10:00", "--form", "injury=knee", "--form", "injury=back")
    assert message == "error: --form 'injury' is given twice; give each answer once\n"


def test_a_form_answer_with_a_line_break_is_refused(run, store, contact):
    message = refused(run, store, 2, "session", "book", "--service", "physiotherapy", "--contact", contact("Ada"),
                      "--start", f"{TOMORROW} 10:00", "--form", "injury=knee\r\nX-Evil: 1")
    assert "must not contain control characters" in message


def test_a_refund_reason_is_one_line(run, ok, store, booking):
    paid = booking()
    ok("payment", "collect", paid, "--method", "card", "--provider", "sandbox", "--card", "tok_visa")
    assert "must not contain control characters" in refused(run, store, 2, "payment", "refund", paid,
                                                            "--reason", "changed\nmind")


@pytest.mark.parametrize(("args", "message"), [
    (("export", "bookings", "--month", "0000-01"), "--month '0000-01' is out of range; give a year from 1900 to 2999"),
    (("export", "bookings", "--month", "9999-12"), "--month '9999-12' is out of range; give a year from 1900 to 2999"),
    (("export", "bookings", "--week", "9999-W52"), "--week '9999-W52' is out of range; give a year from 1900 to 2999"),
    (("export", "bookings", "--from", "0001-01-01"), "--from '0001-01-01' is out of range; give a year from 1900 to 2999"),
    (("session", "list", "--day", "9999-12-31"), "--day '9999-12-31' is out of range; give a year from 1900 to 2999"),
    (("payment", "list", "--from", "0001-01-01", "--to", "0001-01-02"),
     "--from '0001-01-01' is out of range; give a year from 1900 to 2999"),
])
def test_a_date_outside_the_years_a_store_holds_is_exit_2(run, store, args, message):
    assert refused(run, store, 2, *args) == f"error: {message}\n"


def test_a_contact_with_the_widest_accepted_values_still_exports_everywhere(bookctl, ok, store):
    zoe = ok("contact", "add", "--first-name", "Zoë\u200f", "--last-name", "=1+1", "--email", "zoë@例え.jp",
             "--phone", "+123456789012345", "--address", "Via; Roma, 1 \\ int. \"2\"")["id"]
    ok("contact", "label", zoe, "vip, gold")
    for fmt in ("csv", "json", "ndjson", "vcf"):
        result = bookctl("export", "contacts", "--format", fmt, "--store", store)
        assert result.exit_code == 0, (fmt, result.stderr)
        assert "Zoë" in result.stdout


@pytest.mark.parametrize("args", [
    ("export", "contacts", "--output", ""), ("export", "bookings", "--output", "."),
    ("export", "bookings", "--format", "ics", "--output", "x" * 300),
    ("contact", "attachment", "get", "a-1", "--output", "y" * 256),
    ("store", "copy", "--to", "z" * 300),
    ("contact", "attach", "c-1", "f" * 300),
])
def test_a_path_that_cannot_name_a_file_is_exit_2(run, store, contact, args):
    contact("Ada")
    message = refused(run, store, 2, *args)
    assert "must name a file" in message or "is too long for a file name" in message


def test_an_invoice_payment_method_is_one_line(run, ok, store, contact):
    invoice = ok("invoice", "create", "--contact", contact("Ada"), "--item", "Massage=20")["id"]
    assert "must not contain control characters" in refused(run, store, 2, "invoice", "pay", invoice, "--method", "ca\nsh")
    assert "not valid UTF-8" in refused(run, store, 2, "invoice", "pay", invoice, "--method", "ca\udcffsh")


@pytest.mark.parametrize("name", ["scan\u009b.png", "\u202egnp.exe", "a\u2028b.pdf"])
def test_an_attachment_name_with_a_c1_control_or_bidi_override_is_refused(run, store, contact, tmp_path, name):
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG")
    refused(run, store, 2, "contact", "attach", contact("Ada"), str(scan), "--name", name)


def test_a_time_zone_name_too_long_to_be_a_file_is_an_unknown_zone(bookctl, tmp_path):
    result = bookctl("init", tmp_path / "s", "--business", "Studio", "--timezone", "x" * 10_001)
    assert result.exit_code == 2
    assert one_error_line(result.stderr).startswith("error: unknown time zone 'xxxx")
    assert len(result.stderr) < 200


@pytest.mark.backends("files")
def test_a_refused_ics_export_of_a_store_without_an_id_writes_nothing(bookctl, run, store):
    import tomllib

    import tomli_w

    settings = store / "bookctl.toml"
    config = tomllib.loads(settings.read_text(encoding="utf-8"))
    del config["store"]["id"]  # as an older bookctl made it
    settings.write_text(tomli_w.dumps(config), encoding="utf-8")
    before = tree_digest(store)
    result = run("export", "bookings", "--staff", "nobody", "--format", "ics")
    assert result.exit_code == 3, result.stderr
    assert tree_digest(store) == before
