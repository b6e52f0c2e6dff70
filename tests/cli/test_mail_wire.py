"""Email as it goes on the wire (issue #16): the sender resolved at send time, outbox ids never reused,
and internationalised addresses (IDNA domains in the envelope, SMTPUTF8 where the server offers it).

Two real SMTP servers (aiosmtpd on 127.0.0.1): one that offers SMTPUTF8 and one that does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.parser import Parser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.cli._payment_fixtures import ok, one_error_line, run  # noqa: F401 - fixtures
from tests.conftest import outbox_messages
from tests.smtp_server import free_port

TOMORROW = "2026-11-24"
SENDER = "desk@studio-verde.example"
ZOE = "zoë@例え.jp"
ZOE_ON_THE_WIRE = "zoë@xn--r8jz45g.jp"


@dataclass
class Seen:
    """One message a server accepted, with how it was sent."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    smtputf8: bool

    @property
    def message(self):  # noqa: ANN201
        # The headers may be UTF-8 (RFC 6532): parse them as text, not as undecodable bytes.
        return Parser(policy=policy.default).parsestr(self.raw.decode("utf-8"))


@dataclass
class Server:
    port: int
    received: list[Seen] = field(default_factory=list)


class _Recorder:
    def __init__(self, server: Server) -> None:
        self.server = server

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.server.received.append(Seen(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                                         envelope.smtp_utf8))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def _servers() -> Iterator[dict[bool, Server]]:
    servers, controllers = {}, []
    for offers in (True, False):
        servers[offers] = Server(port=free_port())
        controller = Controller(_Recorder(servers[offers]), hostname="127.0.0.1", port=servers[offers].port,
                                enable_SMTPUTF8=offers)
        controller.start()
        controllers.append(controller)
    try:
        yield servers
    finally:
        for controller in controllers:
            controller.stop()


@pytest.fixture
def utf8_server(_servers) -> Server:  # noqa: ANN001
    """A server that offers SMTPUTF8, emptied for this test."""
    _servers[True].received.clear()
    return _servers[True]


@pytest.fixture
def plain_server(_servers) -> Server:  # noqa: ANN001
    """A server that does not offer SMTPUTF8, emptied for this test."""
    _servers[False].received.clear()
    return _servers[False]


def smtp_mode(ok, port: int) -> None:  # noqa: ANN001
    for key, value in (("email.mode", "smtp"), ("email.host", "127.0.0.1"), ("email.port", str(port)),
                       ("email.security", "none"), ("email.sender", SENDER)):
        ok("config", "set", key, value)


@pytest.fixture
def booked(ok):  # noqa: ANN001, ANN201
    """booked(email, at) -> the id of a physiotherapy booking tomorrow of a new contact with that email."""
    def make(email: str = "ada@example.com", at: str = "10:00", first: str = "Ada") -> str:
        contact_id = ok("contact", "add", "--first-name", first, "--email", email)["id"]
        return ok("session", "book", "--service", "physiotherapy", "--contact", contact_id, "--start",
                  f"{TOMORROW} {at}")["id"]

    return make


def queued(store: Path) -> list[str]:
    return [message_id for message_id, _ in outbox_messages(store)]


# --- the sender is resolved when the message is sent ----------------------------------------------

def test_a_message_queued_before_the_sender_was_set_goes_out_from_the_sender(ok, booked, plain_server):
    ok("session", "cancel", booked(), "--notify")  # outbox mode, email.sender unset
    smtp_mode(ok, plain_server.port)
    [row] = ok("outbox", "send")
    assert row["status"] == "sent"
    [seen] = plain_server.received
    assert seen.mail_from == SENDER
    sender = seen.message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Studio Verde", SENDER)
    assert seen.message["Message-ID"].endswith("@studio-verde.example>")
    assert b".invalid" not in seen.raw


def test_a_message_goes_out_from_the_sender_set_when_it_is_sent_not_when_it_was_queued(ok, booked, plain_server):
    ok("config", "set", "email.sender", "old-desk@studio-verde.example")
    ok("session", "cancel", booked(), "--notify")
    smtp_mode(ok, plain_server.port)  # email.sender is now desk@studio-verde.example
    ok("outbox", "send")
    [seen] = plain_server.received
    assert seen.mail_from == SENDER
    assert seen.message["From"].addresses[0].addr_spec == SENDER
    assert b"old-desk@" not in seen.raw


