"""Calendar invitations in client emails (#20): the confirmation and the reminder carry the booking's
event as METHOD:REQUEST, the cancellation as METHOD:CANCEL, in a `text/calendar` alternative, and
the event is the one `bookctl export bookings --format ics` gives the booking (same UID, SEQUENCE,
times), so the client's calendar updates itself.

The store is the CLI's (tests/conftest.py: Studio Verde, Europe/Rome, Physiotherapy 45 minutes);
the emails are queued through the mail service in the store's own unit of work, the export is run
through the CLI. "Now" is Monday 2026-11-23 12:00 in Rome; the booking is Tuesday 2026-11-24 10:00.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bookctl.services import calendar
from bookctl.services.mail import queue_confirmation_email, queue_reminder_email
from bookctl.services.templates import KINDS
from bookctl.storage.stores import open_store
from tests.conftest import NOW

ROME = ZoneInfo("Europe/Rome")
NOW_TIME = datetime.fromisoformat(NOW)
SENDER = "desk@studio-verde.example"
LANGUAGES = sorted(folder.name for folder in resources.files("bookctl.templates").iterdir()
                   if (folder / "cancellation.txt").is_file())
QUEUE = {"confirmation": queue_confirmation_email, "reminder": queue_reminder_email}
INVITING = {"confirmation": "REQUEST", "reminder": "REQUEST", "cancellation": "CANCEL"}


# --- helpers --------------------------------------------------------------------------------------

@pytest.fixture
def cli(bookctl, store):  # noqa: ANN001, ANN201
    """cli(...) -> the JSON of a command on the test's store that must succeed."""
    def invoke(*args: str) -> object:
        result = bookctl(*args, "--store", store, "--format", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    return invoke


@pytest.fixture
def booked(cli, store):  # noqa: ANN001, ANN201
    """booked(first, language=..., email=..., last=...) -> the id of a booking of physiotherapy
    tomorrow at 10:00 with Giulia Romano."""
    def make(first: str = "Ada", language: str | None = None, email: str = "ada@example.com",
             last: str = "Lovelace") -> str:
        contact = cli("contact", "add", "--first-name", first, "--last-name", last, "--email", email)["id"]
        if language:  # the CLI for it is #5's
            with open_store(store).write() as uow:
                uow.contacts.get(contact).language = language
                uow.commit()
        return cli("session", "book", "--service", "physiotherapy", "--contact", contact, "--start",
                   "2026-11-24 10:00", "--staff", "Giulia Romano")["id"]

    return make


@pytest.fixture
def exported(bookctl, store):  # noqa: ANN001, ANN201
    """exported(booking_id) -> the booking's VEVENT in `export bookings --format ics` of November."""
    def find(booking_id: str):  # noqa: ANN202
        result = bookctl("export", "bookings", "--month", "2026-11", "--format", "ics", "--store", store)
        assert result.exit_code == 0, result.stderr
        [event] = [e for e in Calendar.from_ical(result.stdout).walk("VEVENT")
                   if str(e["UID"]).startswith(f"{booking_id}@")]
        return event

    return find


def queue(store: Path, kind: str, booking_id: str):  # noqa: ANN201
    """Queue `kind`'s email for the booking through the mail service (a cancellation by cancelling
    it with notify, as `session cancel --notify` does); the queued message's bytes."""
    with open_store(store).write() as uow:
        if kind == "cancellation":
            message_id = calendar.cancel(uow, NOW_TIME, booking_id, notify=True)["email"]["message"]
        else:
            booking = uow.calendar.get_booking(booking_id)
            message_id = QUEUE[kind](uow, NOW_TIME, booking, uow.calendar.get_session(booking.session_id))
        uow.commit()
    with open_store(store).read() as uow:
        return uow.outbox.read(message_id)


def parse(raw: bytes):  # noqa: ANN201
    return BytesParser(policy=policy.default).parsebytes(raw)


def calendar_part(message):  # noqa: ANN001, ANN201
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part


def invitation(raw: bytes) -> Calendar:
    return Calendar.from_ical(calendar_part(parse(raw)).get_content())


def event_of(raw: bytes):  # noqa: ANN201
    [event] = invitation(raw).walk("VEVENT")
    return event


def set_sender(store: Path, sender: str | None) -> None:
    with open_store(store).write() as uow:
        uow.settings.email.sender = sender
        uow.commit()


# --- the request: confirmation and reminder -------------------------------------------------------

@pytest.mark.parametrize("kind", ["confirmation", "reminder"])
def test_the_email_carries_one_request_event_in_a_text_calendar_alternative(store, booked, kind):
    message = parse(queue(store, kind, booked()))
    assert message["X-Bookctl-Kind"] == kind
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html", "text/calendar"]
    part = calendar_part(message)
    assert (part.get_param("method"), part.get_content_charset()) == ("REQUEST", "utf-8")
    cal = Calendar.from_ical(part.get_content())
    assert (str(cal["METHOD"]), str(cal["VERSION"])) == ("REQUEST", "2.0")
    assert len(cal.walk("VEVENT")) == 1
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Rome"]


def test_the_calendar_part_names_its_method_as_mail_readers_look_for_it(store, booked):
    raw = queue(store, "confirmation", booked())
    assert b"\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n" in raw


def test_the_calendar_does_not_take_the_place_of_the_readable_body(store, booked):
    message = parse(queue(store, "confirmation", booked()))
    assert message.get_body().get_content_type() == "text/html"  # a reader's default choice
    assert message.get_body(("plain",)).get_content().startswith("Hello Ada,")


def test_the_invitation_prodid_is_the_exports(store, booked, bookctl):
    raw = queue(store, "confirmation", booked())
    export = Calendar.from_ical(bookctl("export", "bookings", "--format", "ics", "--store", store).stdout)
    assert str(invitation(raw)["PRODID"]) == str(export["PRODID"])


def test_the_event_has_the_uid_the_ics_export_gives_the_booking(store, booked, exported):
    booking_id = booked()
    event = event_of(queue(store, "confirmation", booking_id))
    assert str(event["UID"]) == str(exported(booking_id)["UID"])
    with open_store(store).read() as uow:
        assert str(event["UID"]) == f"{booking_id}@{uow.settings.store.id}.bookctl"


def test_the_event_has_the_sequence_the_ics_export_gives_the_booking(store, booked, exported, cli):
    booking_id = booked()
    cli("payment", "collect", booking_id, "--method", "in-person", "--yes")  # a settled entry raises it
    event = event_of(queue(store, "reminder", booking_id))
    assert event["SEQUENCE"] == exported(booking_id)["SEQUENCE"]
    assert event["SEQUENCE"] > 0


def test_the_event_starts_and_ends_at_the_local_time_under_the_store_zones_tzid(store, booked, exported):
    booking_id = booked()
    event = event_of(queue(store, "confirmation", booking_id))
    start, end = event["DTSTART"], event["DTEND"]
    assert (start.params["TZID"], end.params["TZID"]) == ("Europe/Rome", "Europe/Rome")
    assert start.dt == datetime(2026, 11, 24, 10, 0, tzinfo=ROME)
    assert (start.dt.hour, start.dt.minute, end.dt.hour, end.dt.minute) == (10, 0, 10, 45)
    theirs = exported(booking_id)
    assert (start.to_ical(), end.to_ical()) == (theirs["DTSTART"].to_ical(), theirs["DTEND"].to_ical())


def test_the_raw_start_line_is_the_wall_clock_under_the_tzid(store, booked):
    text = calendar_part(parse(queue(store, "confirmation", booked()))).get_content()
    assert "\r\nDTSTART;TZID=Europe/Rome:20261124T100000\r\n" in text
    assert "\r\nDTEND;TZID=Europe/Rome:20261124T104500\r\n" in text


def test_a_session_in_the_autumn_fold_is_in_utc_as_the_export_writes_it(store, cli, bookctl):
    # 02:30 happens twice in Rome on 2027-10-31: the first one, still summer time, is 00:30 UTC.
    contact = cli("contact", "add", "--first-name", "Ada", "--email", "ada@example.com")["id"]
    with open_store(store).write() as uow:
        booking_id = calendar.book(uow, NOW_TIME, contact, service_ref="physiotherapy", force=True,
                                   start=datetime(2027, 10, 31, 0, 30, tzinfo=UTC))["id"]
        uow.commit()
    event = event_of(queue(store, "confirmation", booking_id))
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
                                                        datetime(2027, 10, 31, 1, 15, tzinfo=UTC))
    assert "TZID" not in event["DTSTART"].params
    export = bookctl("export", "bookings", "--month", "2027-10", "--format", "ics", "--store", store).stdout
    [theirs] = Calendar.from_ical(export).walk("VEVENT")
    assert (event["DTSTART"].to_ical(), event["DTEND"].to_ical()) == (theirs["DTSTART"].to_ical(),
                                                                      theirs["DTEND"].to_ical())


