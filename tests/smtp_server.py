"""A real SMTP server for the email tests: aiosmtpd's Controller on 127.0.0.1 and a free port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.raw)  # type: ignore[return-value]


@dataclass
class MailServer:
    """What the server saw; `refuse` makes it answer 550 to every recipient, `refuse_sender` 553 to
    every MAIL FROM."""

    port: int
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refuse: bool = False
    refuse_sender: bool = False


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: ANN001, ANN201, N802
        if self.server.refuse_sender:
            return "553 5.7.1 sender not allowed to send from this domain"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if self.server.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A port nothing listens on right now (the Controller cannot take port 0 itself)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PASSWORD = "s3cret-pw"


@contextmanager
def serving(*, starttls: bool = False, auth: bool = True, password: str | None = PASSWORD) -> Iterator[MailServer]:
    """A server on 127.0.0.1 for as long as the block runs: offering STARTTLS (the test certificate)
    or not, AUTH or not (`auth=False`: it never says AUTH in its EHLO answer), and taking `password`
    for any login (None: it answers 535 to every one, right or wrong)."""
    if starttls and not auth:
        raise ValueError("aiosmtpd offers AUTH once TLS is up; a STARTTLS server without AUTH is not made here")
    state = MailServer(port=free_port())

    def authenticate(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
        if isinstance(auth_data, LoginPassword):
            state.logins.append((auth_data.login.decode(), auth_data.password.decode()))
            # handled=False: aiosmtpd itself answers 535 to a wrong password, as a real server does
            return AuthResult(success=password is not None and auth_data.password == password.encode(),
                              handled=False)
        return AuthResult(success=False, handled=False)

    # Without an authenticator aiosmtpd still offers AUTH over TLS; with no TLS here it never does.
    options: dict = {"authenticator": authenticate, "auth_require_tls": False} if auth else {"auth_require_tls": True}
    if starttls:
        options["tls_context"] = _server_tls()
    controller = Controller(_Handler(state), hostname="127.0.0.1", port=state.port, **options)
    controller.start()
    try:
        yield state
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def _running_server() -> Iterator[MailServer]:
    with serving() as state:
        yield state


@pytest.fixture
def mail_server(_running_server: MailServer) -> MailServer:
    """The module's running server, emptied for this test."""
    _running_server.received.clear()
    _running_server.logins.clear()
    _running_server.refuse = False
    _running_server.refuse_sender = False
    return _running_server


DATA = Path(__file__).parent / "data"
# A self-signed certificate for localhost and 127.0.0.1, valid until 2126, made for these tests only.
CERT, KEY = DATA / "localhost-test-cert.pem", DATA / "localhost-test-key.pem"


def _server_tls():  # noqa: ANN202
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT, KEY)
    return context


@pytest.fixture(params=["starttls", "tls"])
def tls_server(request: pytest.FixtureRequest) -> Iterator[tuple[str, MailServer]]:
    """(security, server): a server that insists on STARTTLS, or one that speaks TLS from the start."""
    context = _server_tls()
    state = MailServer(port=free_port())
    if request.param == "starttls":
        controller = Controller(_Handler(state), hostname="127.0.0.1", port=state.port, tls_context=context,
                                require_starttls=True)
    else:
        controller = Controller(_Handler(state), hostname="127.0.0.1", port=state.port, ssl_context=context)
    controller.start()
    try:
        yield request.param, state
    finally:
        controller.stop()
