"""Sending queued email over SMTP: each message leaves the outbox only once a server accepted it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bookctl.domain.settings import EmailSettings
from bookctl.errors import UsageError
from bookctl.errors import BookctlError
from bookctl.services.mail import (
    PASSWORD_ENV,
    PLACEHOLDER_SENDER,
    mail_address,
    message_summary,
    parse_message,
    smtp_password,
    smtp_problem,
    wire_address,
)

TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Wire:
    """One queued message as it goes to the server: envelope, bytes, and whether it needs SMTPUTF8."""

    sender: str
    recipients: list[str]
    data: bytes
    smtputf8: bool


def on_the_wire(data: bytes, sender: str) -> Wire:
    """The queued message with the sender resolved now: its From is `sender` (a message queued while
    email.sender was unset carries a placeholder), a placeholder Message-ID takes the sender's domain,
    and every envelope address has its domain in IDNA form. ValueError for an address that has none."""
    from email import policy

    message = parse_message(data)
    current = message["From"].addresses[0] if message["From"] is not None and message["From"].addresses else None
    new_from = mail_address(current.display_name if current is not None else "", sender)
    recipients = [wire_address(a.addr_spec) for a in (message["To"].addresses if message["To"] is not None else ())]
    envelope_sender = wire_address(sender)
    smtputf8 = not data.isascii() or not all(a.isascii() for a in (envelope_sender, *recipients))
    changed: dict[str, str] = {}
    if current is None or current.addr_spec != new_from.addr_spec:
        changed["From"] = str(new_from)
    message_id = str(message.get("Message-ID", ""))
    placeholder_domain = "@" + PLACEHOLDER_SENDER.rpartition("@")[2] + ">"
    if message_id.endswith(placeholder_domain):
        changed["Message-ID"] = message_id[: -len(placeholder_domain)] + f"@{new_from.domain}>"
    if changed:
        header_policy = policy.SMTPUTF8 if smtputf8 else policy.SMTP
        data = _replace_headers(data, {name.lower().encode(): header_policy.header_factory(name, value)
                                       .fold(policy=header_policy).encode("utf-8") for name, value in changed.items()})
    return Wire(envelope_sender, recipients, data, smtputf8)


def _replace_headers(data: bytes, folded: dict[bytes, bytes]) -> bytes:
    """`data` with each header named in `folded` (lower-case) replaced by its folded bytes, in place;
    the body and every other header byte for byte as they were."""
    head, sep, body = data.partition(b"\r\n\r\n")
    fields: list[list[bytes]] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1].append(line)  # a folded header's continuation
        else:
            fields.append([line])
    out = []
    for field in fields:
        name = field[0].partition(b":")[0].strip().lower()
        out.append(folded[name].removesuffix(b"\r\n") if name in folded else b"\r\n".join(field))
    return b"\r\n".join(out) + sep + body


@dataclass
class Delivery:
    """What a send did: one row per message tried, and why the failed ones failed."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every message tried was accepted."""
        return not self.failures


class MailServerError(Exception):
    """Why no session with the mail server could be had, as a sentence for the user: unreachable, or
    reached and refusing (no STARTTLS, no AUTH, a login refused), with what the server answered."""


