"""The calendar and address-book files opened as their users open them: Debian's khal and khard,
run as processes, and the icalendar library. "Now" is 2026-11-23; the calendar is 2027, when
Europe/Rome's clocks go forward on 28 March (02:00 -> 03:00) and back on 31 October (03:00 ->
02:00, so 02:30 happens twice). khal and khard must be installed: .ci/run installs them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

# Bookings at and across both of 2027's changes, as a client would type them: (service, --start).
# In the fold an explicit offset says which 02:30 is meant.
EDGES = (
    ("night-class", "2027-03-28 01:30"),        # 45 min across the spring gap: 01:30+01:00 to 03:15+02:00
    ("long-night", "2027-03-28 01:00"),         # 2 h that are 3 on the wall: to 04:00+02:00
    ("night-class", "2027-03-28 03:00"),        # the first hour after the gap
    ("night-class", "2027-03-28 03:30"),
    ("night-class", "2027-10-31T01:45+02:00"),  # ends at the first 02:30
    ("night-class", "2027-10-31T02:30+02:00"),  # 45 min across the fold: to 02:15+01:00
    ("night-class", "2027-10-31T02:30+01:00"),  # the second 02:30
    ("long-night", "2027-10-31 01:30"),         # 2 h that are 1 on the wall: to 02:30+01:00
    ("night-class", "2027-10-31 03:00"),        # the first hour after the fold
)


def binary(name: str) -> str:
    """The path of a client program; its absence fails the test (CI installs it, nothing skips)."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: 'apt-get install {name}' (.ci/run installs it)")
    return found


def run_client(home: Path, *args: str | Path) -> str:
    """Run a client program with its home, config and data all under `home`; its stdout."""
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CACHE_HOME": str(home / "cache"), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert "warning" not in done.stderr.lower(), done.stderr  # khal warns when it guesses a time zone
    return done.stdout


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def truth(bookctl, root: Path) -> dict[str, tuple[datetime, timedelta]]:  # noqa: ANN001
    """Each booking's start instant and duration, from the store's JSON export."""
    result = bookctl("export", "bookings", "--format", "json", "--store", root)
    assert result.exit_code == 0, result.stderr
    return {r["id"]: (utc(r["start"]), utc(r["end"]) - utc(r["start"])) for r in json.loads(result.stdout)}


def exported(bookctl, root: Path, target: Path, *args: str) -> str:  # noqa: ANN001
    result = bookctl("export", *args, "--output", target, "--store", root)
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    return target.read_bytes().decode("utf-8")


def store_id(bookctl, root: Path) -> str:  # noqa: ANN001
    return bookctl("config", "show", "--format", "json", "--store", root).json()["store.id"]


@pytest.fixture
def year(bookctl, tmp_path: Path) -> Path:  # noqa: ANN001
    """A store with a year of demo bookings (2026-12-31 to 2027-12-30) and bookings at both changes."""
    root = tmp_path / "year"
    assert bookctl("init", root, "--business", "Studio Verde", "--currency", "EUR",
                   "--timezone", "Europe/Rome").exit_code == 0

    def ok(*args: str) -> dict:
        result = bookctl(*args, "--store", root, "--format", "json")
        assert result.exit_code == 0, (args, result.stderr)
        return result.json()

    ok("demo", "seed", "--contacts", "30", "--bookings", "400", "--days", "365", "--start", "2027-07-01")
    for name, minutes in (("Night Class", "45"), ("Long Night", "120")):
        ok("service", "add", name, "--kind", "class", "--capacity", "5", "--price", "20", "--duration", minutes)
    for n, (service, start) in enumerate(EDGES):
        client = ok("contact", "add", "--first-name", f"Night {n}", "--email", f"night{n}@example.com")["id"]
        ok("session", "book", "--service", service, "--contact", client, "--start", start)
    booked = ok("session", "list", "--from", "2027-10-31", "--to", "2027-10-31")
    ok("session", "cancel", next(b["id"] for b in booked if b["start"] == "2027-10-31T02:30:00+02:00"))
    return root


# --- iCalendar ----------------------------------------------------------------------------------

def test_the_seeded_year_spans_both_changes_with_45_minutes_across_each(bookctl, year):
    events = set(truth(bookctl, year).values())
    starts = sorted(start for start, _ in events)
    assert starts[0] < datetime(2027, 3, 28, tzinfo=UTC) and starts[-1] > datetime(2027, 11, 1, tzinfo=UTC)
    assert (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), timedelta(minutes=45)) in events  # 01:30 to 03:15 on the wall
    assert (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), timedelta(minutes=45)) in events  # 02:30 to 02:15 on the wall


