"""What `outbox send` and `session cancel --notify` say when mail cannot go out (#22): a server that
cannot be reached is told apart from one that was reached and refused (no STARTTLS, no AUTH, a
login, a sender or a recipient refused), quoting what the server answered. Each is exit 5 with one
line on stderr; the message stays in the outbox for `outbox send` to retry.

The servers are aiosmtpd on 127.0.0.1 (tests/smtp_server.py's `serving`). "Now" is Monday
2026-11-23 12:00 in Rome.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import outbox_messages, tree_digest
from tests.smtp_server import CERT, PASSWORD, free_port, serving

SENDER = "desk@studio-verde.example"


@pytest.fixture
def queued(ok) -> str:  # noqa: ANN001
    """A cancellation email to ada@example.com waiting in the outbox (queued in outbox mode); its id."""
    contact = ok("contact", "add", "--first-name", "Ada", "--last-name", "Lovelace", "--email", "ada@example.com")["id"]
    booking = ok("session", "book", "--service", "physiotherapy", "--contact", contact, "--start", "2026-11-24 10:00",
                 "--staff", "Giulia Romano")["id"]
    return ok("session", "cancel", booking, "--notify")["email"]["message"]


def point_at(ok, port: int, security: str = "none", username: str | None = None) -> None:  # noqa: ANN001
    for key, value in (("email.mode", "smtp"), ("email.host", "127.0.0.1"), ("email.port", str(port)),
                       ("email.security", security), ("email.sender", SENDER)):
        ok("config", "set", key, value)
    if username:
        ok("config", "set", "email.username", username)


def records(store: Path) -> dict[str, str]:
    """The store's digest, its lock files aside (`outbox send` takes .outbox.lock, an empty file)."""
    return {name: digest for name, digest in tree_digest(store).items() if not name.endswith(".lock")}


@pytest.fixture
def send_refused(run, store: Path):  # noqa: ANN001, ANN201
    """send_refused(env) -> the one error line of an `outbox send` that must exit 5 and change nothing."""
    def invoke(extra_env: dict[str, str] | None = None) -> str:
        before = records(store)
        result = run("outbox", "send", extra_env=extra_env)
        assert result.exit_code == 5, (result.stdout, result.stderr)
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert [row["status"] for row in result.json()] == ["kept"]
        assert records(store) == before  # the message is still queued, byte for byte
        return result.stderr

    return invoke


def test_nothing_listening_is_cannot_reach_with_the_systems_reason(ok, queued, send_refused):
    port = free_port()
    point_at(ok, port)
    error = send_refused()
    assert f"cannot reach the mail server 127.0.0.1:{port}: connection refused" in error
    assert "1 message(s) stay in the outbox" in error


def test_a_server_without_starttls_is_reached_and_its_answer_quoted(ok, queued, send_refused):
    with serving(starttls=False) as server:
        point_at(ok, server.port, security="starttls")
        error = send_refused()
    assert "cannot reach" not in error
    assert f"the mail server 127.0.0.1:{server.port} does not offer STARTTLS" in error
    assert "it answered: 250-" in error and "250-AUTH" in error and "250 HELP" in error
    assert server.received == []


def test_a_server_without_auth_is_reached_and_the_login_cannot_happen(ok, queued, send_refused):
    with serving(auth=False) as server:
        point_at(ok, server.port, username="desk")
        error = send_refused({"BOOKCTL_SMTP_PASSWORD": PASSWORD})
    assert "cannot reach" not in error
    assert f"the mail server 127.0.0.1:{server.port} does not offer AUTH" in error
    assert "email.security starttls" in error  # no TLS here: AUTH is often offered only over it
    assert "email.username desk cannot log in" in error and "250-" in error and "AUTH" not in error.split("answered:")[1]
    assert server.logins == [] and server.received == []
    assert PASSWORD not in error


def test_a_server_refusing_every_login_is_quoted_and_the_password_never_shown(ok, queued, send_refused):
    with serving(password=None) as server:
        point_at(ok, server.port, username="desk")
        error = send_refused({"BOOKCTL_SMTP_PASSWORD": PASSWORD})
    assert "cannot reach" not in error
    assert f"the mail server 127.0.0.1:{server.port} refused the login of desk; it answered: 535" in error
    assert "BOOKCTL_SMTP_PASSWORD" in error and PASSWORD not in error
    assert set(server.logins) == {("desk", PASSWORD)} and server.received == []  # smtplib tries PLAIN, then LOGIN


def test_a_refused_sender_is_named_with_the_servers_answer(ok, queued, send_refused):
    with serving() as server:
        server.refuse_sender = True
        point_at(ok, server.port)
        error = send_refused()
    assert f"{queued} to ada@example.com: the server refused the sender {SENDER}: 553 5.7.1" in error


def test_a_refused_recipient_is_named_with_the_servers_answer(ok, queued, send_refused):
    with serving() as server:
        server.refuse = True
        point_at(ok, server.port)
        error = send_refused()
    assert "the server refused the recipient ada@example.com: 550 5.1.1 mailbox unavailable" in error


def test_tls_on_a_port_that_speaks_plain_smtp_is_a_failed_handshake_not_an_unreachable_server(ok, queued,
                                                                                             send_refused):
    with serving() as server:
        point_at(ok, server.port, security="tls")
        error = send_refused()
    assert "cannot reach" not in error
    assert f"the TLS handshake with the mail server 127.0.0.1:{server.port} failed" in error
    assert "465" in error


def test_the_command_that_queued_the_message_stands_and_says_what_the_server_answered(run, ok):
    contact = ok("contact", "add", "--first-name", "Ada", "--email", "ada@example.com")["id"]
    booking = ok("session", "book", "--service", "physiotherapy", "--contact", contact, "--start", "2026-11-24 10:00",
                 "--staff", "Giulia Romano")["id"]
    with serving() as server:
        point_at(ok, server.port, security="starttls")
        result = run("session", "cancel", booking, "--notify")
    assert result.exit_code == 5 and result.stderr.count("\n") == 1
    assert "does not offer STARTTLS" in result.stderr and "outbox send" in result.stderr
    assert ok("session", "show", booking)["status"] == "cancelled"
    assert result.json()["email"]["status"] == "kept"


def test_once_the_server_offers_starttls_the_kept_message_goes_out(ok, store, queued, send_refused):
    with serving() as plain:
        point_at(ok, plain.port, security="starttls")
        send_refused()
    with serving(starttls=True) as server:
        ok("config", "set", "email.port", str(server.port))
        [row] = ok("outbox", "send", extra_env={"SSL_CERT_FILE": str(CERT)})
    assert (row["id"], row["status"]) == (queued, "sent")
    assert [r.rcpt_tos for r in server.received] == [["ada@example.com"]]
    assert outbox_messages(store) == []