def test_the_event_is_stamped_now_and_confirmed_with_the_service_as_its_summary(store, booked):
    event = event_of(queue(store, "confirmation", booked()))
    assert event["DTSTAMP"].dt == NOW_TIME
    assert str(event["SUMMARY"]) == "Physiotherapy"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_the_client_is_the_attendee_by_mailto_and_is_not_asked_to_reply(store, booked):
    event = event_of(queue(store, "confirmation", booked()))
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:ada@example.com"
    assert (attendee.params["CN"], attendee.params["RSVP"]) == ("Ada Lovelace", "FALSE")


def test_the_organizer_is_the_business_and_no_sender_address_is_baked_in(store, booked):
    # The message goes out From email.sender as it is when sent; a queued invitation names no address.
    set_sender(store, SENDER)
    organizer = event_of(queue(store, "confirmation", booked()))["ORGANIZER"]
    assert str(organizer).startswith("urn:uuid:") and SENDER not in str(organizer)
    assert organizer.params["CN"] == "Studio Verde"


def test_without_a_sender_the_organizer_is_the_exports(store, booked, exported):
    booking_id = booked()
    organizer = event_of(queue(store, "confirmation", booking_id))["ORGANIZER"]
    assert str(organizer) == str(exported(booking_id)["ORGANIZER"])
    with open_store(store).read() as uow:
        assert str(organizer) == uuid.UUID(hex=uow.settings.store.id).urn


