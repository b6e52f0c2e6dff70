"""`import bookings`: bookctl's own export (json, ndjson) back into a store, byte for byte; ICS
calendars from other tools; re-runs, dry runs and bad files, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import tree_digest


def same_setup(bookctl, root: Path) -> None:  # noqa: ANN001
    """A new store at `root` with the `store` fixture's services and staff (tests/conftest.py)."""
    assert bookctl("init", root, "--business", "Studio Verde", "--currency", "EUR",
                   "--timezone", "Europe/Rome").exit_code == 0
    bookctl("service", "add", "Physiotherapy", "--price", "65", "--duration", "45", "--deposit", "20",
            "--cancellation-fee", "25", "--no-show-fee", "30", "--store", root)
    bookctl("service", "add", "Yoga Flow", "--kind", "class", "--capacity", "3", "--price", "18",
            "--duration", "60", "--store", root)
    bookctl("staff", "add", "Giulia Romano", "--email", "giulia@studio.example", "--store", root)
    bookctl("staff", "add", "Sanne de Vries", "--store", root)


@pytest.fixture
def history(bookctl, store):  # noqa: ANN001, ANN201
    """The `store` fixture with a few weeks of business: past and future appointments and class
    places, check-ins, a no-show, payments in full, a deposit, a partial refund, a cancellation,
    form answers, and a client with neither email nor phone."""
    def run(*args: str) -> dict:
        result = bookctl(*args, "--store", store, "--format", "json")
        assert result.exit_code == 0, (args, result.stderr)
        return result.json()

    zoe = run("contact", "add", "--first-name", "Zoë", "--last-name", "Martin", "--email", "zoe@example.org")["id"]
    marco = run("contact", "add", "--first-name", "Marco", "--phone", "+39 333 765 4321")["id"]
    walk_in = run("contact", "add", "--first-name", "Walk-in", "--last-name", "Client")["id"]
    past = run("session", "book", "--service", "physiotherapy", "--contact", zoe, "--start", "2026-11-16 10:00",
               "--staff", "giulia-romano", "--allow-past", "--form", "injury=knee")["id"]
    run("session", "checkin", past)
    run("payment", "collect", past, "--method", "in-person", "--yes")
    run("payment", "refund", past, "--amount", "15", "--manual")
    missed = run("session", "book", "--service", "physiotherapy", "--contact", marco, "--start", "2026-11-17 09:00",
                 "--allow-past")["id"]
    run("session", "no-show", missed)
    first = run("session", "book", "--service", "yoga-flow", "--contact", zoe, "--start", "2026-11-18 18:00",
                "--staff", "sanne-de-vries", "--allow-past")
    run("session", "checkin", first["id"])
    run("session", "book", "--session", first["session_id"], "--contact", walk_in, "--allow-past")
    soon = run("session", "book", "--service", "physiotherapy", "--contact", marco, "--start", "2026-11-25 11:00")["id"]
    run("payment", "collect", soon, "--method", "in-person", "--amount", "20", "--yes")
    later = run("session", "book", "--service", "yoga-flow", "--contact", walk_in, "--start", "2026-11-26 18:00")["id"]
    run("session", "cancel", later)
    run("session", "book", "--service", "yoga-flow", "--contact", marco, "--start", "2026-11-26 18:00")
    return store