def test_khal_imports_every_event_with_its_true_start_and_duration(bookctl, year, tmp_path):
    khal = binary("khal")
    ics = tmp_path / "year.ics"
    exported(bookctl, year, ics, "bookings", "--format", "ics")
    home = tmp_path / "khal"
    (home / "calendar").mkdir(parents=True)
    config = home / "khal.conf"
    config.write_text(f"""[calendars]
[[bookctl]]
path = {home / "calendar"}
type = calendar

[locale]
local_timezone = Europe/Rome
default_timezone = Europe/Rome
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%dT%H:%M%z

[default]
default_calendar = bookctl

[sqlite]
path = {home / "khal.db"}
""", encoding="utf-8")
    run_client(home, khal, "-c", config, "import", "--batch", ics)
    listed = run_client(home, khal, "-c", config, "list", "--once", "--day-format", "",
                        "--format", "{uid}|{start-long}|{end-long}", "2026-01-01", "2029-01-01")
    seen = {}
    for line in listed.splitlines():
        uid, start, end = line.split("|")
        begins, ends = (datetime.strptime(t, "%Y-%m-%dT%H:%M%z").astimezone(UTC) for t in (start, end))
        seen[uid.partition("@")[0]] = (begins, ends - begins)
    assert seen == truth(bookctl, year)
    assert len(seen) == 400 + len(EDGES)


def test_icalendar_reads_every_event_with_its_true_start_and_duration(bookctl, year, tmp_path):
    from icalendar import Calendar

    parsed = Calendar.from_ical(exported(bookctl, year, tmp_path / "year.ics", "bookings", "--format", "ics"))
    seen = {}
    for event in parsed.walk("VEVENT"):
        start, end = event.decoded("DTSTART").astimezone(UTC), event.decoded("DTEND").astimezone(UTC)
        seen[str(event["UID"]).partition("@")[0]] = (start, end - start)
    assert seen == truth(bookctl, year)


def test_times_in_the_fold_are_written_in_utc_and_the_rest_under_the_tzid(bookctl, year, tmp_path):
    from icalendar import Calendar

    parsed = Calendar.from_ical(exported(bookctl, year, tmp_path / "year.ics", "bookings", "--format", "ics",
                                         "--from", "2027-10-31", "--to", "2027-10-31"))
    forms = {(event["DTSTART"].to_ical().decode(), event["DTSTART"].params.get("TZID"))
             for event in parsed.walk("VEVENT") if str(event["SUMMARY"]).startswith(("Night Class", "Long Night"))}
    assert forms == {("20271030T233000Z", None), ("20271030T234500Z", None), ("20271031T003000Z", None),
                     ("20271031T013000Z", None), ("20271031T030000", "Europe/Rome")}


def test_the_vtimezone_gives_the_zones_offset_at_every_quarter_hour_of_both_years(bookctl, year, tmp_path):
    from icalendar import Calendar
    from zoneinfo import ZoneInfo

    text = exported(bookctl, year, tmp_path / "year.ics", "bookings", "--format", "ics")
    # Under a name no library knows, a reader has only the VTIMEZONE to go by.
    [component] = Calendar.from_ical(text.replace("Europe/Rome", "Studio/Verde")).walk("VTIMEZONE")
    described, rome = component.to_tz(), ZoneInfo("Europe/Rome")
    moment, wrong = datetime(2026, 12, 1, tzinfo=UTC), []
    while moment < datetime(2028, 12, 31, tzinfo=UTC):
        if moment.astimezone(described).utcoffset() != moment.astimezone(rome).utcoffset():
            wrong.append(moment)
        moment += timedelta(minutes=15)
    assert wrong == []


def test_a_feed_is_method_publish(bookctl, year, tmp_path):
    text = exported(bookctl, year, tmp_path / "year.ics", "bookings", "--format", "ics", "--month", "2027-03")
    assert "\r\nMETHOD:PUBLISH\r\n" in text.split("BEGIN:VEVENT")[0]


def test_a_cancelled_booking_is_a_cancelled_event(bookctl, year, tmp_path):
    from icalendar import Calendar

    parsed = Calendar.from_ical(exported(bookctl, year, tmp_path / "night.ics", "bookings", "--format", "ics",
                                         "--from", "2027-10-31", "--to", "2027-10-31", "--status", "cancelled"))
    [event] = parsed.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("DTSTART") == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


# --- one booking's event ------------------------------------------------------------------------

@pytest.fixture
def studio(bookctl, tmp_path: Path) -> Path:  # noqa: ANN001
    """A store with a staff member who has an email, and a client who has one."""
    root = tmp_path / "studio"
    for args in (("init", root, "--business", "Studio Verde", "--currency", "EUR", "--timezone", "Europe/Rome"),
                 ("service", "add", "Physiotherapy", "--price", "65", "--duration", "45"),
                 ("staff", "add", "Giulia Romano", "--email", "giulia@studio.example"),
                 ("contact", "add", "--first-name", "Ada", "--last-name", "Lovelace", "--email", "ada@example.com")):
        result = bookctl(*args, *(() if args[0] == "init" else ("--store", root)))
        assert result.exit_code == 0, (args, result.stderr)
    return root


