"""`bookctl doctor`: every file loads and the records agree; problems are listed and exit 4."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import tree_digest

DAY = Path("data") / "days" / "2026" / "2026-11-24.json"
SHARD = Path("data") / "contacts" / "00000.json"


@pytest.fixture
def studio(bookctl, store: Path) -> Path:  # noqa: ANN001
    """The conftest store with two contacts booked tomorrow: an appointment and a class place."""
    for name in ("Ada", "Bruno"):
        assert bookctl("contact", "add", "--first-name", name, "--store", store).exit_code == 0
    for args in (("--service", "physiotherapy", "--contact", "c-1", "--start", "2026-11-24 10:00"),
                 ("--service", "yoga-flow", "--contact", "c-2", "--start", "2026-11-24 18:00")):
        done = bookctl("session", "book", *args, "--store", store)
        assert done.exit_code == 0, done.stderr
    return store


def doctor(bookctl, store: Path):  # noqa: ANN001, ANN201
    return bookctl("doctor", "--store", store, "--format", "json")


def edit_json(path: Path, change) -> None:  # noqa: ANN001
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def problems_after(bookctl, store: Path) -> list[dict[str, str]]:  # noqa: ANN001
    """Run doctor on a store broken by hand: exit 4, one error line, nothing changed; the rows."""
    before = tree_digest(store)
    done = doctor(bookctl, store)
    assert done.exit_code == 4, (done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert tree_digest(store) == before
    return done.json()


def test_a_sound_store_is_ok_with_what_was_checked(bookctl, studio):
    done = doctor(bookctl, studio)
    assert done.exit_code == 0, done.stderr
    assert done.json() == {"status": "ok", "sessions": 2, "bookings": 2, "contacts": 2}


@pytest.mark.backends("files")  # about the files themselves
def test_every_damaged_file_is_listed_not_only_the_first(bookctl, studio):
    (studio / DAY).write_bytes((studio / DAY).read_bytes()[:40])
    (studio / SHARD).write_bytes(b"{ not json")
    files = {row["file"] for row in problems_after(bookctl, studio)}
    assert files == {str(studio / DAY), str(studio / SHARD)}


@pytest.mark.backends("files")  # about the files themselves
def test_a_file_from_a_newer_bookctl_is_a_problem(bookctl, studio):
    edit_json(studio / DAY, lambda data: data.update(schema_version=99))
    [row] = problems_after(bookctl, studio)
    assert row["file"] == str(studio / DAY)
    assert "schema_version 99 is newer" in row["problem"]


@pytest.mark.backends("files")  # about the files themselves
def test_a_stray_file_among_the_day_files_is_a_problem(bookctl, studio):
    stray = studio / "data" / "days" / "2026" / ".2026-11-24.json.tmp-4242"
    stray.write_bytes(b"half a fi")
    [row] = problems_after(bookctl, studio)
    assert row["file"] == str(stray) and "not a day file" in row["problem"]


@pytest.mark.backends("files")  # about the files themselves
def test_counters_behind_the_contacts_is_a_problem(bookctl, studio):
    edit_json(studio / "data" / "counters.json", lambda data: data.update(contacts=1))
    [row] = problems_after(bookctl, studio)
    assert row["problem"] == "contacts is 1, behind contact c-2"


@pytest.mark.backends("files")  # about the files themselves
def test_a_booking_missing_from_its_contacts_index_is_a_problem(bookctl, studio):
    edit_json(studio / SHARD, lambda data: data["contacts"]["c-1"].update(booking_ids=[]))
    [row] = problems_after(bookctl, studio)
    assert row["file"].startswith("booking b-20261124-") and "missing from contact c-1" in row["problem"]


@pytest.mark.backends("files")  # about the files themselves
def test_an_index_naming_a_booking_that_is_not_there_is_a_problem(bookctl, studio):
    edit_json(studio / SHARD, lambda data: data["contacts"]["c-2"]["booking_ids"].append("b-20261124-99"))
    [row] = problems_after(bookctl, studio)
    assert row == {"file": "contact c-2", "problem": "lists booking b-20261124-99, which is not on the calendar"}


@pytest.mark.backends("files")  # about the files themselves
def test_a_booking_of_a_contact_that_is_gone_is_a_problem(bookctl, studio):
    edit_json(studio / SHARD, lambda data: data["contacts"].pop("c-1"))
    problems = problems_after(bookctl, studio)
    assert any("names contact c-1, which does not exist" in row["problem"] for row in problems)


@pytest.mark.backends("files")  # about the files themselves
def test_a_label_edited_into_a_contact_by_hand_is_missing_from_the_label_index(bookctl, studio):
    from bookctl.storage.files.emails import bucket_of

    edit_json(studio / SHARD, lambda data: data["contacts"]["c-1"]["labels"].append("VIP"))
    [row] = problems_after(bookctl, studio)
    assert row == {"file": str(studio / "data" / "labels" / f"{bucket_of('vip'):02x}.json"),
                   "problem": "the label index misses contact c-1 under 'vip'; delete data/labels/index.json and the "
                              "next label added or removed rebuilds it"}


@pytest.mark.backends("files")  # about the files themselves
def test_a_class_holding_more_bookings_than_places_is_a_problem(bookctl, studio):
    def shrink(data: dict) -> None:
        for session in data["sessions"].values():
            if session["service_id"] == "yoga-flow":
                session["capacity"] = 1
                data["bookings"]["b-20261124-77"] = {**next(iter(
                    b for b in data["bookings"].values() if b["session_id"] == session["id"])),
                    "id": "b-20261124-77", "contact_id": "c-1"}
        data["next_seq"] = 78
    edit_json(studio / DAY, shrink)
    edit_json(studio / SHARD, lambda data: data["contacts"]["c-1"]["booking_ids"].append("b-20261124-77"))
    problems = problems_after(bookctl, studio)
    assert [row["problem"] for row in problems] == ["has 2 confirmed bookings for 1 places"]


def test_a_session_of_a_service_removed_from_the_settings_by_hand_is_a_problem(bookctl, studio):
    toml = studio / "bookctl.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index("[services.yoga-flow]")
    end = text.find("\n[", start + 1)
    toml.write_text(text[:start] + (text[end + 1:] if end != -1 else ""), encoding="utf-8")
    problems = problems_after(bookctl, studio)
    assert [row["problem"] for row in problems] == ["names service yoga-flow, which bookctl.toml does not have"]


@pytest.mark.backends("files")  # about the files themselves
def test_doctor_in_table_form_lists_file_and_problem(bookctl, studio):
    (studio / SHARD).write_bytes(b"")
    done = bookctl("doctor", "--store", studio)
    assert done.exit_code == 4
    assert done.stdout.splitlines()[0].split() == ["file", "problem"]
    assert str(studio / SHARD) in done.stdout


def paid_booking(bookctl, studio: Path) -> str:  # noqa: ANN001
    """Pay the physiotherapy booking by card; its id."""
    rows = bookctl("session", "list", "--day", "2026-11-24", "--store", studio, "--format", "json").json()
    booking = next(r["id"] for r in rows if r["service_id"] == "physiotherapy")
    done = bookctl("payment", "collect", booking, "--method", "card", "--card", "tok_visa", "--store", studio)
    assert done.exit_code == 0, done.stderr
    return booking


def test_a_store_with_payments_and_refunds_is_ok(bookctl, studio):
    booking = paid_booking(bookctl, studio)
    assert bookctl("payment", "refund", booking, "--amount", "15", "--store", studio).exit_code == 0
    assert doctor(bookctl, studio).exit_code == 0


@pytest.mark.backends("files")  # about the files themselves
def test_refunds_beyond_the_charges_edited_in_by_hand_are_a_problem(bookctl, studio):
    booking = paid_booking(bookctl, studio)
    assert bookctl("payment", "refund", booking, "--amount", "15", "--store", studio).exit_code == 0

    def inflate(data: dict) -> None:
        for entry in data["ledger"].values():
            if entry["kind"] == "refund":
                entry["amount"]["minor"] = 9000
    edit_json(studio / DAY, inflate)
    [row] = problems_after(bookctl, studio)
    assert row == {"file": f"booking {booking}", "problem": "has 90.00 EUR refunded but only 65.00 EUR charged"}


@pytest.mark.backends("files")  # about the files themselves
def test_a_damaged_webhook_delivery_is_a_problem_and_webhook_send_names_it(bookctl, studio):
    assert bookctl("webhook", "add", "http://127.0.0.1:9/hook", "--events", "contact-created",
                   "--store", studio).exit_code == 0
    assert bookctl("contact", "add", "--first-name", "Cleo", "--store", studio).exit_code == 0
    [delivery] = sorted((studio / "webhooks").glob("wd-*.json"))
    delivery.write_bytes(delivery.read_bytes()[:30])
    [row] = problems_after(bookctl, studio)
    assert row["file"] == str(delivery)
    before = tree_digest(studio)
    sent = bookctl("webhook", "send", "--store", studio, extra_env={"BOOKCTL_WEBHOOK_SECRET": "s3cret"})
    assert sent.exit_code == 4 and str(delivery) in sent.stderr and "Traceback" not in sent.stderr
    assert tree_digest(studio) == before