def _connect(settings: EmailSettings, password: str | None) -> Any:
    """A logged-in SMTP session, or MailServerError. Each step's failure says which step it was: a
    server that cannot be reached is not one that was reached and lacks STARTTLS or AUTH."""
    import smtplib
    import socket
    import ssl

    where = _where(settings)
    local = socket.gethostname()  # not getfqdn(): a DNS lookup could stall every send
    try:
        if settings.security == "tls":
            conn = smtplib.SMTP_SSL(settings.host, settings.port or 465, local_hostname=local,
                                    timeout=TIMEOUT_SECONDS, context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(settings.host, settings.port or (587 if settings.security == "starttls" else 25),
                                local_hostname=local, timeout=TIMEOUT_SECONDS)
    except ssl.SSLError as exc:  # reached, but no TLS session: an untrusted certificate, or no TLS on that port
        hint = "" if isinstance(exc, ssl.SSLCertVerificationError) else \
            "; email.security tls needs a port that speaks TLS from the start (465), starttls one that offers STARTTLS"
        raise MailServerError(f"the TLS handshake with the mail server {where} failed: "
                              f"{_printable(str(exc))}{hint}") from None
    except smtplib.SMTPConnectError as exc:
        raise MailServerError(f"the mail server {where} refused the connection; it answered: "
                              f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        raise MailServerError(f"cannot reach the mail server {where}: {_reason(exc)}") from None
    try:
        _start_session(conn, settings, password, where)
    except BaseException:
        conn.close()
        raise
    return conn


def _start_session(conn: Any, settings: EmailSettings, password: str | None, where: str) -> None:
    """EHLO, STARTTLS when configured, AUTH when a username is set, on a connected `conn`."""
    import smtplib
    import ssl

    step = "EHLO"
    try:
        conn.ehlo_or_helo_if_needed()  # what the server offers (SMTPUTF8) is known before the first message
        if settings.security == "starttls":
            if not conn.has_extn("starttls"):
                raise MailServerError(f"the mail server {where} does not offer STARTTLS, which email.security "
                                      f"starttls needs; it answered: {_greeting(conn)}")
            step = "STARTTLS"
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()  # what it offers once encrypted (AUTH often only then)
        if settings.username:
            step = "AUTH"
            if not conn.has_extn("auth"):
                hint = " (many servers offer it only over TLS: email.security starttls)" if settings.security == "none" \
                    else ""
                raise MailServerError(f"the mail server {where} does not offer AUTH{hint}, so email.username "
                                      f"{settings.username} cannot log in; it answered: {_greeting(conn)}")
            conn.login(settings.username, password or "")
    except smtplib.SMTPAuthenticationError as exc:
        raise MailServerError(f"the mail server {where} refused the login of {settings.username}; it answered: "
                              f"{exc.smtp_code} {_text(exc.smtp_error)}; check {PASSWORD_ENV}") from None
    except smtplib.SMTPResponseException as exc:
        raise MailServerError(f"the mail server {where} refused {step}; it answered: "
                              f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
    except ssl.SSLError as exc:
        raise MailServerError(f"the TLS handshake with the mail server {where} failed: {_printable(str(exc))}") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise MailServerError(f"the mail server {where} dropped the connection during {step}: {_reason(exc)}") \
            from None
    except smtplib.SMTPException as exc:  # AUTH offered with no mechanism smtplib speaks
        raise MailServerError(f"the mail server {where} could not be used ({step}): {_printable(str(exc))}; "
                              f"it answered: {_greeting(conn)}") from None
    except OSError as exc:  # a reset or a timeout mid-way
        raise MailServerError(f"the mail server {where} dropped the connection during {step}: {_reason(exc)}") \
            from None


def _printable(text: str) -> str:
    """A server's words on one line of stderr: whitespace runs as one space, control characters out."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _text(answer: bytes | str) -> str:
    return _printable(answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer))


def _greeting(conn: Any) -> str:
    """The server's EHLO (or HELO) answer as it sent it, on one line: "250-mx.example 250-SIZE ... 250 HELP"."""
    answer = conn.ehlo_resp if conn.ehlo_resp is not None else conn.helo_resp
    lines = [_printable(line) for line in (answer or b"").decode(errors="replace").splitlines()] or [""]
    return " ".join([*(f"250-{line}" for line in lines[:-1]), f"250 {lines[-1]}"])[:400]


def _where(settings: EmailSettings) -> str:
    return f"{settings.host}:{settings.port or 'default port'}"


def _reason(exc: BaseException) -> str:
    import smtplib

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"the server refused the recipient {rcpt}: {code} {_text(msg)}"
                         for rcpt, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"the server refused the sender {_text(exc.sender)}: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPDataError):
        return f"the server refused the message: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server answered {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return _printable(str(exc)) or type(exc).__name__


def deliver(store: Any, settings: EmailSettings, message_ids: list[str] | None = None) -> Delivery:
    """Send the queued messages (all of them, or `message_ids`) and remove each one the server took.

    `store` is the store itself (files or PostgreSQL): every removal is its own unit of work, committed right after the
    server's acceptance, so an interruption can at worst send one message twice, never lose one."""
    import smtplib

    password = smtp_password()
    problem = smtp_problem(settings, password)
    if problem:
        raise UsageError(problem)
    result = Delivery()
    lock = store.sending()
    try:
        with store.read() as uow:
            queued = uow.outbox.ids()
            wanted = queued if message_ids is None else [m for m in message_ids if m in queued]
            messages = [(m, uow.outbox.read(m)) for m in wanted]
        if not messages:
            return result
        try:
            conn = _connect(settings, password)
        except MailServerError as exc:
            for message_id, data in messages:
                result.rows.append({**message_summary(message_id, data), "status": "kept"})
            result.failures.append(str(exc))
            return result
        try:
            for n, (message_id, data) in enumerate(messages):
                row = message_summary(message_id, data)
                try:
                    wire = on_the_wire(data, settings.sender or "")
                    if wire.smtputf8 and not conn.has_extn("smtputf8"):
                        result.failures.append(
                            f"{message_id} to {row['to']}: the mail server {_where(settings)} does not offer SMTPUTF8, "
                            "which an address with non-ASCII characters before the @ needs")
                        result.rows.append({**row, "status": "kept"})
                        continue
                    options = []
                    if wire.smtputf8:  # RFC 6531: an SMTPUTF8 message is 8-bit too
                        options = ["SMTPUTF8", *(["BODY=8BITMIME"] if conn.has_extn("8bitmime") else [])]
                    conn.sendmail(wire.sender, wire.recipients, wire.data, mail_options=options)
                except ValueError as exc:  # an address with no IDNA form: only this message is affected
                    result.failures.append(f"{message_id} to {row['to']}: {exc}")
                    result.rows.append({**row, "status": "kept"})
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    result.failures.append(f"{message_id} to {row['to']}: {_reason(exc)}")
                    result.rows.append({**row, "status": "kept"})
                    if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
                        # The connection is gone: the rest stay queued, untried.
                        result.rows.extend({**message_summary(m, d), "status": "kept"} for m, d in messages[n + 1:])
                        break
                    continue
                with store.write() as uow:
                    uow.outbox.remove(message_id)
                    uow.commit()
                result.rows.append({**row, "status": "sent"})
        finally:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
        return result
    finally:
        lock.release()


def send_after_commit(store: Any, settings: EmailSettings, email: dict[str, Any]) -> str | None:
    """In smtp mode, send the message a command just queued (`email` is the view's `email` record,
    updated to status sent or kept). Returns why it failed, or None. Nothing to do in outbox mode."""
    if settings.mode != "smtp":
        return None
    try:
        result = deliver(store, settings, [email["message"]])
    except BookctlError as exc:
        failure: str | None = str(exc)
    else:
        failure = None if result.ok and result.rows else ("; ".join(result.failures) or "it was not found in the outbox")
    email["status"] = "kept" if failure else "sent"
    return failure
