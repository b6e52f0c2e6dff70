"""The store as a whole: how it is found, how hand-broken files are refused, how errors and formats look."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import database_url_of, run_process, tree_digest




NO_STORE = "error: no bookctl store here; run 'bookctl init'\n"
ONE_ERROR_LINE = re.compile(r"error: [^\n]+\n")


def init_store(bookctl, root: Path, business: str) -> Path:  # noqa: ANN001
    """A bare store at `root`."""
    result = bookctl("init", root, "--business", business, "--currency", "EUR", "--timezone", "Europe/Rome")
    assert result.exit_code == 0, result.stderr
    return root


def add_contact(bookctl, store: Path, first_name: str) -> str:  # noqa: ANN001
    """A new contact's id."""
    result = bookctl("contact", "add", "--first-name", first_name, "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()["id"]


def book(bookctl, store: Path, contact_id: str, service: str, start: str, *options: str) -> str:  # noqa: ANN001
    """A new booking's id."""
    result = bookctl("session", "book", "--service", service, "--contact", contact_id, "--start", start, *options,
                     "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()["id"]


@pytest.fixture
def booked_today(bookctl, store) -> tuple[Path, str]:  # noqa: ANN001
    """The store with one contact and one appointment this afternoon: (store, booking id)."""
    contact = add_contact(bookctl, store, "Zoë")
    return store, book(bookctl, store, contact, "physiotherapy", "2026-11-23 15:00", "--staff", "giulia-romano")


def session_ids(result) -> list[str]:  # noqa: ANN001
    """The booking ids of a `session list --format json` run."""
    assert result.exit_code == 0, result.stderr
    return [row["id"] for row in json.loads(result.stdout)]


# --- discovery ----------------------------------------------------------------------------------------


def test_store_option_after_the_command_names_the_store(bookctl, booked_today):
    store, booking = booked_today
    assert session_ids(bookctl("session", "list", "--format", "json", "--store", store)) == [booking]


def test_store_option_before_the_command_names_the_store(bookctl, booked_today):
    store, booking = booked_today
    assert session_ids(bookctl("--store", store, "session", "list", "--format", "json")) == [booking]


def test_store_option_after_the_command_wins_over_one_before_it(bookctl, booked_today, tmp_path):
    store, booking = booked_today
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = bookctl("--store", elsewhere, "session", "list", "--format", "json", "--store", store)
    assert session_ids(result) == [booking]


def test_bookctl_store_environment_variable_names_the_store(bookctl, booked_today, tmp_path, monkeypatch):
    store, booking = booked_today
    monkeypatch.chdir(tmp_path)
    result = bookctl("session", "list", "--format", "json", extra_env={"BOOKCTL_STORE": str(store)})
    assert session_ids(result) == [booking]


def test_store_option_wins_over_the_environment_variable(bookctl, booked_today, tmp_path):
    store, booking = booked_today
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = bookctl("session", "list", "--format", "json", "--store", store,
                     extra_env={"BOOKCTL_STORE": str(elsewhere)})
    assert session_ids(result) == [booking]


def test_nearest_ancestor_holding_bookctl_toml_is_the_store(booked_today):
    store, booking = booked_today
    below = store / "deep" / "below"
    below.mkdir(parents=True)
    done = run_process("session", "list", "--format", "json", cwd=below)
    assert done.returncode == 0, done.stderr
    assert [row["id"] for row in json.loads(done.stdout)] == [booking]


def test_environment_variable_wins_over_the_ancestor_directory(bookctl, booked_today, tmp_path):
    store, _ = booked_today
    other = init_store(bookctl, tmp_path / "other", "Studio Blu")
    (store / "below").mkdir()
    done = run_process("config", "show", "--format", "json", cwd=store / "below", env={"BOOKCTL_STORE": str(other)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["business.name"] == "Studio Blu"


def test_no_store_found_is_exit_4_in_a_real_process(tmp_path):
    nowhere = tmp_path / "nowhere"
    nowhere.mkdir()
    done = run_process("session", "list", cwd=nowhere)
    assert done.returncode == 4
    assert done.stderr == NO_STORE
    assert done.stdout == ""


def test_no_store_found_for_a_mutating_command_is_exit_4_and_creates_nothing(bookctl, tmp_path, monkeypatch):
    nowhere = tmp_path / "nowhere"
    nowhere.mkdir()
    monkeypatch.chdir(nowhere)
    result = bookctl("contact", "add", "--first-name", "Zoë")
    assert result.exit_code == 4
    assert result.stderr == NO_STORE
    assert list(nowhere.iterdir()) == []


def test_store_option_naming_a_directory_without_a_store_is_exit_4(bookctl, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = bookctl("session", "list", "--store", empty)
    assert result.exit_code == 4
    assert result.stderr == (f"error: no bookctl store at {empty}: the directory has no bookctl.toml; "
                             f"run 'bookctl init {empty}' to make it one\n")


def test_environment_variable_naming_a_directory_without_a_store_is_exit_4(bookctl, tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(tmp_path)
    result = bookctl("session", "list", extra_env={"BOOKCTL_STORE": str(empty)})
    assert result.exit_code == 4
    assert result.stderr == (f"error: no bookctl store at {empty}, which BOOKCTL_STORE names: the directory has "
                             f"no bookctl.toml; run 'bookctl init {empty}' to make it one, or point BOOKCTL_STORE "
                             "at your store\n")


def test_environment_variable_naming_nothing_says_so_and_creates_nothing(bookctl, tmp_path, monkeypatch):
    missing = tmp_path / "studio"
    monkeypatch.chdir(tmp_path)
    result = bookctl("session", "list", extra_env={"BOOKCTL_STORE": str(missing)})
    assert result.exit_code == 4
    assert result.stderr == (f"error: no bookctl store at {missing}, which BOOKCTL_STORE names: there is no such "
                             f"directory; run 'bookctl init {missing}', or point BOOKCTL_STORE at your store\n")
    assert not missing.exists()


def test_store_option_naming_a_file_says_it_is_no_directory(bookctl, tmp_path):
    afile = tmp_path / "bookings.csv"
    afile.write_text("id\n")
    result = bookctl("session", "list", "--store", afile)
    assert result.exit_code == 4
    assert result.stderr == f"error: no bookctl store at {afile}: it is a file, not a store directory\n"
    assert afile.read_text() == "id\n"


def test_a_store_path_with_a_space_is_suggested_quoted_for_the_shell(bookctl, tmp_path):
    spaced = tmp_path / "my studio"
    result = bookctl("session", "list", "--store", spaced)
    assert result.exit_code == 4
    assert result.stderr == f"error: no bookctl store at {spaced}; run \"bookctl init '{spaced}'\"\n"


# --- hand-broken files --------------------------------------------------------------------------------

Breaker = Callable[[bytes], bytes]


def _replace(old: bytes, new: bytes) -> Breaker:
    def breaker(raw: bytes) -> bytes:
        assert old in raw, f"{old!r} is not in the file"
        return raw.replace(old, new, 1)
    return breaker


def _truncate(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def _drop_sessions(raw: bytes) -> bytes:
    data = json.loads(raw)
    assert data["sessions"] and data["bookings"]
    data["sessions"] = {}
    return (json.dumps(data, sort_keys=True, indent=2) + "\n").encode()


def assert_refused_as_damaged(result, path: Path, where: str) -> None:  # noqa: ANN001
    """Exit 4, one `error:` line naming the file and where in it, nothing on stdout."""
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert ONE_ERROR_LINE.fullmatch(result.stderr), result.stderr
    assert result.stderr.startswith(f"error: {path}: "), result.stderr
    assert where in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def assert_damage_refused(bookctl, store: Path, path: Path, breaker: Breaker, where: str,  # noqa: ANN001
                          *args: str) -> None:
    """Break `path` by hand, run bookctl `args` on the store: refused as damaged, and no file changed."""
    damaged = break_file(path, breaker)
    before = tree_digest(store)
    result = bookctl(*args, "--store", store)
    assert_refused_as_damaged(result, path, where)
    assert path.read_bytes() == damaged
    assert tree_digest(store) == before


def break_file(path: Path, breaker: Breaker) -> bytes:
    """Damage `path` by hand; returns the damaged bytes."""
    damaged = breaker(path.read_bytes())
    path.write_bytes(damaged)
    return damaged


SETTINGS_DAMAGE = {
    "invalid-toml": (_replace(b"[business]", b"[business\n"), "invalid TOML"),
    "wrong-type": (_replace(b"duration_minutes = 45", b'duration_minutes = "x"'),
                   "field services.physiotherapy.duration_minutes"),
    "newer-schema": (_replace(b"schema_version = 1\n", b"schema_version = 99\n"), "schema_version 99 is newer"),
    "unknown-timezone": (_replace(b'timezone = "Europe/Rome"', b'timezone = "Mars/Olympus"'),
                         "field business.timezone"),
}
COMMANDS_ON_SETTINGS = {
    "read": ("service", "list"),
    "mutate": ("contact", "add", "--first-name", "Marco"),
}


@pytest.mark.parametrize("damage", list(SETTINGS_DAMAGE))
@pytest.mark.parametrize("command", list(COMMANDS_ON_SETTINGS))
def test_damaged_bookctl_toml_is_exit_4_naming_it_and_left_untouched(bookctl, booked_today, damage, command):
    store, _ = booked_today
    path = store / "bookctl.toml"
    breaker, where = SETTINGS_DAMAGE[damage]
    assert_damage_refused(bookctl, store, path, breaker, where, *COMMANDS_ON_SETTINGS[command])


def test_invalid_toml_error_names_the_line(bookctl, store):
    path = store / "bookctl.toml"
    lines = path.read_bytes().split(b"\n")
    bad_line = lines.index(b"[business]") + 1
    break_file(path, _replace(b"[business]", b"[business"))
    result = bookctl("config", "show", "--store", store)
    assert_refused_as_damaged(result, path, f"line {bad_line}")


DAY_DAMAGE = {
    "truncated-json": (_truncate, "line "),
    "invalid-utf8": (_replace(b'"confirmed"', b'"confirm\xffed"'), "invalid UTF-8 at byte"),
    "wrong-type": (_replace(b'"capacity": 1,', b'"capacity": "one",'), "field sessions.s-20261123-1.capacity"),
    "newer-schema": (_replace(b'"schema_version": 1', b'"schema_version": 2'), "schema_version 2 is newer"),
    "booking-without-its-session": (_drop_sessions, "field bookings.b-20261123-2: its session s-20261123-1"),
    # What the streaming read path's fast decoder must refuse as the models do:
    "unknown-field": (_replace(b'"capacity": 1,', b'"capacity": 1, "colour": "red",'),
                      "field sessions.s-20261123-1.colour"),
    "no-schema-version": (_replace(b'"schema_version": 1,', b""), "field schema_version is missing"),
    "time-without-offset": (_replace(b'"start": "2026-11-23T15:00:00+01:00"', b'"start": "2026-11-23T15:00:00"'),
                            "field sessions.s-20261123-1.start"),
    "unknown-currency": (_replace(b'"currency": "EUR"', b'"currency": "XXX"'),
                         "field bookings.b-20261123-2.price.currency"),
    "unknown-attendance": (_replace(b'"attendance": "booked"', b'"attendance": "late"'),
                           "field bookings.b-20261123-2.attendance"),
    "negative-revision": (_replace(b'"revision": 0', b'"revision": -1'), "field bookings.b-20261123-2.revision"),
}
BOOKING = "b-20261123-2"  # the one booking of `booked_today`, in data/days/2026/2026-11-23.json
COMMANDS_ON_DAY = {
    "read": ("session", "list", "--day", "2026-11-23"),
    "show": ("session", "show", BOOKING),
    "mutate": ("session", "checkin", BOOKING),
    # The streaming read path (exports, listings) decodes day files its own way: as strict.
    "export-csv": ("export", "bookings", "--from", "2026-11-23", "--to", "2026-11-30"),
    "export-json": ("export", "bookings", "--format", "json"),
    "export-ics": ("export", "bookings", "--format", "ics"),
}


@pytest.mark.backends("files")  # about the files themselves
@pytest.mark.parametrize("damage", list(DAY_DAMAGE))
@pytest.mark.parametrize("command", list(COMMANDS_ON_DAY))
def test_damaged_day_file_is_exit_4_naming_it_and_left_untouched(bookctl, booked_today, damage, command):
    store, booking = booked_today
    assert booking == BOOKING
    if command.startswith("export"):  # a calendar of a week: past the few days the models read alone
        book(bookctl, store, add_contact(bookctl, store, "Ada"), "physiotherapy", "2026-11-30 10:00")
    path = store / "data" / "days" / "2026" / "2026-11-23.json"
    breaker, where = DAY_DAMAGE[damage]
    assert_damage_refused(bookctl, store, path, breaker, where, *COMMANDS_ON_DAY[command])


@pytest.mark.backends("files")  # about the files themselves
@pytest.mark.parametrize("fmt", ["csv", "json", "ics"])
def test_export_of_a_damaged_contact_shard_is_exit_4_naming_it(bookctl, booked_today, fmt):
    store, _ = booked_today
    path = store / "data" / "contacts" / "00000.json"
    assert_damage_refused(bookctl, store, path, _replace(b'"first_name": "Zo', b'"first_name": 7, "x": "Zo'),
                          "field contacts.c-1.first_name", "export", "bookings", "--format", fmt)


@pytest.mark.backends("files")  # about the files themselves
def test_a_day_file_the_models_read_leniently_exports_as_it_lists(bookctl, booked_today):
    """pydantic takes "1" for an integer; the fast decoder does not, and hands the file to the models."""
    store, booking = booked_today
    path = store / "data" / "days" / "2026" / "2026-11-23.json"
    break_file(path, _replace(b'"capacity": 1,', b'"capacity": "1",'))
    exported = bookctl("export", "bookings", "--format", "json", "--store", store)
    listed = bookctl("session", "list", "--day", "2026-11-23", "--format", "json", "--store", store)
    assert exported.exit_code == 0 and listed.exit_code == 0, (exported.stderr, listed.stderr)
    assert [row["id"] for row in exported.json()] == [row["id"] for row in listed.json()] == [booking]
    assert exported.json()[0]["price"] == listed.json()[0]["price"] == {"amount": "65.00", "currency": "EUR"}


@pytest.mark.backends("files")  # about the files themselves
def test_booking_into_a_damaged_day_file_is_exit_4_and_leaves_it_untouched(bookctl, booked_today):
    store, _ = booked_today
    path = store / "data" / "days" / "2026" / "2026-11-23.json"
    contact = add_contact(bookctl, store, "Marco")
    assert_damage_refused(bookctl, store, path, _truncate, "line ", "session", "book", "--service", "physiotherapy",
                          "--contact", contact, "--start", "2026-11-23 17:00")


COMMANDS_ON_CONTACTS = {
    "read": ("contact", "list"),
    "show": ("contact", "show", "c-1"),
    "mutate": ("contact", "add", "--first-name", "Marco"),
}


@pytest.mark.backends("files")  # about the files themselves
@pytest.mark.parametrize("command", list(COMMANDS_ON_CONTACTS))
def test_truncated_contact_shard_is_exit_4_naming_it_and_left_untouched(bookctl, booked_today, command):
    store, _ = booked_today
    path = store / "data" / "contacts" / "00000.json"
    assert_damage_refused(bookctl, store, path, _truncate, "line ", *COMMANDS_ON_CONTACTS[command])


@pytest.mark.backends("files")  # about the files themselves
def test_counters_with_a_wrong_type_is_exit_4_naming_the_field_and_left_untouched(bookctl, booked_today):
    store, _ = booked_today
    path = store / "data" / "counters.json"
    assert_damage_refused(bookctl, store, path, _replace(b'"contacts": 1', b'"contacts": "one"'), "field contacts",
                          "contact", "add", "--first-name", "Marco")


@pytest.mark.backends("files")  # about the files themselves
def test_day_file_whose_next_seq_is_behind_its_ids_is_exit_4_and_nothing_is_overwritten(bookctl, booked_today):
    store, _ = booked_today
    path = store / "data" / "days" / "2026" / "2026-11-23.json"
    assert_damage_refused(bookctl, store, path, _replace(b'"next_seq": 3', b'"next_seq": 1'), "next_seq",
                          "session", "add", "--service", "yoga-flow", "--start", "2026-11-23 18:00")


@pytest.mark.backends("files")  # about the files themselves
def test_misnamed_day_file_is_exit_4_naming_it(bookctl, booked_today):
    store, _ = booked_today
    days = store / "data" / "days" / "2026"
    stray = days / "2026-11-31.json"
    stray.write_bytes((days / "2026-11-23.json").read_bytes())
    before = tree_digest(store)
    result = bookctl("session", "list", "--store", store)
    assert_refused_as_damaged(result, stray, "")
    assert tree_digest(store) == before


@pytest.mark.backends("files")  # about the files themselves
def test_empty_year_directories_do_not_hide_the_calendar(bookctl, booked_today):
    store, booking = booked_today
    (store / "data" / "days" / "2020").mkdir()
    (store / "data" / "days" / "2030").mkdir()
    assert session_ids(bookctl("session", "list", "--store", store, "--format", "json")) == [booking]


# A lost partition: the day file is gone, but the year's index (days.json) says it was written.
MISSING_DAY_COMMANDS = {
    "session list --day": ("session", "list", "--day", "2026-11-23"),
    "session show": ("session", "show", "{booking}"),
    "session checkin": ("session", "checkin", "{booking}"),
    "session add on that day": ("session", "add", "--service", "yoga-flow", "--start", "2026-11-23 18:00"),
    "contact show": ("contact", "show", "c-1"),
    "contact bookings": ("contact", "bookings", "c-1", "--all"),
    "export bookings": ("export", "bookings", "--month", "2026-11", "--format", "csv", "--output", "{out}"),
}


@pytest.mark.backends("files")  # about the files themselves
@pytest.mark.parametrize("command", list(MISSING_DAY_COMMANDS))
def test_missing_day_file_is_exit_4_naming_it_and_nothing_is_written(bookctl, booked_today, command, tmp_path):
    store, booking = booked_today
    path = store / "data" / "days" / "2026" / "2026-11-23.json"
    path.unlink()
    before = tree_digest(store)
    out = tmp_path / "export.csv"
    args = [a.format(booking=booking, out=out) for a in MISSING_DAY_COMMANDS[command]]
    result = bookctl(*args, "--store", store)
    assert_refused_as_damaged(result, path, "missing")
    assert "days.json" in result.stderr
    assert tree_digest(store) == before, "a lost day must not be recreated empty"
    assert not out.exists(), "an export missing a day must not be delivered"


@pytest.mark.backends("files")  # about the files themselves
def test_doctor_reports_a_missing_day_file(bookctl, booked_today):
    store, _ = booked_today
    path = store / "data" / "days" / "2026" / "2026-11-23.json"
    path.unlink()
    result = bookctl("doctor", "--store", store)
    assert result.exit_code == 4
    assert f"{path}" in result.stdout + result.stderr and "missing" in result.stdout + result.stderr


def test_a_day_never_written_is_an_empty_day_not_a_missing_one(bookctl, booked_today):
    store, _ = booked_today
    result = bookctl("session", "list", "--day", "2026-12-25", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == []


@pytest.mark.backends("files")  # about the files themselves
def test_a_store_without_day_indexes_reads_as_before_and_gains_one_with_its_next_day(bookctl, booked_today):
    store, booking = booked_today
    index = store / "data" / "days" / "2026" / "days.json"
    assert json.loads(index.read_text())["days"] == ["2026-11-23"]
    index.unlink()  # as a store written before indexes existed
    assert session_ids(bookctl("session", "list", "--store", store, "--format", "json")) == [booking]
    contact = add_contact(bookctl, store, "Marco")
    book(bookctl, store, contact, "physiotherapy", "2026-11-25 10:00")
    assert json.loads(index.read_text())["days"] == ["2026-11-23", "2026-11-25"]


@pytest.mark.backends("files")  # about the files themselves
def test_damaged_day_index_is_exit_4_naming_it(bookctl, booked_today):
    store, _ = booked_today
    index = store / "data" / "days" / "2026" / "days.json"
    assert_damage_refused(bookctl, store, index, _replace(b'"2026-11-23"', b'"2025-11-23"'), "field days",
                          "session", "list", "--day", "2026-11-24")


@pytest.mark.backends("files")  # about the files themselves
def test_counters_behind_the_contacts_is_exit_4_and_no_contact_is_overwritten(bookctl, booked_today):
    store, _ = booked_today
    path = store / "data" / "counters.json"
    damaged = break_file(path, _replace(b'"contacts": 1', b'"contacts": 0'))
    zoe = bookctl("contact", "show", "c-1", "--store", store, "--format", "json").json()
    before = tree_digest(store)
    result = bookctl("contact", "add", "--first-name", "Marco", "--store", store)
    assert bookctl("contact", "show", "c-1", "--store", store, "--format", "json").json() == zoe
    assert_refused_as_damaged(result, path, "contacts")
    assert path.read_bytes() == damaged
    assert tree_digest(store) == before


@pytest.mark.backends("files")  # about the files themselves
@pytest.mark.parametrize("command", [("session", "list"), ("contact", "add", "--first-name", "Marco")])
def test_damaged_commit_journal_is_exit_4_naming_it_and_left_untouched(bookctl, booked_today, command):
    store, _ = booked_today
    path = store / ".journal.json"
    damaged = b'{"schema_version": 1, "entr'
    path.write_bytes(damaged)
    before = tree_digest(store)
    result = bookctl(*command, "--store", store)
    assert_refused_as_damaged(result, path, "the commit journal is damaged")
    assert path.read_bytes() == damaged
    assert tree_digest(store) == before


@pytest.mark.backends("files")  # about the files themselves
def test_commit_journal_naming_a_file_outside_the_store_is_exit_4_and_touches_nothing(bookctl, booked_today,
                                                                                      tmp_path):
    store, _ = booked_today
    outside = tmp_path / "outside.txt"
    outside.write_text("not bookctl's\n", encoding="utf-8")
    path = store / ".journal.json"
    damaged = json.dumps({"schema_version": 1, "entries": [{"op": "delete", "path": "../outside.txt"}]}).encode()
    path.write_bytes(damaged)
    before = tree_digest(store)
    result = bookctl("session", "list", "--store", store)
    assert outside.is_file(), f"replaying the journal deleted {outside}, outside the store"
    assert outside.read_text(encoding="utf-8") == "not bookctl's\n"
    assert_refused_as_damaged(result, path, "")
    assert path.read_bytes() == damaged
    assert tree_digest(store) == before


@pytest.mark.backends("files")  # about the files themselves
def test_damaged_file_in_a_real_process_is_one_error_line_without_traceback(booked_today):
    store, booking = booked_today
    path = store / "data" / "days" / "2026" / "2026-11-23.json"
    damaged = break_file(path, _truncate)
    done = run_process("session", "checkin", booking, "--store", store)
    assert done.returncode == 4
    assert ONE_ERROR_LINE.fullmatch(done.stderr), done.stderr
    assert done.stderr.startswith(f"error: {path}: line ")
    assert done.stdout == ""
    assert path.read_bytes() == damaged


# --- every error is one line --------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "code"), [
    (("session", "checkin", "b-20261123-99"), 3),
    (("contact", "show", "c-42"), 3),
    (("service", "show", "pottery"), 3),
    (("session", "list", "--day", "2026-13-01"), 2),
    (("session", "book", "--service", "physiotherapy", "--contact", "c-1", "--start", "next tuesday"), 2),
    (("session", "list", "--format", "xml"), 2),
    (("session", "list", "--bogus"), 2),
    (("frobnicate",), 2),
    (("service", "add", "Pottery", "--price", "40"), 2),
    (("service", "add", "Pottery", "--price", "abc", "--duration", "60"), 2),
    (("config", "set", "business.currency", "USD"), 1),
    (("session", "book", "--service", "physiotherapy", "--contact", "c-1", "--start", "2026-11-20 10:00"), 1),
])
def test_every_error_is_one_stderr_line(bookctl, store, args, code):
    assert bookctl("contact", "add", "--first-name", "Zoë", "--store", store).exit_code == 0
    result = bookctl(*args, "--store", store)
    assert result.exit_code == code, result.stderr
    assert ONE_ERROR_LINE.fullmatch(result.stderr), result.stderr
    assert result.stdout == ""


def test_bad_date_names_the_option(bookctl, store):
    result = bookctl("session", "list", "--day", "2026-02-30", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: --day '2026-02-30' is not a valid date; use YYYY-MM-DD\n"


# --- output formats -----------------------------------------------------------------------------------


@pytest.fixture
def listing_store(bookctl, store) -> Path:  # noqa: ANN001
    """The store with two contacts, each with one upcoming booking."""
    zoe = add_contact(bookctl, store, "Zoë")
    marco = add_contact(bookctl, store, "Marco")
    book(bookctl, store, zoe, "physiotherapy", "2026-11-24 10:00", "--staff", "giulia-romano")
    book(bookctl, store, marco, "yoga-flow", "2026-11-25 18:00", "--staff", "sanne-de-vries")
    return store


LISTS = {
    "session": (("session", "list", "--from", "2026-11-23", "--to", "2026-11-30"), ["b-20261124-2", "b-20261125-2"]),
    "contact": (("contact", "list"), ["c-1", "c-2"]),
    "service": (("service", "list"), ["physiotherapy", "yoga-flow"]),
    "staff": (("staff", "list"), ["giulia-romano", "sanne-de-vries"]),
}


@pytest.mark.parametrize("listing", list(LISTS))
def test_json_format_is_an_array_of_objects(bookctl, listing_store, listing):
    args, ids = LISTS[listing]
    result = bookctl(*args, "--store", listing_store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    assert all(isinstance(row, dict) for row in rows)
    assert [row["id"] for row in rows] == ids


@pytest.mark.parametrize("listing", list(LISTS))
def test_ndjson_format_is_one_object_per_line(bookctl, listing_store, listing):
    args, ids = LISTS[listing]
    result = bookctl(*args, "--store", listing_store, "--format", "ndjson")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("\n")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == ids
    as_json = bookctl(*args, "--store", listing_store, "--format", "json").json()
    assert rows == as_json


@pytest.mark.parametrize("listing", list(LISTS))
def test_csv_format_parses_with_the_csv_module(bookctl, listing_store, listing):
    args, ids = LISTS[listing]
    result = bookctl(*args, "--store", listing_store, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["id"] for row in rows] == ids
    as_json = bookctl(*args, "--store", listing_store, "--format", "json").json()
    assert set(as_json[0]) <= set(rows[0])


def test_csv_format_writes_money_as_an_amount_with_a_currency_column(bookctl, listing_store):
    args, _ = LISTS["session"]
    result = bookctl(*args, "--store", listing_store, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["price"], row["due"], row["currency"]) for row in rows] == [("65.00", "65.00", "EUR"),
                                                                          ("18.00", "18.00", "EUR")]


@pytest.mark.parametrize("listing", list(LISTS))
def test_table_format_has_a_header_and_one_row_per_record(bookctl, listing_store, listing):
    args, ids = LISTS[listing]
    result = bookctl(*args, "--store", listing_store, "--format", "table")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[0] == "id"
    assert [line.split()[0] for line in lines[2:]] == ids


@pytest.mark.parametrize("listing", list(LISTS))
def test_table_is_the_default_format(bookctl, listing_store, listing):
    args, _ = LISTS[listing]
    default = bookctl(*args, "--store", listing_store)
    assert default.exit_code == 0, default.stderr
    assert default.stdout == bookctl(*args, "--store", listing_store, "--format", "table").stdout


def test_session_list_table_shows_names_beside_ids(bookctl, listing_store):
    args, _ = LISTS["session"]
    result = bookctl(*args, "--store", listing_store, "--format", "table")
    assert "Zoë" in result.stdout
    assert "Physiotherapy" in result.stdout
    assert "Giulia Romano" in result.stdout


def test_json_format_of_an_empty_list_is_an_empty_array(bookctl, store):
    result = bookctl("session", "list", "--day", "2026-12-01", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_store_upgrade_of_an_up_to_date_store_changes_nothing(bookctl, store):
    before = tree_digest(store)
    result = bookctl("store", "upgrade", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    shown = result.json()
    assert shown["backend"] == ("files" if database_url_of(store) is None else "postgresql")
    assert shown["changed"] is False and shown["schema_before"] == shown["schema_after"]
    assert tree_digest(store) == before
