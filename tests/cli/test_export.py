"""`bookctl export ...` (seed 004): bookings of a period and contacts, read back as a spreadsheet,
a calendar and an address book would. "Now" is Monday 2026-11-23 12:00 in Rome (ISO week 48)."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bookctl.storage.stores import open_store
from tests.conftest import NOW, tree_digest

HEADER = ("booking_id,date,start,end,service,staff,contact_id,contact_name,contact_email,contact_phone,status,"
          "attendance,payment_status,price,paid,refunded,due,currency,form_responses,duration_minutes")


@pytest.fixture
def run(bookctl, store: Path):  # noqa: ANN001, ANN201
    def invoke(*args: str):  # noqa: ANN202
        return bookctl(*args, "--store", store)

    return invoke


@pytest.fixture
def ok(run):  # noqa: ANN001, ANN201
    def invoke(*args: str) -> str:
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""  # nothing but data, and no progress when stderr is not a terminal
        return result.stdout

    return invoke


@pytest.fixture
def calendar(ok, store):  # noqa: ANN001, ANN201
    """Bookings in week 47 (last week), week 48 (this week) and December, in several states."""
    def contact(*args: str) -> str:
        return json.loads(ok("contact", "add", *args, "--format", "json"))["id"]

    def book(contact_id: str, service: str, start: str, *extra: str) -> str:
        return json.loads(ok("session", "book", "--service", service, "--contact", contact_id, "--start", start,
                             "--allow-past", "--format", "json", *extra))["id"]

    ada = contact("--first-name", "Ada", "--last-name", "Lovelace", "--email", "ada@example.com", "--phone", "+39 333 1234567")
    noa = contact("--first-name", "נועה", "--last-name", "כהן", "--email", "noa@example.com")
    ivan = contact("--first-name", "Иван", "--last-name", "Попов, мл.")
    ids = {
        "last_week": book(ada, "physiotherapy", "2026-11-16 09:00", "--staff", "Giulia Romano",
                          "--form", 'injury=knee, "left"', "--form", "first_visit=yes"),
        "last_sunday_late": book(noa, "yoga-flow", "2026-11-22 23:30"),
        "monday": book(ada, "yoga-flow", "2026-11-23 00:30", "--staff", "Sanne de Vries"),
        "monday_ivan": book(ivan, "yoga-flow", "2026-11-23 00:30"),
        "friday": book(noa, "physiotherapy", "2026-11-27 18:00", "--form", "injury=ginocchio"),
        "december": book(ivan, "physiotherapy", "2026-12-02 10:00"),
    }
    ok("session", "checkin", ids["last_week"])
    ok("session", "no-show", ids["monday"])
    ok("session", "cancel", ids["friday"])
    with open_store(store).write() as uow:  # #5's `contact label ID VIP`, through the store's unit of work
        uow.contacts.get(ada).labels.append("VIP")
        uow.commit()
    return {"ids": ids, "ada": ada, "noa": noa, "ivan": ivan}


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def ids_of(text: str) -> list[str]:
    return [row["booking_id"] for row in csv_rows(text)]


# --- periods --------------------------------------------------------------------------------------

def exported(ok, tmp_path: Path, *args: str) -> str:  # noqa: ANN001
    """The export's file as written, line ends untouched (CliRunner's stdout turns CRLF into LF)."""
    target = tmp_path / "export.out"
    assert ok("export", *args, "--output", target) == ""
    return target.read_bytes().decode("utf-8")


def test_an_empty_period_is_the_csv_header_alone(ok, calendar, tmp_path):
    assert exported(ok, tmp_path, "bookings", "--week", "2027-W10") == HEADER + "\r\n"


def test_an_empty_store_exports_the_header_alone(ok, tmp_path):
    assert exported(ok, tmp_path, "bookings") == HEADER + "\r\n"


def test_week_is_monday_to_sunday_in_the_stores_time_zone(ok, calendar):
    ids = calendar["ids"]
    # Sunday 23:30 in Rome is Sunday 22:30 UTC and Monday 00:30 is Sunday 23:30 UTC: local days count.
    assert ids_of(ok("export", "bookings", "--week", "2026-W47")) == [ids["last_week"], ids["last_sunday_late"]]
    assert ids_of(ok("export", "bookings", "--week", "2026-W48")) == [ids["monday"], ids["monday_ivan"], ids["friday"]]


def test_month_and_from_to_are_inclusive(ok, calendar):
    ids = calendar["ids"]
    assert ids_of(ok("export", "bookings", "--month", "2026-12")) == [ids["december"]]
    assert ids_of(ok("export", "bookings", "--from", "2026-11-22", "--to", "2026-11-23")) == [
        ids["last_sunday_late"], ids["monday"], ids["monday_ivan"]]
    assert ids_of(ok("export", "bookings", "--from", "2026-11-27")) == [ids["friday"], ids["december"]]
    assert len(ids_of(ok("export", "bookings"))) == 6


@pytest.mark.parametrize("args", [
    ["--week", "2026-W48", "--month", "2026-11"],
    ["--week", "2026-W48", "--from", "2026-11-01"],
    ["--month", "2026-11", "--to", "2026-11-30"],
    ["--week", "2026-48"], ["--week", "2026-W54"], ["--month", "2026-13"], ["--from", "23/11/2026"],
    ["--from", "2026-11-30", "--to", "2026-11-01"], ["--attendance", "late"], ["--status", "gone"],
    ["--format", "xlsx"],
])
def test_bad_or_conflicting_options_are_exit_2_with_nothing_on_stdout(run, calendar, args):
    result = run("export", "bookings", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


# --- csv against json --------------------------------------------------------------------------------

def test_csv_and_json_exports_of_a_period_agree(ok, calendar):
    rows = csv_rows(ok("export", "bookings", "--month", "2026-11"))
    records = json.loads(ok("export", "bookings", "--month", "2026-11", "--format", "json"))
    assert len(rows) == len(records) == 5
    for row, record in zip(rows, records, strict=True):
        assert row == {
            "booking_id": record["id"], "date": record["start"][:10], "start": record["start"][11:16],
            "end": record["end"][11:16], "service": record["service"], "staff": record["staff"] or "",
            "contact_id": record["contact_id"], "contact_name": record["contact_name"],
            "contact_email": record["contact_email"] or "",
            # "+39 ..." would start a formula in a spreadsheet: text cells starting with + get a '
            "contact_phone": "'" + record["contact_phone"] if record["contact_phone"] else "",
            "status": record["status"], "attendance": record["attendance"],
            "payment_status": record["payment_status"], "price": record["price"]["amount"],
            "paid": record["paid"]["amount"], "refunded": record["refunded"]["amount"],
            "due": record["due"]["amount"], "currency": record["price"]["currency"],
            "form_responses": json.dumps(record["form_responses"], ensure_ascii=False, sort_keys=True)
            if record["form_responses"] else "",
            "duration_minutes": str(int((datetime.fromisoformat(record["end"])
                                         - datetime.fromisoformat(record["start"])).total_seconds() // 60)),
        }
    first = rows[0]
    assert (first["date"], first["start"], first["end"], first["service"], first["staff"]) == (
        "2026-11-16", "09:00", "09:45", "Physiotherapy", "Giulia Romano")
    assert (first["contact_name"], first["attendance"], first["price"], first["currency"]) == (
        "Ada Lovelace", "checked_in", "65.00", "EUR")
    assert json.loads(first["form_responses"]) == {"injury": 'knee, "left"', "first_visit": "yes"}


def test_ndjson_is_one_booking_per_line_with_the_booking_keys(ok, calendar):
    lines = ok("export", "bookings", "--week", "2026-W48", "--format", "ndjson").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [calendar["ids"][k] for k in ("monday", "monday_ivan", "friday")]
    assert {"id", "session_id", "start", "end", "status", "attendance", "payment_status", "price", "paid",
            "refunded", "due", "form_responses", "created_at"} <= records[0].keys()
    assert records[0]["start"] == "2026-11-23T00:30:00+01:00"


@pytest.mark.parametrize(("args", "expected"), [
    (["--attendance", "no_show"], ["monday"]),
    (["--attendance", "checked_in", "--attendance", "no-show"], ["last_week", "monday"]),
    (["--status", "cancelled"], ["friday"]),
    (["--service", "Yoga Flow"], ["last_sunday_late", "monday", "monday_ivan"]),
    (["--staff", "giulia-romano"], ["last_week"]),
    (["--label", "vip"], ["last_week", "monday"]),
])
def test_filters_pick_the_bookings(ok, calendar, args, expected):
    assert ids_of(ok("export", "bookings", *args)) == [calendar["ids"][k] for k in expected]


def test_contact_filter_and_unknown_contact(ok, run, calendar):
    assert ids_of(ok("export", "bookings", "--contact", calendar["ivan"])) == [
        calendar["ids"]["monday_ivan"], calendar["ids"]["december"]]
    assert run("export", "bookings", "--contact", "c-999").exit_code == 3


# --- ics --------------------------------------------------------------------------------------------

def test_ics_parses_back_with_one_event_per_booking_in_the_stores_zone(ok, calendar, tmp_path):
    from icalendar import Calendar

    text = exported(ok, tmp_path, "bookings", "--week", "2026-W48", "--format", "ics")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    parsed = Calendar.from_ical(text)
    assert str(parsed["VERSION"]) == "2.0" and "PRODID" in parsed
    [zone] = parsed.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Rome"
    events = parsed.walk("VEVENT")
    ids = calendar["ids"]
    # The store's id scopes each UID (tests/cli/test_real_clients.py): another store has a b-... too.
    assert [str(e["UID"]).partition("@")[0] for e in events] == [ids[k] for k in ("monday", "monday_ivan", "friday")]
    monday = events[0]
    start = monday.decoded("DTSTART")
    assert start.isoformat() == "2026-11-23T00:30:00+01:00" and str(start.tzinfo) == "Europe/Rome"
    assert monday.decoded("DTEND").isoformat() == "2026-11-23T01:30:00+01:00"
    assert str(monday["SUMMARY"]) == "Yoga Flow: Ada Lovelace"
    assert str(monday["ATTENDEE"]) == "mailto:ada@example.com"
    assert str(events[1]["SUMMARY"]) == "Yoga Flow: Иван Попов, мл."
    assert str(events[2]["STATUS"]) == "CANCELLED" and str(monday["STATUS"]) == "CONFIRMED"
    assert "injury: ginocchio" in str(events[2]["DESCRIPTION"])


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC", "America/New_York"])
def test_ics_times_are_wall_clock_under_their_tzid_in_any_store_zone(bookctl, tmp_path, zone):
    from icalendar import Calendar

    root = tmp_path / zone.replace("/", "-")
    for args in (("init", root, "--business", "Studio", "--timezone", zone),
                 ("service", "add", "Yoga Flow", "--kind", "class", "--capacity", "3", "--price", "18", "--duration", "60"),
                 ("contact", "add", "--first-name", "Ada"),
                 ("session", "book", "--service", "yoga-flow", "--contact", "c-1", "--start", "2026-11-24 09:00")):
        assert bookctl(*args, *(() if args[0] == "init" else ("--store", root))).exit_code == 0
    text = bookctl("export", "bookings", "--week", "2026-W48", "--format", "ics", "--store", root).stdout
    assert [line for line in text.splitlines() if line.startswith("DTSTART;")] == [f"DTSTART;TZID={zone}:20261124T090000"]
    [event] = Calendar.from_ical(text).walk("VEVENT")
    assert event.decoded("DTSTART").hour == 9 and str(event.decoded("DTSTART").tzinfo) == zone


@pytest.mark.parametrize("where", ["missing-dir/x.csv", "."])
def test_an_output_path_that_cannot_be_written_is_exit_2_and_writes_nothing(run, calendar, tmp_path, where):
    before = sorted(tmp_path.rglob("*"))
    result = run("export", "bookings", "--week", "2026-W48", "--format", "csv", "--output", tmp_path / where)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert sorted(tmp_path.rglob("*")) == before


def test_ics_of_an_empty_period_is_a_valid_calendar_without_events(ok, calendar):
    from icalendar import Calendar

    parsed = Calendar.from_ical(ok("export", "bookings", "--week", "2027-W10", "--format", "ics"))
    assert parsed.walk("VEVENT") == []


# --- contacts ---------------------------------------------------------------------------------------

def test_contacts_vcf_is_vcard_4_and_parses_back(ok, store, calendar, tmp_path):
    import vobject

    with open_store(store).write() as uow:  # fields #5's `contact add-field` will set from the CLI
        ada = uow.contacts.get(calendar["ada"])
        ada.emails, ada.phones, ada.addresses = ["ada@work.example"], ["+39 06 555 0101"], ["Via Roma 1; Rome, Italy"]
        ada.company, ada.position, ada.language = "Analytical Engines, Ltd.", "Programmer", "en-GB"
        from datetime import date

        ada.birthday = date(1815, 12, 10)
        ada.custom_fields = {"dog": "Rex"}
        uow.commit()
    text = exported(ok, tmp_path, "contacts", "--format", "vcf")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "\n" not in text.replace("\r\n", "")
    cards = list(vobject.readComponents(text))
    assert len(cards) == 3
    first = cards[0]
    assert first.version.value == "4.0"
    assert first.fn.value == "Ada Lovelace"
    assert [e.value for e in first.email_list] == ["ada@example.com", "ada@work.example"]
    assert [t.value for t in first.tel_list] == ["+39 333 1234567", "+39 06 555 0101"]
    assert first.adr.value.street == "Via Roma 1; Rome, Italy"
    assert first.org.value == ["Analytical Engines, Ltd."]
    assert first.title.value == "Programmer"
    assert first.bday.value == "18151210"
    assert first.categories.value == ["Physiotherapy", "Yoga Flow", "VIP"]
    assert first.note.value == "dog: Rex"
    assert cards[1].fn.value == "נועה כהן"
    assert cards[2].n.value.family == "Попов, мл."


def test_contacts_label_filter_and_csv_json_agree(ok, calendar):
    rows = csv_rows(ok("export", "contacts", "--label", "yoga flow"))
    records = json.loads(ok("export", "contacts", "--label", "yoga flow", "--format", "json"))
    assert [r["id"] for r in rows] == [r["id"] for r in records] == [calendar["ada"], calendar["noa"], calendar["ivan"]]
    assert json.loads(rows[0]["labels"]) == records[0]["labels"]
    assert rows[0]["email"] == records[0]["email"] == "ada@example.com"
    assert ok("export", "contacts", "--label", "nobody") == (
        "id,first_name,last_name,email,phone,address,emails,phones,addresses,company,position,language,tax_id,"
        "birthday,labels,custom_fields,created_at\n")


# --- --output ---------------------------------------------------------------------------------------

def test_output_writes_the_file_and_nothing_to_stdout(run, store, calendar, tmp_path):
    target = tmp_path / "week.csv"
    before = tree_digest(store)
    result = run("export", "bookings", "--week", "2026-W48", "--output", target)
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
    assert len(csv_rows(target.read_text(encoding="utf-8"))) == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left
    assert tree_digest(store) == before  # an export never writes to the store


def test_a_failed_export_leaves_the_previous_file_intact(run, calendar, tmp_path):
    target = tmp_path / "week.csv"
    target.write_text("yesterday's export\n", encoding="utf-8")
    result = run("export", "bookings", "--week", "2026-W48", "--staff", "nobody", "--output", target)
    assert result.exit_code == 3
    assert target.read_text(encoding="utf-8") == "yesterday's export\n"


def test_an_export_killed_midway_leaves_the_previous_file_intact(bookctl, store, tmp_path):
    assert bookctl("demo", "seed", "--contacts", "40", "--bookings", "400", "--days", "30", "--start", "2026-11-23",
                   "--store", store).exit_code == 0
    target = tmp_path / "all.ics"
    target.write_text("yesterday's export\n", encoding="utf-8")
    # stderr is a terminal whose buffer we fill and never read: the export's first progress line
    # (written after its first day) blocks it midway, with its temporary file open and half written.
    master, slave = pty.openpty()
    os.set_blocking(slave, False)
    try:
        while True:
            os.write(slave, b"x" * 256)
    except BlockingIOError:
        pass
    os.set_blocking(slave, True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")}
    env["BOOKCTL_NOW"] = NOW
    child = subprocess.Popen([sys.executable, "-m", "bookctl", "export", "bookings", "--format", "ics", "--output",
                              str(target), "--store", str(store)], stdout=subprocess.DEVNULL, stderr=slave, env=env)
    try:
        temp = target.with_name(f".{target.name}.tmp-{child.pid}")
        while not temp.exists():
            assert child.poll() is None, "the export finished before it could be interrupted"
            os.sched_yield()
        assert child.poll() is None
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        os.close(slave)
        os.close(master)
    assert target.read_text(encoding="utf-8") == "yesterday's export\n"
    assert temp.exists(), "the killed export left its temporary file"
    # The next export replaces it whole, and clears what the killed one left.
    result = bookctl("export", "bookings", "--format", "ics", "--output", target, "--store", store)
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8").count("BEGIN:VEVENT") == 400
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".all.ics")) == []


def test_progress_goes_to_stderr_only_when_it_is_a_terminal(store, bookctl, tmp_path):
    assert bookctl("demo", "seed", "--contacts", "10", "--bookings", "40", "--days", "6", "--start", "2026-11-23",
                   "--store", store).exit_code == 0
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")}
    env["BOOKCTL_NOW"] = NOW
    try:
        child = subprocess.run([sys.executable, "-m", "bookctl", "export", "bookings", "--store", str(store)],
                               stdout=subprocess.PIPE, stderr=slave, env=env, timeout=60)
        os.close(slave)
        terminal = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal has no writer left
                break
            if not chunk:
                break
            terminal += chunk
    finally:
        os.close(master)
    assert child.returncode == 0
    assert b"exporting: 40 bookings" in terminal
    assert len(child.stdout.decode().splitlines()) == 41  # the header and the rows, nothing else


def test_csv_gives_the_real_duration_of_sessions_across_both_clock_changes(ok):
    ada = json.loads(ok("contact", "add", "--first-name", "Ada", "--format", "json"))["id"]
    for start in ("2027-03-28 01:30", "2027-10-31T02:30+02:00", "2027-10-31T02:30+01:00"):
        ok("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", start, "--allow-overlap")
    rows = csv_rows(ok("export", "bookings", "--from", "2027-03-01", "--to", "2027-11-30"))
    # Wall times alone would say 105 minutes, -15 minutes and 45 minutes.
    assert [(r["date"], r["start"], r["end"], r["duration_minutes"]) for r in rows] == [
        ("2027-03-28", "01:30", "03:15", "45"), ("2027-10-31", "02:30", "02:15", "45"),
        ("2027-10-31", "02:30", "03:15", "45")]
