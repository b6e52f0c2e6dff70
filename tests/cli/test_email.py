"""Cancellation and refund email (seed 002), sent through bookctl to a real SMTP server.

The server is aiosmtpd's Controller on 127.0.0.1 (tests/smtp_server.py). "Now" is Monday
2026-11-23 12:00 in Rome; the bookings are on Tuesday 2026-11-24.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from bookctl.domain.money import Money
from bookctl.storage.stores import open_store
from tests.conftest import outbox_messages, tree_digest
from tests.smtp_server import _running_server, free_port, mail_server, tls_server  # noqa: F401 - fixtures

TOMORROW = "2026-11-24"


def set_language(store: Path, contact_id: str, language: str) -> None:
    """Give a contact a language through the store's own unit of work (the CLI for it is #5's
    `contact add-field ID language VALUE`)."""
    with open_store(store).write() as uow:
        uow.contacts.get(contact_id).language = language
        uow.commit()


@pytest.fixture
def client(ok, store):  # noqa: ANN001, ANN201
    """client(first, email, language) -> a contact booked for physiotherapy tomorrow at 10:00; the booking."""
    def make(first: str = "Ada", email: str | None = "ada@example.com", language: str | None = None,
             last: str = "Lovelace") -> dict:
        args = ["contact", "add", "--first-name", first, "--last-name", last]
        if email:
            args += ["--email", email]
        contact_id = ok(*args)["id"]
        if language:
            set_language(store, contact_id, language)
        return ok("session", "book", "--service", "physiotherapy", "--contact", contact_id, "--start",
                  f"{TOMORROW} 10:00", "--staff", "Giulia Romano")

    return make


def smtp_mode(ok, port: int, *extra: tuple[str, str]) -> None:  # noqa: ANN001
    """Point the store at the test server (no TLS on 127.0.0.1)."""
    for key, value in (("email.mode", "smtp"), ("email.host", "127.0.0.1"), ("email.port", str(port)),
                       ("email.security", "none"), ("email.sender", "desk@studio-verde.example"), *extra):
        ok("config", "set", key, value)


@dataclass(frozen=True)
class Queued:
    """A message in the outbox: its id and bytes, whichever store holds it."""

    stem: str
    data: bytes

    def read_bytes(self) -> bytes:
        return self.data


def outbox_files(store: Path) -> list[Queued]:
    return [Queued(message_id, data) for message_id, data in outbox_messages(store)]


def parse(raw: bytes):  # noqa: ANN201
    return BytesParser(policy=policy.default).parsebytes(raw)


# --- outbox mode (the default) -------------------------------------------------------------------

def test_cancel_notify_queues_an_rfc5322_message_in_the_outbox_with_the_cancellation(ok, client, store):
    booking = client()
    cancelled = ok("session", "cancel", booking["id"], "--notify")
    assert cancelled["status"] == "cancelled"
    assert cancelled["email"]["status"] == "queued"
    [path] = outbox_files(store)
    assert path.stem == cancelled["email"]["message"]
    raw = path.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends throughout
    message = parse(raw)
    assert message["To"].addresses[0].addr_spec == "ada@example.com"
    assert message["Subject"] == "Your Physiotherapy booking on Tuesday, 24 November 2026 has been cancelled"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().startswith("Hello Ada,")
    assert "10:00" in message.get_body(("plain",)).get_content()
    assert "<p>Hello Ada,</p>" in message.get_body(("html",)).get_content()


def test_outbox_list_and_show_describe_the_queued_message(ok, client, store):
    booking = client()
    message_id = ok("session", "cancel", booking["id"], "--notify")["email"]["message"]
    [row] = ok("outbox", "list")
    assert row == {"id": message_id, "date": "2026-11-23T12:00:00+01:00", "to": "ada@example.com",
                   "subject": "Your Physiotherapy booking on Tuesday, 24 November 2026 has been cancelled",
                   "kind": "cancellation", "booking": booking["id"]}
    shown = ok("outbox", "show", message_id)
    assert shown["language"] == "en"
    assert "has been cancelled" in shown["text"]


def test_outbox_show_of_an_unknown_message_is_exit_3(run, store):
    assert run("outbox", "show", "m-20261123-110000-9").exit_code == 3
    assert run("outbox", "show", "../bookctl.toml").exit_code == 3


def test_cancel_without_notify_queues_nothing(ok, client, store):
    ok("session", "cancel", client()["id"])
    assert outbox_files(store) == []


def test_notify_for_a_contact_without_email_is_refused_and_nothing_is_cancelled(run, ok, client, store):
    booking = client(email=None)
    before = tree_digest(store)
    result = run("session", "cancel", booking["id"], "--notify")
    assert result.exit_code == 1
    assert "has no email address" in result.stderr and result.stderr.count("\n") == 1
    assert tree_digest(store) == before
    assert ok("session", "show", booking["id"])["status"] == "confirmed"


def test_smtp_mode_without_a_host_is_refused_before_cancelling(run, ok, client, store):
    booking = client()
    ok("config", "set", "email.mode", "smtp")
    before = tree_digest(store)
    result = run("session", "cancel", booking["id"], "--notify")
    assert result.exit_code == 2
    assert "email.host is not set" in result.stderr
    assert tree_digest(store) == before


def test_outbox_send_in_outbox_mode_is_refused(run, ok, client):
    ok("session", "cancel", client()["id"], "--notify")
    result = run("outbox", "send")
    assert result.exit_code == 2
    assert "email.mode is outbox" in result.stderr


# --- through a real SMTP server --------------------------------------------------------------------

def test_cancel_notify_in_smtp_mode_delivers_and_empties_the_outbox(ok, client, store, mail_server):
    smtp_mode(ok, mail_server.port)
    booking = client()
    cancelled = ok("session", "cancel", booking["id"], "--notify")
    assert cancelled["status"] == "cancelled"
    assert cancelled["email"]["status"] == "sent"
    [received] = mail_server.received
    assert received.rcpt_tos == ["ada@example.com"]
    assert received.mail_from == "desk@studio-verde.example"
    message = received.message
    assert message["From"].addresses[0].display_name == "Studio Verde"
    assert message["X-Bookctl-Booking"] == booking["id"]
    assert "on Tuesday, 24 November 2026 at 10:00" in message.get_body(("plain",)).get_content()
    assert outbox_files(store) == []


@pytest.mark.parametrize(("language", "subject", "greeting", "sentence"), [
    ("en", "Your Physiotherapy booking on Tuesday, 24 November 2026 has been cancelled", "Hello Ada,",
     "your booking for Physiotherapy on Tuesday, 24 November 2026 at 10:00 has been cancelled."),
    ("it", "La tua prenotazione per Physiotherapy di martedì 24 novembre 2026 è stata cancellata", "Ciao Ada,",
     "la tua prenotazione per Physiotherapy di martedì 24 novembre 2026 alle 10:00 è stata cancellata."),
    ("nl", "Je afspraak voor Physiotherapy op dinsdag 24 november 2026 is geannuleerd", "Hallo Ada,",
     "je boeking voor Physiotherapy op dinsdag 24 november 2026 om 10:00 is geannuleerd."),
    ("fr", "Votre réservation Physiotherapy du mardi 24 novembre 2026 a été annulée", "Bonjour Ada,",
     "votre réservation pour Physiotherapy le mardi 24 novembre 2026 à 10:00 a été annulée."),
    ("ru", "Ваша запись на Physiotherapy (вторник, 24 ноября 2026 г.) отменена", "Здравствуйте, Ada!",
     "Ваша запись на Physiotherapy (вторник, 24 ноября 2026 г., 10:00) отменена."),
    ("he", "ההזמנה שלך ל-Physiotherapy ביום שלישי, 24 בנובמבר 2026 בוטלה", "שלום Ada,",
     "ההזמנה שלך ל-Physiotherapy ביום שלישי, 24 בנובמבר 2026 בשעה 10:00 בוטלה."),
])
def test_the_cancellation_email_is_in_the_contacts_language_with_its_dates(ok, client, mail_server, language,
                                                                            subject, greeting, sentence):
    smtp_mode(ok, mail_server.port)
    ok("session", "cancel", client(language=language)["id"], "--notify")
    [received] = mail_server.received
    assert received.raw.isascii()  # 7-bit clean on the wire: encoded words and base64/QP bodies
    assert max(len(line) for line in received.raw.partition(b"\r\n\r\n")[0].split(b"\r\n")) <= 78  # headers
    message = received.message
    assert message["Subject"] == subject
    assert message["Content-Language"] == language
    text = message.get_body(("plain",)).get_content()
    assert text.startswith(greeting) and sentence in text
    html_part = message.get_body(("html",))
    assert html_part.get_content_charset() == "utf-8"
    assert sentence in html_part.get_content()
    assert f'lang="{language}"' in html_part.get_content()
    assert ('dir="rtl"' in html_part.get_content()) == (language == "he")


def test_a_regional_language_tag_uses_its_primary_language(ok, client, mail_server):
    smtp_mode(ok, mail_server.port)
    ok("session", "cancel", client(language="nl-BE")["id"], "--notify")
    assert mail_server.received[0].message["Content-Language"] == "nl"


def test_a_language_without_templates_falls_back_to_the_stores_default(ok, client, mail_server):
    smtp_mode(ok, mail_server.port, ("email.language", "fr"))
    ok("session", "cancel", client(language="de")["id"], "--notify")
    assert mail_server.received[0].message["Content-Language"] == "fr"


def test_a_template_in_the_store_overrides_the_packaged_one(ok, client, store, mail_server):
    smtp_mode(ok, mail_server.port)
    (store / "templates" / "en").mkdir(parents=True)
    (store / "templates" / "en" / "cancellation.txt").write_text(
        "Subject: Cancelled: $service, $date\n\nDear $name, see you another time.\n$business\n", encoding="utf-8")
    ok("session", "cancel", client()["id"], "--notify")
    message = mail_server.received[0].message
    assert message["Subject"] == "Cancelled: Physiotherapy, Tuesday, 24 November 2026"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Dear Ada, see you another time.\nStudio Verde\n"
    assert "<p>Hello Ada,</p>" in message.get_body(("html",)).get_content()  # the HTML part was not overridden


def test_a_stores_templates_in_a_language_bookctl_has_no_dates_for_get_iso_dates(ok, client, store, mail_server):
    smtp_mode(ok, mail_server.port)
    (store / "templates" / "de").mkdir(parents=True)
    (store / "templates" / "de" / "cancellation.txt").write_text(
        "Subject: Abgesagt: $service am $date\n\nHallo $name, $date um $time ist abgesagt.\n", encoding="utf-8")
    (store / "templates" / "de" / "cancellation.html").write_text(
        '<html lang="de"><p>Hallo $name, $date um $time ist abgesagt.</p></html>\n', encoding="utf-8")
    ok("session", "cancel", client(language="de")["id"], "--notify")
    message = mail_server.received[0].message
    assert message["Subject"] == "Abgesagt: Physiotherapy am 2026-11-24"
    assert "Hallo Ada, 2026-11-24 um 10:00 ist abgesagt." in message.get_body(("plain",)).get_content()


def test_the_password_comes_from_the_environment_and_is_never_stored(ok, client, store, mail_server):
    smtp_mode(ok, mail_server.port, ("email.username", "desk"))
    ok("session", "cancel", client()["id"], "--notify", extra_env={"BOOKCTL_SMTP_PASSWORD": "s3cret-pw"})
    assert mail_server.logins == [("desk", "s3cret-pw")]
    assert len(mail_server.received) == 1
    assert not any(b"s3cret-pw" in p.read_bytes() for p in store.rglob("*") if p.is_file())


def test_a_wrong_password_is_exit_5_saying_the_login_was_refused(run, ok, client, store, mail_server):
    smtp_mode(ok, mail_server.port, ("email.username", "desk"))
    booking = client()
    result = run("session", "cancel", booking["id"], "--notify", extra_env={"BOOKCTL_SMTP_PASSWORD": "wrong"})
    assert result.exit_code == 5
    assert "refused the login of desk" in result.stderr and "BOOKCTL_SMTP_PASSWORD" in result.stderr
    assert "wrong" not in result.stderr
    assert ok("session", "show", booking["id"])["status"] == "cancelled"
    assert len(ok("outbox", "list")) == 1


def test_a_username_without_the_password_variable_is_refused_before_cancelling(run, ok, client, store, mail_server):
    smtp_mode(ok, mail_server.port, ("email.username", "desk"))
    booking = client()
    before = tree_digest(store)
    result = run("session", "cancel", booking["id"], "--notify")
    assert result.exit_code == 2
    assert "BOOKCTL_SMTP_PASSWORD" in result.stderr
    assert tree_digest(store) == before


def test_with_the_server_down_the_cancellation_stands_the_message_stays_and_exit_is_5(run, ok, client, store, mail_server):
    smtp_mode(ok, free_port())  # nothing listens there
    booking = client()
    result = run("session", "cancel", booking["id"], "--notify")
    assert result.exit_code == 5
    assert result.stderr.startswith(f"error: booking {booking['id']} is cancelled, but the cancellation email")
    assert "outbox send" in result.stderr and result.stderr.count("\n") == 1
    assert result.json()["status"] == "cancelled" and result.json()["email"]["status"] == "kept"
    assert ok("session", "show", booking["id"])["status"] == "cancelled"
    [kept] = outbox_files(store)
    # Later, with the server back, `outbox send` delivers it and empties the outbox.
    ok("config", "set", "email.port", str(mail_server.port))
    [row] = ok("outbox", "send")
    assert row["id"] == kept.stem and row["status"] == "sent"
    assert [r.rcpt_tos for r in mail_server.received] == [["ada@example.com"]]
    assert outbox_files(store) == []


def test_a_refused_recipient_keeps_the_message_and_exits_5(run, ok, client, store, mail_server):
    smtp_mode(ok, mail_server.port)
    mail_server.refuse = True
    result = run("session", "cancel", client()["id"], "--notify")
    assert result.exit_code == 5
    assert "550" in result.stderr
    assert len(outbox_files(store)) == 1
    send = run("outbox", "send")
    assert send.exit_code == 5
    assert send.json()[0]["status"] == "kept"
    assert len(outbox_files(store)) == 1


def test_outbox_send_sends_every_queued_message_in_order(ok, client, store, mail_server):
    first, second = client("Ada"), None
    ok("session", "cancel", first["id"], "--notify")
    contact_id = ok("contact", "add", "--first-name", "Bea", "--email", "bea@example.com")["id"]
    second = ok("session", "book", "--service", "physiotherapy", "--contact", contact_id, "--start", f"{TOMORROW} 12:00")
    ok("session", "cancel", second["id"], "--notify")
    smtp_mode(ok, mail_server.port)
    rows = ok("outbox", "send")
    assert [r["status"] for r in rows] == ["sent", "sent"]
    assert [r.rcpt_tos for r in mail_server.received] == [["ada@example.com"], ["bea@example.com"]]
    assert ok("outbox", "list") == []


# --- the refund email (wired to `--refund-email` / `payment refund --notify` with payments) -----

def queue_refund(store: Path, booking_id: str, refunded: Money, fee: Money | None) -> str:
    from bookctl.services.mail import check_can_email, refund_email
    from bookctl.timeutil import parse_datetime

    with open_store(store).write() as uow:
        booking = uow.calendar.get_booking(booking_id)
        session = uow.calendar.get_session(booking.session_id)
        check_can_email(uow, uow.contacts.get(booking.contact_id))
        now = parse_datetime("2026-11-23T12:00:00+01:00", None, "now")  # type: ignore[arg-type]
        message_id = uow.outbox.add(now, refund_email(uow, now, booking, session, refunded, fee))
        uow.commit()
    return message_id


@pytest.mark.parametrize(("language", "amount_text", "fee_text"), [
    ("en", "refunded 40.00 EUR", "A cancellation fee of 25.00 EUR was kept."),
    ("nl", "we hebben 40,00 EUR terugbetaald", "Er is een annuleringsvergoeding van 25,00 EUR ingehouden."),
    ("it", "ti abbiamo rimborsato 40,00 EUR", "È stata trattenuta una penale di cancellazione di 25,00 EUR."),
    ("fr", "remboursé 40,00 EUR", "Des frais d'annulation de 25,00 EUR ont été retenus."),
    ("ru", "Мы вернули вам 40,00 EUR", "Удержан сбор за отмену в размере 25,00 EUR."),
    ("he", "החזרנו לך 40.00 EUR", "נגבו דמי ביטול בסך 25.00 EUR."),
])
def test_the_refund_email_states_the_amount_refunded_and_the_fee_kept(ok, client, store, mail_server, language,
                                                                       amount_text, fee_text):
    booking = client(language=language)
    queue_refund(store, booking["id"], Money(minor=4000, currency="EUR"), Money(minor=2500, currency="EUR"))
    smtp_mode(ok, mail_server.port)
    [row] = ok("outbox", "send")
    assert row["kind"] == "refund"
    message = mail_server.received[0].message
    text = message.get_body(("plain",)).get_content()
    assert amount_text in text and fee_text in text
    assert fee_text.replace("'", "&#x27;") in message.get_body(("html",)).get_content()
    assert message["Content-Language"] == language


def test_the_refund_email_without_a_fee_says_none_was_kept(ok, client, store, mail_server):
    booking = client()
    queue_refund(store, booking["id"], Money(minor=6500, currency="EUR"), None)
    smtp_mode(ok, mail_server.port)
    ok("outbox", "send")
    message = mail_server.received[0].message
    assert message["Subject"] == "Your refund for Physiotherapy on Tuesday, 24 November 2026"
    assert "we have refunded 65.00 EUR" in message.get_body(("plain",)).get_content()
    assert "No fee was kept." in message.get_body(("plain",)).get_content()


# --- TLS ------------------------------------------------------------------------------------------

def test_starttls_and_implicit_tls_deliver_when_the_certificate_is_trusted(ok, client, store, tls_server):
    from tests.smtp_server import CERT

    security, server = tls_server
    smtp_mode(ok, server.port, ("email.security", security))
    cancelled = ok("session", "cancel", client()["id"], "--notify", extra_env={"SSL_CERT_FILE": str(CERT)})
    assert cancelled["email"]["status"] == "sent"
    assert [r.rcpt_tos for r in server.received] == [["ada@example.com"]]
    assert outbox_files(store) == []


def test_an_untrusted_certificate_is_refused_and_the_message_kept(run, ok, client, store, tls_server):
    security, server = tls_server
    smtp_mode(ok, server.port, ("email.security", security))
    result = run("session", "cancel", client()["id"], "--notify", extra_env={"SSL_CERT_FILE": "/nonexistent"})
    assert result.exit_code == 5
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr or "certificate verify failed" in result.stderr
    assert server.received == []
    assert len(outbox_files(store)) == 1


def test_a_long_subject_folds_without_gaining_spaces(ok, client, mail_server):
    smtp_mode(ok, mail_server.port)
    ok("service", "edit", "physiotherapy", "--name", "Prenatal Yoga Course")
    ok("session", "cancel", client(language="it")["id"], "--notify")
    received = mail_server.received[0]
    assert max(len(line) for line in received.raw.split(b"\r\n")) <= 78
    assert received.message["Subject"] == ("La tua prenotazione per Prenatal Yoga Course di "
                                           "martedì 24 novembre 2026 è stata cancellata")


def test_outbox_show_raw_prints_the_stored_message_byte_for_byte(bookctl, ok, client, store):
    message_id = ok("session", "cancel", client()["id"], "--notify")["email"]["message"]
    result = bookctl("outbox", "show", message_id, "--raw", "--store", store)
    assert result.exit_code == 0
    stored = dict(outbox_messages(store))[message_id]
    assert result.stdout == stored.decode("ascii").replace("\r\n", "\n")  # CliRunner reports CRLF as LF


# --- the refund email from the commands that move the money ---------------------------------------

def test_cancel_with_fee_refund_and_both_emails_tells_the_client_what_came_back(ok, client, mail_server):
    smtp_mode(ok, mail_server.port)
    booking = client()
    ok("payment", "collect", booking["id"], "--method", "card", "--card", "tok_visa")
    # Tomorrow 10:00 is inside the 24-hour window: the 25.00 fee is kept, 40.00 of the 65.00 comes back.
    cancelled = ok("session", "cancel", booking["id"], "--charge-fee", "--refund", "--notify", "--refund-email")
    assert cancelled["refunded"] == {"amount": "40.00", "currency": "EUR"}
    assert (cancelled["email"]["status"], cancelled["refund_email"]["status"]) == ("sent", "sent")
    cancellation, refund = (received.message for received in mail_server.received)
    assert "cancelled" in cancellation["Subject"]
    text = refund.get_body(("plain",)).get_content()
    assert "we have refunded 40.00 EUR" in text and "A cancellation fee of 25.00 EUR was kept." in text


def test_payment_refund_notify_sends_the_refund_email_once_the_money_is_back(ok, client, mail_server):
    smtp_mode(ok, mail_server.port)
    booking = client()
    ok("payment", "collect", booking["id"], "--method", "card", "--card", "tok_visa")
    [entry] = ok("payment", "refund", booking["id"], "--amount", "15", "--notify")
    assert entry["amount"] == {"amount": "15.00", "currency": "EUR"} and entry["email"]["status"] == "sent"
    [received] = mail_server.received
    assert received.rcpt_tos == ["ada@example.com"]
    assert "we have refunded 15.00 EUR" in received.message.get_body(("plain",)).get_content()


def test_a_refund_the_provider_fails_sends_no_refund_email(run, ok, client, store, mail_server):
    smtp_mode(ok, mail_server.port)
    booking = client()
    ok("payment", "collect", booking["id"], "--method", "card", "--card", "tok_refundFail")
    result = run("session", "cancel", booking["id"], "--refund", "--refund-email")
    assert result.exit_code == 5
    assert ok("session", "show", booking["id"])["status"] == "cancelled"
    assert mail_server.received == [] and outbox_files(store) == []


def test_refund_notify_for_a_contact_without_email_is_refused_before_any_money_moves(run, ok, client, store):
    booking = client(email=None)
    ok("payment", "collect", booking["id"], "--method", "card", "--card", "tok_visa")
    before = tree_digest(store)
    result = run("payment", "refund", booking["id"], "--notify")
    assert result.exit_code == 1 and "email" in result.stderr
    assert tree_digest(store) == before
