"""The "your booking was moved" email (#19), queued by the mail service on the in-memory backend,
and every email kind's templates in every packaged language.

"Now" is Monday 2026-11-23 12:00 in Rome; the booking was Tuesday 2026-11-24 10:00 and moves to
Wednesday 2026-11-25 15:30.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from importlib import resources

import pytest

from bookctl.domain.money import Money
from bookctl.domain.settings import Business, Settings
from bookctl.services import calendar
from bookctl.services.contacts import add_contact
from bookctl.services.mail import parse_message, queue_rescheduled_email
from bookctl.services.setup import add_service
from bookctl.services.templates import KINDS, render
from bookctl.storage.memory import MemoryStore

ROME = timezone(timedelta(hours=1))  # Rome's offset in November
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ROME)
OLD_START = datetime(2026, 11, 24, 10, 0, tzinfo=ROME)
NEW_START = datetime(2026, 11, 25, 15, 30, tzinfo=ROME)
PACKAGED_LANGUAGES = sorted(folder.name for folder in resources.files("bookctl.templates").iterdir()
                            if (folder / "cancellation.txt").is_file())


@pytest.fixture
def store(tmp_path):  # noqa: ANN001, ANN201
    settings = Settings(business=Business(name="Studio Verde", currency="EUR", timezone="Europe/Rome"))
    settings.store.id = "0" * 32
    made = MemoryStore(tmp_path, settings)
    with made.write() as uow:
        add_service(uow, "Physio", Money.parse("65", "EUR"), 45, "appointment")
        uow.commit()
    return made


def moved_email(store, language: str | None, old_start: datetime = OLD_START):  # noqa: ANN001, ANN201
    """Book a contact reading `language` at OLD_START, move the session to NEW_START and queue the
    email; the queued message, parsed."""
    with store.write() as uow:
        contact = add_contact(uow, NOW, "Ada", email="ada@example.org", language=language)
        booking_id = calendar.book(uow, NOW, contact.id, service_ref="Physio", start=OLD_START)["id"]
        uow.commit()
    with store.write() as uow:
        booking = uow.calendar.get_booking(booking_id)
        session = uow.calendar.get_session(booking.session_id)
        session.start = NEW_START
        message_id = queue_rescheduled_email(uow, NOW, booking, session, old_start)
        uow.commit()
    with store.read() as uow:
        return parse_message(uow.outbox.read(message_id), headers_only=False)


def plain(message) -> str:  # noqa: ANN001
    return message.get_body(("plain",)).get_content()


def html_part(message) -> str:  # noqa: ANN001
    return message.get_body(("html",)).get_content()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", PACKAGED_LANGUAGES)
def test_every_email_kind_renders_in_every_packaged_language(store, kind, language):
    values = {"name": "Ada", "business": "Studio Verde", "service": "Physio", "date": "2026-11-25",
              "time": "15:30", "old_date": "2026-11-24", "old_time": "10:00", "booking": "b-1",
              "refunded": "40.00 EUR", "fee_sentence": "", "until_date": "2026-11-24", "until_time": "18:00",
              "plan": "Monthly", "amount": "60.00 EUR", "invoice": "INV-0002", "pass": "ps-1"}
    with store.read() as uow:
        rendered = render(uow, kind, language, values)
    assert rendered.language == language
    assert rendered.subject and "$" not in rendered.subject
    assert "Ada" in rendered.text and "$" not in rendered.text
    assert f'lang="{language}"' in rendered.html and "$" not in rendered.html


def test_the_rescheduled_kind_exists_in_every_language_that_has_a_cancellation():
    assert "rescheduled" in KINDS
    assert PACKAGED_LANGUAGES == ["en", "fr", "he", "it", "nl", "ru"]


@pytest.mark.parametrize(("language", "subject", "greeting", "was", "now"), [
    ("en", "Your Physio booking on Tuesday, 24 November 2026 at 10:00 has been moved to Wednesday, 25 November 2026 "
     "at 15:30", "Hello Ada,", "Tuesday, 24 November 2026", "Wednesday, 25 November 2026"),
    ("it", "La tua prenotazione per Physio di martedì 24 novembre 2026 alle 10:00 è stata spostata a mercoledì "
     "25 novembre 2026 alle 15:30", "Ciao Ada,", "martedì 24 novembre 2026", "mercoledì 25 novembre 2026"),
    ("ru", "Ваша запись на Physio перенесена: новое время — среда, 25 ноября 2026 г., 15:30", "Здравствуйте, Ada!",
     "вторник, 24 ноября 2026 г.", "среда, 25 ноября 2026 г."),
])
def test_the_rescheduled_email_names_the_service_and_the_old_and_new_time(store, language, subject, greeting, was,
                                                                          now):
    message = moved_email(store, language)
    assert message["Subject"] == subject
    assert message["Content-Language"] == language
    assert message["X-Bookctl-Kind"] == "rescheduled"
    body = plain(message)
    assert body.startswith(greeting)
    assert all(part in body for part in ("Physio", was, "10:00", now, "15:30", "Studio Verde"))
    assert all(part in html_part(message) for part in ("Physio", was, "10:00", now, "15:30"))


def test_a_contact_reading_hebrew_gets_the_hebrew_rescheduled_email_right_to_left(store):
    message = moved_email(store, "he")
    assert message["Content-Language"] == "he"
    assert message["Subject"].startswith("ההזמנה שלך ל-Physio")
    assert plain(message).startswith("שלום Ada,\n\nההזמנה שלך ל-Physio ביום שלישי, 24 בנובמבר 2026 בשעה 10:00 "
                                     "הועברה ליום רביעי, 25 בנובמבר 2026 בשעה 15:30.\n")
    assert 'dir="rtl"' in html_part(message)


def test_the_hebrew_rescheduled_subject_names_the_new_time_and_survives_the_wire(store):
    # Long enough that CPython's own folding would split it between encoded words, where a mail reader
    # drops the space (gh-144156); output/mail_headers.py folds it instead.
    assert moved_email(store, "he")["Subject"] == "ההזמנה שלך ל-Physio הועברה ליום רביעי, 25 בנובמבר 2026 בשעה 15:30"


def test_a_contact_without_a_language_gets_the_english_rescheduled_email(store):
    assert moved_email(store, None)["Content-Language"] == "en"


def test_the_old_time_is_shown_in_the_stores_zone(store):
    message = moved_email(store, "en", old_start=OLD_START.astimezone(timezone.utc))  # 09:00 UTC
    assert "on Tuesday, 24 November 2026 at 10:00 has been moved" in message["Subject"]