def export(bookctl, root: Path, fmt: str, path: Path) -> bytes:  # noqa: ANN001
    assert bookctl("export", "bookings", "--format", fmt, "--output", path, "--store", root).exit_code == 0
    return path.read_bytes()


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_an_export_imported_into_an_empty_store_exports_the_same_bytes(bookctl, history, tmp_path, fmt):
    original = export(bookctl, history, fmt, tmp_path / f"original.{fmt}")
    assert b"partially_refunded" in original and b"deposit_paid" in original and b"no_show" in original
    target = tmp_path / "target"
    same_setup(bookctl, target)
    result = bookctl("import", "bookings", tmp_path / f"original.{fmt}", "--store", target, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {"created": 7, "updated": 0, "skipped": 0, "rejected": []}
    assert export(bookctl, target, fmt, tmp_path / f"copy.{fmt}") == original


def test_the_round_trip_brings_the_clients_but_invents_no_money(bookctl, history, tmp_path):
    export(bookctl, history, "json", tmp_path / "bookings.json")
    target = tmp_path / "target"
    same_setup(bookctl, target)
    bookctl("import", "bookings", tmp_path / "bookings.json", "--store", target)
    contacts = bookctl("contact", "list", "--store", target, "--format", "json").json()
    assert [(c["id"], c["first_name"], c["last_name"], c["email"], c["phone"]) for c in contacts] == [
        ("c-1", "Zoë", "Martin", "zoe@example.org", None), ("c-2", "Marco", None, None, "+39 333 765 4321"),
        ("c-3", "Walk-in", "Client", None, None)]
    payments = bookctl("payment", "list", "--store", target, "--format", "json").json()
    assert sorted((p["kind"], p["amount"]["amount"]) for p in payments) == [
        ("charge", "20.00"), ("charge", "65.00"), ("refund", "15.00")]  # what the file says was paid, no more


def test_a_rerun_imports_nothing_new(bookctl, history, tmp_path):
    export(bookctl, history, "ndjson", tmp_path / "bookings.ndjson")
    target = tmp_path / "target"
    same_setup(bookctl, target)
    bookctl("import", "bookings", tmp_path / "bookings.ndjson", "--store", target)
    before = tree_digest(target)
    again = bookctl("import", "bookings", tmp_path / "bookings.ndjson", "--store", target)
    assert again.stdout == "created 0, updated 0, skipped 7, rejected 0\n"
    assert tree_digest(target) == before


def test_importing_a_stores_own_export_into_itself_adds_nothing(bookctl, history, tmp_path):
    export(bookctl, history, "json", tmp_path / "bookings.json")
    before = tree_digest(history)
    result = bookctl("import", "bookings", tmp_path / "bookings.json", "--store", history, "--format", "json")
    assert result.json()["skipped"] == 7
    assert tree_digest(history) == before


def test_clients_the_store_has_are_found_by_email_whatever_their_ids(bookctl, history, tmp_path):
    export(bookctl, history, "json", tmp_path / "bookings.json")
    target = tmp_path / "target"
    same_setup(bookctl, target)
    bookctl("contact", "add", "--first-name", "Someone", "--store", target)
    bookctl("contact", "add", "--first-name", "Zoë", "--email", "ZOE@example.org", "--store", target)
    bookctl("import", "bookings", tmp_path / "bookings.json", "--store", target)
    zoe = bookctl("contact", "bookings", "c-2", "--all", "--store", target, "--format", "json").json()
    assert len(zoe) == 2  # her physiotherapy and her class, on the contact she already had
    listed = bookctl("contact", "list", "--store", target, "--format", "json").json()
    assert [c["first_name"] for c in listed] == ["Someone", "Zoë", "Marco", "Walk-in"]


def test_dry_run_says_what_would_happen_and_changes_nothing(bookctl, history, tmp_path):
    export(bookctl, history, "json", tmp_path / "bookings.json")
    target = tmp_path / "target"
    same_setup(bookctl, target)
    before = tree_digest(target)
    result = bookctl("import", "bookings", tmp_path / "bookings.json", "--dry-run", "--store", target)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "line 2: would be created: b-20261116-2 Physiotherapy, Zoë Martin"
    assert result.stdout.splitlines()[-1] == ("dry run, nothing changed: would have created 7, updated 0, skipped 0, "
                                              "rejected 0")
    assert tree_digest(target) == before


def test_a_service_the_store_lacks_rejects_the_whole_file(bookctl, history, tmp_path):
    export(bookctl, history, "json", tmp_path / "bookings.json")
    target = tmp_path / "target"
    assert bookctl("init", target, "--business", "B", "--currency", "EUR", "--timezone", "Europe/Rome").exit_code == 0
    bookctl("service", "add", "Physiotherapy", "--price", "65", "--duration", "45", "--store", target)
    bookctl("staff", "add", "Giulia Romano", "--store", target)
    bookctl("staff", "add", "Sanne de Vries", "--store", target)
    before = tree_digest(target)
    result = bookctl("import", "bookings", tmp_path / "bookings.json", "--store", target)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: 4 of the bookings cannot be imported, so none was: line 4: no service "
                                    "'yoga-flow' here; add it first (service add), or give --service")
    assert tree_digest(target) == before
    kept = bookctl("import", "bookings", tmp_path / "bookings.json", "--skip-invalid", "--store", target,
                   "--format", "json").json()
    assert (kept["created"], len(kept["rejected"])) == (3, 4)


ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Other Tool//EN\r
BEGIN:VEVENT\r
UID:one@other.example\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=Europe/Rome:20261110T100000\r
DTEND;TZID=Europe/Rome:20261110T104500\r
SUMMARY:Physiotherapy\r
DESCRIPTION:Attendance: checked_in\r
ATTENDEE;CN=Lena Vogel:mailto:lena@example.de\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:two@other.example\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261127T090000Z\r
DTEND:20261127T094500Z\r
SUMMARY:Knee check\r
STATUS:CANCELLED\r
ATTENDEE;CN=Lena Vogel:mailto:LENA@example.de\r
ATTENDEE;ROLE=CHAIR;CN=Giulia:mailto:giulia@studio.example\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_an_ics_calendar_becomes_bookings_with_their_clients(bookctl, store, tmp_path):
    path = tmp_path / "old.ics"
    path.write_text(ICS, newline="")
    result = bookctl("import", "bookings", path, "--service", "physiotherapy", "--store", store, "--format", "json")
    assert result.json() == {"created": 2, "updated": 0, "skipped": 0, "rejected": []}, result.stderr
    exported = bookctl("export", "bookings", "--format", "json", "--store", store).json()
    assert [(b["start"], b["status"], b["attendance"], b["staff_id"], b["contact_email"], b["price"]["amount"],
             b["paid"]["amount"]) for b in exported] == [
        ("2026-11-10T10:00:00+01:00", "confirmed", "checked_in", None, "lena@example.de", "65.00", "0.00"),
        ("2026-11-27T10:00:00+01:00", "cancelled", "booked", "giulia-romano", "lena@example.de", "65.00", "0.00"),
    ]
    contacts = bookctl("contact", "list", "--store", store, "--format", "json").json()
    assert [(c["first_name"], c["last_name"], c["labels"]) for c in contacts] == [("Lena", "Vogel", ["Physiotherapy"])]
    assert bookctl("import", "bookings", path, "--service", "physiotherapy", "--store", store).stdout == (
        "created 0, updated 0, skipped 2, rejected 0\n")