def test_a_message_queued_with_the_sender_set_goes_out_byte_for_byte_as_stored(ok, booked, store, plain_server):
    ok("config", "set", "email.sender", SENDER)
    ok("session", "cancel", booked(), "--notify")  # queued in outbox mode, From the sender
    [(_, stored)] = outbox_messages(store)
    smtp_mode(ok, plain_server.port)
    ok("outbox", "send")
    assert plain_server.received[0].raw == stored


# --- outbox ids ------------------------------------------------------------------------------------

def test_an_outbox_id_is_never_reused_after_the_outbox_empties(ok, booked, store, plain_server):
    first = ok("session", "cancel", booked(first="Ada"), "--notify")["email"]["message"]
    second = ok("session", "cancel", booked("bea@example.com", "12:00", "Bea"), "--notify")["email"]["message"]
    smtp_mode(ok, plain_server.port)
    assert [row["status"] for row in ok("outbox", "send")] == ["sent", "sent"]
    assert queued(store) == []
    ok("config", "set", "email.mode", "outbox")
    third = ok("session", "cancel", booked("cy@example.com", "14:00", "Cy"), "--notify")["email"]["message"]
    assert third not in (first, second)
    assert queued(store) == [third]


# --- internationalised addresses ------------------------------------------------------------------

def test_an_ascii_address_at_an_idn_domain_goes_out_with_the_punycode_domain_without_smtputf8(ok, booked, plain_server):
    smtp_mode(ok, plain_server.port)
    cancelled = ok("session", "cancel", booked("ada@例え.jp"), "--notify")
    assert cancelled["email"]["status"] == "sent"
    [seen] = plain_server.received
    assert seen.rcpt_tos == ["ada@xn--r8jz45g.jp"]
    assert not seen.smtputf8
    assert seen.raw.isascii()
    assert seen.message["To"].addresses[0].addr_spec == "ada@xn--r8jz45g.jp"


def test_a_non_ascii_local_part_goes_out_over_smtputf8_where_the_server_offers_it(ok, booked, utf8_server):
    smtp_mode(ok, utf8_server.port)
    cancelled = ok("session", "cancel", booked(ZOE, first="Zoë"), "--notify")
    assert cancelled["email"]["status"] == "sent"
    [seen] = utf8_server.received
    assert seen.smtputf8
    assert seen.rcpt_tos == [ZOE_ON_THE_WIRE]
    to_line = next(line for line in seen.raw.split(b"\r\n") if line.startswith(b"To:"))
    assert to_line == f"To: Zoë <{ZOE_ON_THE_WIRE}>".encode()  # UTF-8 (RFC 6532), not an encoded word
    assert seen.message.get_body(("plain",)).get_content().startswith("Hello Zoë,")


def test_a_non_ascii_local_part_is_exit_5_where_the_server_lacks_smtputf8_and_the_message_stays(
        run, ok, booked, store, plain_server):
    smtp_mode(ok, plain_server.port)
    booking = booked(ZOE, first="Zoë")
    result = run("session", "cancel", booking, "--notify")
    assert result.exit_code == 5
    [message_id] = queued(store)
    error = one_error_line(result.stderr)
    assert message_id in error and "does not offer SMTPUTF8" in error
    assert ok("session", "show", booking)["status"] == "cancelled"
    sent = run("outbox", "send")
    assert sent.exit_code == 5
    assert "does not offer SMTPUTF8" in one_error_line(sent.stderr) and message_id in sent.stderr
    assert queued(store) == [message_id]
    assert plain_server.received == []


def test_a_message_the_server_cannot_take_for_lack_of_smtputf8_does_not_hold_back_the_others(
        run, ok, booked, store, plain_server):
    zoe = ok("session", "cancel", booked(ZOE, first="Zoë"), "--notify")["email"]["message"]
    ok("session", "cancel", booked("bea@example.com", "12:00", "Bea"), "--notify")
    smtp_mode(ok, plain_server.port)
    sent = run("outbox", "send")
    assert sent.exit_code == 5
    assert [(row["to"], row["status"]) for row in sent.json()] == [(ZOE_ON_THE_WIRE, "kept"),
                                                                   ("bea@example.com", "sent")]
    assert [seen.rcpt_tos for seen in plain_server.received] == [["bea@example.com"]]
    assert queued(store) == [zoe]