def book(bookctl, root: Path, *extra: str) -> str:  # noqa: ANN001
    result = bookctl("session", "book", "--service", "physiotherapy", "--contact", "c-1", "--start", "2026-11-24 10:00",
                     *extra, "--store", root, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()["id"]


def the_event(bookctl, root: Path, tmp_path: Path):  # noqa: ANN001, ANN201
    from icalendar import Calendar

    text = exported(bookctl, root, tmp_path / "one.ics", "bookings", "--format", "ics")
    [event] = Calendar.from_ical(text).walk("VEVENT")
    return event


def test_sequence_rises_with_every_change_of_the_booking(bookctl, studio, tmp_path):
    booking = book(bookctl, studio)
    sequences = [int(the_event(bookctl, studio, tmp_path)["SEQUENCE"])]
    for change in (("session", "reschedule", booking, "--start", "2026-11-23 15:00"),
                   ("session", "checkin", booking),
                   ("payment", "collect", booking, "--method", "in-person", "--amount", "20", "--yes"),
                   ("session", "attendance", booking, "booked"),
                   ("session", "cancel", booking)):
        result = bookctl(*change, "--store", studio)
        assert result.exit_code == 0, (change, result.stderr)
        sequences.append(int(the_event(bookctl, studio, tmp_path)["SEQUENCE"]))
    assert sequences[0] == 0
    assert all(later > earlier for earlier, later in zip(sequences, sequences[1:])), sequences


def test_a_repeated_check_in_changes_nothing_and_keeps_the_sequence(bookctl, studio, tmp_path):
    booking = book(bookctl, studio)
    assert bookctl("session", "reschedule", booking, "--start", "2026-11-23 15:00", "--store", studio).exit_code == 0
    assert bookctl("session", "checkin", booking, "--store", studio).exit_code == 0
    before = the_event(bookctl, studio, tmp_path)["SEQUENCE"]
    assert bookctl("session", "checkin", booking, "--store", studio).exit_code == 0
    assert the_event(bookctl, studio, tmp_path)["SEQUENCE"] == before


def test_the_organizer_is_the_business_at_its_sender_address(bookctl, studio, tmp_path):
    book(bookctl, studio)
    assert bookctl("config", "set", "email.sender", "desk@studio.example", "--store", studio).exit_code == 0
    organizer = the_event(bookctl, studio, tmp_path)["ORGANIZER"]
    assert str(organizer) == "mailto:desk@studio.example" and organizer.params["CN"] == "Studio Verde"


def test_without_a_sender_the_organizer_is_the_business_by_its_store_id(bookctl, studio, tmp_path):
    book(bookctl, studio)
    organizer = the_event(bookctl, studio, tmp_path)["ORGANIZER"]
    assert organizer.params["CN"] == "Studio Verde"
    assert str(organizer).replace("-", "") == f"urn:uuid:{store_id(bookctl, studio)}"


def test_the_client_and_the_staff_member_with_an_email_are_attendees(bookctl, studio, tmp_path):
    book(bookctl, studio, "--staff", "Giulia Romano")
    attendees = the_event(bookctl, studio, tmp_path)["ATTENDEE"]
    assert sorted((str(a), a.params["CN"], a.params["ROLE"]) for a in attendees) == [
        ("mailto:ada@example.com", "Ada Lovelace", "REQ-PARTICIPANT"),
        ("mailto:giulia@studio.example", "Giulia Romano", "CHAIR"),  # runs the session
    ]


def test_event_uids_differ_between_stores_that_have_the_same_booking_ids(bookctl, studio, tmp_path):
    second = tmp_path / "second"  # the same business, a second `init`
    for args in (("init", second, "--business", "Studio Verde", "--currency", "EUR", "--timezone", "Europe/Rome"),
                 ("service", "add", "Physiotherapy", "--price", "65", "--duration", "45"),
                 ("contact", "add", "--first-name", "Ada", "--email", "ada@example.com")):
        assert bookctl(*args, *(() if args[0] == "init" else ("--store", second))).exit_code == 0
    booking = book(bookctl, studio)
    assert book(bookctl, second) == booking  # both stores call it b-20261124-2
    uids = [str(the_event(bookctl, root, tmp_path)["UID"]) for root in (studio, second)]
    assert uids[0] != uids[1]
    assert uids == [f"{booking}@{store_id(bookctl, root)}.bookctl" for root in (studio, second)]


def test_an_older_store_gets_its_id_from_its_first_calendar_export_and_keeps_it(bookctl, studio, tmp_path):
    book(bookctl, studio)
    settings = studio / "bookctl.toml"  # as `init` wrote it before stores were born with an id
    without_id = re.sub(r'(?m)^id = "[0-9a-f]{32}"\n', "", settings.read_text(encoding="utf-8"))
    settings.write_text(without_id, encoding="utf-8")
    assert "store.id" not in bookctl("config", "show", "--format", "json", "--store", studio).json()
    first = str(the_event(bookctl, studio, tmp_path)["UID"])
    minted = store_id(bookctl, studio)
    assert first.endswith(f"@{minted}.bookctl")
    assert str(the_event(bookctl, studio, tmp_path)["UID"]) == first  # a re-export updates, not duplicates


@pytest.mark.backends("files")  # a day file written before bookings had a revision
def test_a_booking_stored_before_revisions_existed_reads_as_sequence_0(bookctl, studio, tmp_path):
    booking = book(bookctl, studio)
    [day_file] = [p for p in (studio / "data").rglob("*.json") if booking in p.read_text(encoding="utf-8")
                  and '"revision"' in p.read_text(encoding="utf-8")]
    data = json.loads(day_file.read_text(encoding="utf-8"))
    for record in data["bookings"].values():
        del record["revision"]
    day_file.write_text(json.dumps(data), encoding="utf-8")
    assert int(the_event(bookctl, studio, tmp_path)["SEQUENCE"]) == 0


# --- vCard --------------------------------------------------------------------------------------

def two_stores(bookctl, tmp_path: Path) -> list[Path]:  # noqa: ANN001
    """Two stores of one business name, each with contacts c-1, c-2 and c-3 of its own."""
    roots = []
    for n, people in enumerate((("Ada", "Bruno", "Chiara"), ("Dario", "Elena", "Ada"))):
        root = tmp_path / f"store{n + 1}"
        assert bookctl("init", root, "--business", "Studio Verde", "--currency", "EUR",
                       "--timezone", "Europe/Rome").exit_code == 0
        for person in people:
            assert bookctl("contact", "add", "--first-name", person, "--last-name", f"Store{n + 1}",
                           "--email", f"{person.lower()}{n + 1}@example.com", "--store", root).exit_code == 0
        roots.append(root)
    return roots


def test_khard_finds_every_contact_of_two_stores_in_one_address_book(bookctl, tmp_path):
    khard = binary("khard")
    home = tmp_path / "khard"
    book_dir = home / "book"
    book_dir.mkdir(parents=True)
    # As vdirsyncer keeps an address book: one card per file.
    for n, root in enumerate(two_stores(bookctl, tmp_path)):
        text = exported(bookctl, root, tmp_path / f"store{n + 1}.vcf", "contacts", "--format", "vcf")
        for i, card in enumerate(text.split("END:VCARD\r\n")[:-1]):
            (book_dir / f"store{n + 1}-{i}.vcf").write_text(card + "END:VCARD\r\n", encoding="utf-8", newline="")
    config = home / "khard.conf"
    config.write_text(f"[addressbooks]\n[[book]]\npath = {book_dir}\n\n[general]\ndefault_action = list\n"
                      "\n[contact table]\nshow_uids = yes\n\n[vcard]\n", encoding="utf-8")
    listed = run_client(home, khard, "-c", config, "list", "--parsable", "--fields", "uid,name,version")
    rows = [line.split("\t") for line in listed.splitlines()]
    assert sorted(name for _, name, _ in rows) == sorted(
        f"{first} Store{n}" for n, people in ((1, ("Ada", "Bruno", "Chiara")), (2, ("Dario", "Elena", "Ada")))
        for first in people)
    assert len({uid for uid, _, _ in rows}) == 6  # no two cards collide
    assert {version for _, _, version in rows} == {"4.0"}


def test_a_card_uid_is_scoped_by_the_store_id_not_the_business_name(bookctl, tmp_path):
    import vobject

    uids = []
    for n, root in enumerate(two_stores(bookctl, tmp_path)):
        text = exported(bookctl, root, tmp_path / f"{n}.vcf", "contacts", "--format", "vcf")
        [first, *_] = vobject.readComponents(text)
        uids.append(first.uid.value)
    assert uids[0] != uids[1] and all(uid.startswith("urn:uuid:") for uid in uids)


def test_every_card_has_its_rev_the_contacts_creation_in_utc(bookctl, tmp_path):
    import vobject

    [root, _] = two_stores(bookctl, tmp_path)
    cards = list(vobject.readComponents(exported(bookctl, root, tmp_path / "c.vcf", "contacts", "--format", "vcf")))
    created = bookctl("export", "contacts", "--format", "json", "--store", root).json()
    assert [card.rev.value for card in cards] == [f"{utc(c['created_at']):%Y%m%dT%H%M%SZ}" for c in created]
    assert [card.rev.value for card in cards] == ["20261123T110000Z"] * 3  # BOOKCTL_NOW, 12:00 in Rome