def test_an_ics_event_finds_its_service_by_its_summary(bookctl, store, tmp_path):
    path = tmp_path / "old.ics"
    path.write_text(ICS, newline="")
    result = bookctl("import", "bookings", path, "--skip-invalid", "--store", store, "--format", "json").json()
    assert result["created"] == 1
    assert result["rejected"] == [{"line": 13, "reason": "no service 'Knee check' here; add it first (service add), "
                                                         "or give --service"}]


def test_bookctls_own_ics_export_imports_into_an_empty_store(bookctl, history, tmp_path):
    export(bookctl, history, "ics", tmp_path / "bookings.ics")
    target = tmp_path / "target"
    same_setup(bookctl, target)
    refused = bookctl("import", "bookings", tmp_path / "bookings.ics", "--store", target)
    # A calendar finds clients by email: Marco and the walk-in have none, so their bookings cannot come.
    assert refused.exit_code == 2 and "has no attendee with an email" in refused.stderr
    result = bookctl("import", "bookings", tmp_path / "bookings.ics", "--skip-invalid", "--store", target,
                     "--format", "json").json()
    assert (result["created"], len(result["rejected"])) == (2, 5)
    exported = bookctl("export", "bookings", "--format", "json", "--store", target).json()
    assert [(b["service_id"], b["staff_id"], b["attendance"], b["contact_email"]) for b in exported] == [
        ("physiotherapy", "giulia-romano", "checked_in", "zoe@example.org"),
        ("yoga-flow", None, "checked_in", "zoe@example.org"),  # Sanne has no email: the ICS cannot name her
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("[{\"start\": \"2026-11-10T10:00:00+01:00\"", "line 1: not JSON: Expecting ',' delimiter"),
    ("[{\"start\": \"2026-11-10T10:00:00+01:00\"}\n", "line 1: the JSON array is never closed"),
    ("not a calendar", "is not a bookings export (JSON, NDJSON) or an ICS calendar"),
    ('[{"start": "tomorrow", "service_id": "physiotherapy"}]', "line 1: start 'tomorrow' is not an ISO 8601 time"),
])
def test_a_bad_file_is_one_error_line_and_imports_nothing(bookctl, store, tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    before = tree_digest(store)
    result = bookctl("import", "bookings", path, "--store", store)
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert tree_digest(store) == before


def test_a_class_fuller_than_its_capacity_is_refused(bookctl, store, tmp_path):
    rows = [f'{{"start": "2026-11-10T18:00:00+01:00", "service_id": "yoga-flow", "contact_name": "Client {n}", '
            f'"contact_email": "c{n}@example.org"}}' for n in range(4)]
    path = tmp_path / "full.ndjson"
    path.write_text("\n".join(rows) + "\n")
    result = bookctl("import", "bookings", path, "--store", store)
    assert result.exit_code == 2
    assert "line 4: session s-20261110-1 is full: 3 of 3 places are booked" in result.stderr


def test_a_large_import_lets_go_of_each_day_and_still_exports_the_same_bytes(bookctl, history, tmp_path,
                                                                             monkeypatch):
    import bookctl.services.importing.bookings as importing

    monkeypatch.setattr(importing, "SPILL_AFTER", 2)  # "large" from the second record on
    original = export(bookctl, history, "ndjson", tmp_path / "original.ndjson")
    target = tmp_path / "target"
    same_setup(bookctl, target)
    assert bookctl("import", "bookings", tmp_path / "original.ndjson", "--store", target).exit_code == 0
    assert export(bookctl, target, "ndjson", tmp_path / "copy.ndjson") == original


def test_a_large_file_out_of_order_by_start_is_refused_whole(bookctl, history, tmp_path, monkeypatch):
    import bookctl.services.importing.bookings as importing

    monkeypatch.setattr(importing, "SPILL_AFTER", 2)
    lines = export(bookctl, history, "ndjson", tmp_path / "original.ndjson").decode().splitlines()
    shuffled = tmp_path / "shuffled.ndjson"
    shuffled.write_text("\n".join([*lines[1:], lines[0]]) + "\n")
    target = tmp_path / "target"
    same_setup(bookctl, target)
    before = tree_digest(target)
    result = bookctl("import", "bookings", shuffled, "--store", target)
    assert result.exit_code == 2
    assert result.stderr == ("error: line 7: a booking on 2026-11-16 comes after later ones: a file this large must be "
                             "ordered by start, as export bookings writes it\n")
    assert tree_digest(target) == before


def test_a_rejected_booking_leaves_no_client_or_session_behind(bookctl, store, tmp_path):
    rows = [f'{{"start": "2026-11-10T18:00:00+01:00", "service_id": "yoga-flow", "contact_name": "Client {n}", '
            f'"contact_email": "c{n}@example.org"}}' for n in range(4)]
    path = tmp_path / "full.ndjson"
    path.write_text("\n".join(rows) + "\n")
    result = bookctl("import", "bookings", path, "--skip-invalid", "--store", store, "--format", "json").json()
    assert (result["created"], result["rejected"]) == (3, [
        {"line": 4, "reason": "session s-20261110-1 is full: 3 of 3 places are booked"}])
    emails = [c["email"] for c in bookctl("contact", "list", "--store", store, "--format", "json").json()]
    assert emails == ["c0@example.org", "c1@example.org", "c2@example.org"]