def test_a_store_without_an_id_mints_it_once_and_the_export_then_gives_the_same_uid(store, booked, exported):
    booking_id = booked()
    with open_store(store).write() as uow:
        uow.settings.store.id = None  # a store made before store ids
        uow.commit()
    event = event_of(queue(store, "confirmation", booking_id))
    with open_store(store).read() as uow:
        minted = uow.settings.store.id
    assert minted and str(event["UID"]) == f"{booking_id}@{minted}.bookctl"
    assert str(exported(booking_id)["UID"]) == str(event["UID"])
    assert str(event_of(queue(store, "reminder", booking_id))["UID"]) == str(event["UID"])


def test_the_calendar_lines_end_in_crlf_and_are_folded_at_75_octets(store, booked):
    long_name = "Maximiliana Bartholomea Konstantinopoulou-Vandersteen"
    event_raw = queue(store, "confirmation", booked(first=long_name, last="de la Cruz y Montenegro"))
    text = calendar_part(parse(event_raw)).get_content()
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert max(len(line.encode("utf-8")) for line in lines) <= 75
    assert any(line.startswith(" ") for line in lines)  # the ATTENDEE line was folded
    assert event_of(event_raw)["ATTENDEE"].params["CN"] == f"{long_name} de la Cruz y Montenegro"


def test_the_reminder_is_the_same_event_as_the_confirmation(store, booked):
    booking_id = booked()
    confirmation = event_of(queue(store, "confirmation", booking_id))
    reminder = event_of(queue(store, "reminder", booking_id))
    assert str(reminder["UID"]) == str(confirmation["UID"])
    assert reminder["SEQUENCE"] == confirmation["SEQUENCE"]


# --- the cancellation -----------------------------------------------------------------------------

def test_a_cancellation_cancels_the_same_event_with_a_higher_sequence(store, booked, exported):
    booking_id = booked()
    confirmed = event_of(queue(store, "confirmation", booking_id))
    raw = queue(store, "cancellation", booking_id)
    message = parse(raw)
    assert calendar_part(message).get_param("method") == "CANCEL"
    assert b"\r\nContent-Type: text/calendar; method=CANCEL; charset=utf-8\r\n" in raw
    cal = invitation(raw)
    assert str(cal["METHOD"]) == "CANCEL"
    [event] = cal.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(confirmed["UID"])
    assert event["SEQUENCE"] > confirmed["SEQUENCE"]
    assert event["SEQUENCE"] == exported(booking_id)["SEQUENCE"]


def test_session_cancel_notify_queues_the_cancel_invitation(store, booked, cli):
    booking_id = booked()
    message_id = cli("session", "cancel", booking_id, "--notify")["email"]["message"]
    with open_store(store).read() as uow:
        raw = uow.outbox.read(message_id)
    assert str(invitation(raw)["METHOD"]) == "CANCEL"
    assert str(event_of(raw)["STATUS"]) == "CANCELLED"


# --- every kind in every language -----------------------------------------------------------------

def test_confirmation_and_reminder_are_template_kinds():
    assert {"confirmation", "reminder"} <= set(KINDS)


# The booking's day as each language writes it, weekday first (domain/dates.py).
TUESDAY = {"en": "Tuesday, 24 November 2026", "fr": "mardi 24 novembre 2026", "he": "יום שלישי, 24 בנובמבר 2026",
           "it": "martedì 24 novembre 2026", "nl": "dinsdag 24 november 2026", "ru": "вторник, 24 ноября 2026 г."}


@pytest.mark.parametrize("kind", ["confirmation", "reminder", "cancellation"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_invitation_kind_is_written_in_every_language_with_no_placeholder_left(store, booked, kind, language):
    booking_id = booked(language=language)
    message = parse(queue(store, kind, booking_id))
    assert message["Content-Language"] == language
    assert message["X-Bookctl-Kind"] == kind
    subject, text = str(message["Subject"]), message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert subject and "$" not in subject and "Physiotherapy" in subject and TUESDAY[language] in subject
    assert "$" not in text and all(word in text for word in ("Ada", "Physiotherapy", TUESDAY[language], "10:00",
                                                              "Studio Verde"))
    assert "$" not in page and f'lang="{language}"' in page
    assert str(Calendar.from_ical(calendar_part(message).get_content())["METHOD"]) == INVITING[kind]


@pytest.mark.parametrize("kind", ["confirmation", "reminder"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_new_emails_name_the_booking_and_its_time(store, booked, kind, language):
    booking_id = booked(language=language)
    message = parse(queue(store, kind, booking_id))
    assert "10:00" in str(message["Subject"])
    assert booking_id in message.get_body(("plain",)).get_content()
    assert booking_id in message.get_body(("html",)).get_content()


@pytest.mark.parametrize("kind", ["confirmation", "reminder"])
def test_the_hebrew_emails_read_right_to_left(store, booked, kind):
    message = parse(queue(store, kind, booked(language="he")))
    assert message["Content-Language"] == "he"
    assert 'dir="rtl"' in message.get_body(("html",)).get_content()
    assert message.get_body(("plain",)).get_content().startswith("שלום Ada,")


@pytest.mark.parametrize(("kind", "subject"), [
    ("confirmation", "Your Physiotherapy booking on Tuesday, 24 November 2026 at 10:00 is confirmed"),
    ("reminder", "Reminder: your Physiotherapy booking on Tuesday, 24 November 2026 at 10:00"),
])
def test_a_contact_without_a_language_gets_the_english_email(store, booked, kind, subject):
    message = parse(queue(store, kind, booked()))
    assert (message["Content-Language"], message["Subject"]) == ("en", subject)




SUBJECTS = {
    ("en", "confirmation"): "Your Physiotherapy booking on Tuesday, 24 November 2026 at 10:00 is confirmed",
    ("en", "reminder"): "Reminder: your Physiotherapy booking on Tuesday, 24 November 2026 at 10:00",
    ("fr", "confirmation"): "Votre réservation Physiotherapy du mardi 24 novembre 2026 à 10:00 est confirmée",
    ("fr", "reminder"): "Rappel : votre réservation Physiotherapy du mardi 24 novembre 2026 à 10:00",
    ("he", "confirmation"): "ההזמנה שלך ל-Physiotherapy ביום שלישי, 24 בנובמבר 2026 בשעה 10:00 אושרה",
    ("he", "reminder"): "תזכורת: Physiotherapy ביום שלישי, 24 בנובמבר 2026 בשעה 10:00",
    ("it", "confirmation"): "La tua prenotazione per Physiotherapy di martedì 24 novembre 2026 alle 10:00 è confermata",
    ("it", "reminder"): "Promemoria: Physiotherapy di martedì 24 novembre 2026 alle 10:00",
    ("nl", "confirmation"): "Je afspraak voor Physiotherapy op dinsdag 24 november 2026 om 10:00 is bevestigd",
    ("nl", "reminder"): "Herinnering: je afspraak voor Physiotherapy op dinsdag 24 november 2026 om 10:00",
    ("ru", "confirmation"): "Ваша запись на Physiotherapy (вторник, 24 ноября 2026 г., 10:00) подтверждена",
    ("ru", "reminder"): "Напоминание: ваша запись на Physiotherapy (вторник, 24 ноября 2026 г., 10:00)",
}


@pytest.mark.parametrize(("language", "kind"), sorted(SUBJECTS))
def test_the_subject_comes_through_the_wire_exactly_as_written(store, booked, language, kind):
    # No space lost between encoded words, none gained before the subject (a value the stdlib moves
    # whole onto a continuation line reads back with a leading space).
    message = parse(queue(store, kind, booked(language=language)))
    assert message["Subject"] == SUBJECTS[(language, kind)]


def test_every_language_has_its_subjects_here():
    assert {language for language, _ in SUBJECTS} == set(LANGUAGES)
