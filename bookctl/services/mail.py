"""Email to clients (seed 002, #20): confirmation, reminder, cancellation, rescheduled, refund, waitlist
offer and failed membership renewal (#23) messages, queued in the store's outbox.

A message is built with `email.message.EmailMessage` (plain text with an HTML alternative, and for
a confirmation, a reminder or a cancellation a `text/calendar; method=...` alternative: the
iCalendar invitation that Gmail, Outlook and Apple Mail put in the client's calendar, see
output/invitation.py) and queued in the same unit of work as the change it tells about, so the two
commit together. Sending it over SMTP is `services/delivery.py`'s job, after the commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from bookctl.domain.models import Booking, Contact, Session
from bookctl.domain.money import Money
from bookctl.domain.settings import EmailSettings
from bookctl.errors import RuleError, UsageError
from bookctl.services.templates import choose_language, format_money, phrases, render
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import load_zone

if TYPE_CHECKING:
    from bookctl.domain.invoices import Invoice
    from bookctl.domain.plans import Pass

# Used as From while email.sender is unset: RFC 2606 reserves .invalid, so it can never be delivered to.
# `outbox send` puts the configured sender in its place: it never goes on the wire.
PLACEHOLDER_SENDER = "bookings@bookctl.invalid"


def smtp_problem(settings: EmailSettings, password: str | None) -> str | None:
    """What is missing for sending over SMTP, or None when the settings are complete."""
    if settings.mode != "smtp":
        return "email.mode is outbox, so messages are only queued; 'bookctl config set email.mode smtp' to send them"
    if not settings.host:
        return "email.host is not set; 'bookctl config set email.host smtp.example.com'"
    if not settings.sender:
        return "email.sender is not set; 'bookctl config set email.sender studio@example.com'"
    if settings.username and not password:
        return f"email.username is {settings.username!r} but BOOKCTL_SMTP_PASSWORD is not set in the environment"
    return None


PASSWORD_ENV = "BOOKCTL_SMTP_PASSWORD"


def smtp_password() -> str | None:
    """The SMTP password; it lives only in the environment, never in the store."""
    import os

    return os.environ.get(PASSWORD_ENV) or None


def check_can_email(uow: UnitOfWork, contact: Contact) -> str:
    """The contact's address, refusing before anything changes when no message could go out."""
    if not contact.email:
        raise RuleError(f"contact {contact.id} ({contact.display_name}) has no email address; add one with "
                        f"'bookctl contact edit {contact.id} --email ...' or leave out the email option")
    settings = uow.settings.email
    if settings.mode == "smtp":
        problem = smtp_problem(settings, smtp_password())
        if problem:
            raise UsageError(problem)
    return contact.email


def _when(uow: UnitOfWork, moment: datetime, language: str) -> tuple[str, str]:
    """(date, time) of `moment` in the studio's zone, as `language` writes them ("Tuesday, 24 November
    2026", "10:00"); ISO for a language bookctl has no date table for (a store's own templates)."""
    from bookctl.domain.dates import clock_time, long_date

    local = moment.astimezone(load_zone(uow.settings.business.timezone))
    return long_date(local.date(), language), clock_time(local.time(), language)


def _values(uow: UnitOfWork, contact: Contact, booking: Booking, session: Session, language: str) -> dict[str, str]:
    service = uow.settings.services.get(session.service_id)
    day, time = _when(uow, session.start, language)
    return {
        "name": contact.first_name,
        "business": uow.settings.business.name,
        "service": service.name if service else session.service_id,
        "date": day,
        "time": time,
        "booking": booking.id,
    }


def build_message(uow: UnitOfWork, now: datetime, contact: Contact, kind: str, values: dict[str, str],
                  language: str, booking_id: str, calendar: tuple[str, bytes] | None = None) -> Any:
    """An EmailMessage (text plus HTML alternative) for `contact`, rendered from `kind`'s templates.

    `calendar` is (METHOD, a VCALENDAR's bytes): it goes in as a third alternative,
    `text/calendar; method=METHOD; charset=utf-8`, the part mail readers take for an invitation."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    rendered = render(uow, kind, language, values)
    settings = uow.settings
    message = EmailMessage()
    try:
        message["From"] = mail_address(settings.business.name, settings.email.sender or PLACEHOLDER_SENDER)
    except ValueError as exc:
        raise UsageError(f"email.sender {settings.email.sender!r} cannot be written in a message ({exc}); "
                         "'bookctl config set email.sender studio@example.com'") from None
    try:
        message["To"] = mail_address(contact.display_name, contact.email or "")
    except (UnicodeError, ValueError) as exc:
        raise _unwritable(contact, exc) from None
    from bookctl.output.mail_headers import set_unstructured

    set_unstructured(message, "Subject", rendered.subject)  # folded so that no reader loses a space
    message["Date"] = format_datetime(now.astimezone(load_zone(settings.business.timezone)))  # the studio's local time
    message["Message-ID"] = make_msgid(idstring=booking_id, domain=message["From"].addresses[0].domain)
    message["X-Bookctl-Kind"] = kind
    message["X-Bookctl-Booking"] = booking_id
    message.set_content(rendered.text, cte=_transfer_encoding(rendered.text))
    message.add_alternative(rendered.html, subtype="html", cte=_transfer_encoding(rendered.html))
    if calendar is not None:
        _add_calendar(message, *calendar)
    message["Content-Language"] = rendered.language  # after set_content, which clears Content-* headers
    return message


def _add_calendar(message: Any, method: str, data: bytes) -> None:
    """Add the invitation as the last alternative. Its Content-Type is written as it is, with the
    method unquoted as calendar servers write it (the stdlib would write method="REQUEST")."""
    text = data.decode("utf-8")
    message.add_alternative(text, subtype="calendar", cte=_transfer_encoding(text))
    part = message.get_payload()[-1]
    del part["Content-Type"]
    part.set_raw("Content-Type", f"text/calendar; method={method}; charset=utf-8")


def wire_address(addr_spec: str) -> str:
    """`addr_spec` as it goes on the wire: the domain in its IDNA form (`zoë@例え.jp` ->
    `zoë@xn--r8jz45g.jp`); ValueError if it has no such form."""
    from bookctl.domain.values import ascii_domain

    local, at, domain = addr_spec.strip().rpartition("@")
    wire_domain = ascii_domain(domain) if at and local else None
    if wire_domain is None:
        raise ValueError(f"{addr_spec!r} is not an address mail can be sent to")
    return f"{local}@{wire_domain}"


def mail_address(display_name: str, addr_spec: str) -> Any:
    """A header address (email.headerregistry.Address) with the domain in its IDNA form; the local
    part stays as it is, UTF-8 if it must (RFC 6532), never an RFC 2047 encoded word."""
    from email.headerregistry import Address

    local, _, domain = wire_address(addr_spec).rpartition("@")
    return Address(display_name, local, domain)


def needs_smtputf8(message: Any) -> bool:
    """Whether an address of `message` has a non-ASCII local part: then only SMTPUTF8 can carry it."""
    return any(not address.username.isascii()
               for name in ("From", "To", "Cc", "Reply-To") if message[name] is not None
               for address in message[name].addresses)


def _transfer_encoding(text: str) -> str:
    """7-bit clean on the wire, so no server needs 8BITMIME: quoted-printable for mostly-Latin
    text (still readable raw), base64 for Hebrew or Cyrillic."""
    if text.isascii():
        return "7bit"
    non_ascii = sum(1 for ch in text if not ch.isascii())
    return "base64" if non_ascii * 3 > len(text) else "quoted-printable"


def message_bytes(message: Any) -> bytes:
    """RFC 5322 bytes with CRLF line ends; 7-bit, unless an address needs SMTPUTF8 (then the headers
    are UTF-8, RFC 6532). The stdlib folds a long header leaving a space before the fold, so readers
    would unfold it to two spaces ("2026-11-24  è"): drop that space."""
    from email.policy import SMTP, SMTPUTF8

    raw = message.as_bytes(policy=SMTPUTF8 if needs_smtputf8(message) else SMTP)
    head, sep, body = raw.partition(b"\r\n\r\n")
    return head.replace(b" \r\n ", b"\r\n ").replace(b" \r\n\t", b"\r\n\t") + sep + body


def encoded(message: Any, contact: Contact) -> bytes:
    """The message's bytes, or a RuleError naming the contact when a header cannot be written
    (an address the mail library cannot encode, say): raised before anything changes."""
    try:
        return message_bytes(message)
    except (UnicodeError, ValueError) as exc:  # email.errors.HeaderWriteError is a ValueError
        raise _unwritable(contact, exc) from None


def _unwritable(contact: Contact, exc: Exception) -> RuleError:
    return RuleError(f"no email can be written to contact {contact.id} at {contact.email!r} ({exc}); "
                     f"fix the address with 'bookctl contact edit {contact.id} --email ...'")


def _queue(uow: UnitOfWork, now: datetime, message: Any, contact: Contact) -> str:
    return uow.outbox.add(now, encoded(message, contact))


def _queue_with_invitation(uow: UnitOfWork, now: datetime, booking: Booking, session: Session, kind: str,
                           method: Literal["REQUEST", "CANCEL"]) -> str:
    """Queue `kind`'s email to the booking's contact with the booking's invitation (`method`)."""
    from bookctl.output.invitation import invitation

    contact = uow.contacts.get(booking.contact_id)
    language = choose_language(uow, contact, kind)
    calendar = (method, invitation(uow, booking, session, method, now))
    message = build_message(uow, now, contact, kind, _values(uow, contact, booking, session, language), language,
                            booking.id, calendar=calendar)
    return _queue(uow, now, message, contact)


def queue_confirmation_email(uow: UnitOfWork, now: datetime, booking: Booking, session: Session) -> str:
    """Queue the "your booking is confirmed" email with its invitation (METHOD:REQUEST) to the
    booking's contact; returns the message id.

    Gate it with `check_can_email` before the booking is made; call it inside the unit of work that
    makes it, before `commit()`."""
    return _queue_with_invitation(uow, now, booking, session, "confirmation", "REQUEST")


def queue_reminder_email(uow: UnitOfWork, now: datetime, booking: Booking, session: Session) -> str:
    """Queue the "your booking is coming up" email with its invitation (METHOD:REQUEST, the same
    event again: a calendar that lost it gets it back) to the booking's contact; returns the message id."""
    return _queue_with_invitation(uow, now, booking, session, "reminder", "REQUEST")


def queue_cancellation_email(uow: UnitOfWork, now: datetime, booking: Booking, session: Session) -> str:
    """Queue the "your booking was cancelled" email with its METHOD:CANCEL invitation, which takes the
    event out of the client's calendar, to the booking's contact; returns the message id.

    Call it inside the unit of work that cancels, after the booking is cancelled (its SEQUENCE is
    then the higher one) and before `commit()`."""
    return _queue_with_invitation(uow, now, booking, session, "cancellation", "CANCEL")


def queue_rescheduled_email(uow: UnitOfWork, now: datetime, booking: Booking, session: Session,
                            old_start: datetime) -> str:
    """Queue the "your booking was moved" email to the booking's contact; returns the message id.

    `session` is already at its new time; `old_start` is when it was. Call it inside the unit of
    work that moves the session, before `commit()`."""
    contact = uow.contacts.get(booking.contact_id)
    language = choose_language(uow, contact, "rescheduled")
    values = _values(uow, contact, booking, session, language)
    values["old_date"], values["old_time"] = _when(uow, old_start, language)
    from bookctl.output.invitation import invitation

    # The invitation again, with its SEQUENCE raised by the move: the client's calendar moves the event.
    calendar = ("REQUEST", invitation(uow, booking, session, "REQUEST", now))
    message = build_message(uow, now, contact, "rescheduled", values, language, booking.id, calendar=calendar)
    return _queue(uow, now, message, contact)


def queue_offer_email(uow: UnitOfWork, now: datetime, booking: Booking, session: Session) -> str:
    """Queue the "a place is held for you until ..." email of a waitlist offer (no invitation: the
    client is not booked until they take it); returns the message id."""
    contact = uow.contacts.get(booking.contact_id)
    language = choose_language(uow, contact, "offer")
    values = _values(uow, contact, booking, session, language)
    values["until_date"], values["until_time"] = _when(uow, booking.offer_expires_at or now, language)
    message = build_message(uow, now, contact, "offer", values, language, booking.id)
    return _queue(uow, now, message, contact)


def queue_renewal_failed_email(uow: UnitOfWork, now: datetime, sold: Pass, invoice: Invoice) -> str:
    """Queue "your membership could not be renewed" for a membership left `past_due` by `plan renew`:
    what its next period costs, from when, and the invoice to pay; returns the message id."""
    contact = uow.contacts.get(sold.contact_id)
    language = choose_language(uow, contact, "renewal_failed")
    day, _ = _when(uow, sold.expires_at or now, language)
    values = {"name": contact.first_name, "business": uow.settings.business.name, "plan": sold.plan_name,
              "amount": format_money(invoice.total, phrases(uow, language)), "date": day, "invoice": invoice.id,
              "pass": sold.id}
    message = build_message(uow, now, contact, "renewal_failed", values, language, sold.id)
    return _queue(uow, now, message, contact)


def refund_email(uow: UnitOfWork, now: datetime, booking: Booking, session: Session, refunded: Money,
                 fee_kept: Money | None = None) -> bytes:
    """The refund email's bytes: the amount refunded and any fee kept.

    Build it before any money moves (after `check_can_email`), so that an address, a header or a
    template that cannot be made into a message refuses the command while nothing has happened;
    queue the bytes with `uow.queue_message` once the provider has answered."""
    contact = uow.contacts.get(booking.contact_id)
    language = choose_language(uow, contact, "refund")
    words = phrases(uow, language)
    values = _values(uow, contact, booking, session, language)
    values["refunded"] = format_money(refunded, words)
    if fee_kept is not None and fee_kept.minor > 0:
        from string import Template

        values["fee_sentence"] = Template(words.get("fee_kept", "")).safe_substitute(fee=format_money(fee_kept, words))
    else:
        values["fee_sentence"] = words.get("no_fee_kept", "")
    return encoded(build_message(uow, now, contact, "refund", values, language, booking.id), contact)


def parse_message(data: bytes, headers_only: bool = True) -> Any:
    """A stored .eml as an EmailMessage."""
    from email import policy
    from email.parser import BytesParser, Parser

    if data.isascii():
        return BytesParser(policy=policy.default).parsebytes(data, headersonly=headers_only)
    # UTF-8 headers (an SMTPUTF8 message): the bytes parser would read them as undecodable bytes.
    return Parser(policy=policy.default).parsestr(data.decode("utf-8", "surrogateescape"), headersonly=headers_only)


def message_summary(message_id: str, data: bytes) -> dict[str, Any]:
    """One outbox row: id, date, to, subject, kind, booking."""
    message = parse_message(data)
    dated = message.get("Date")
    return {
        "id": message_id,
        # ISO 8601 like every time bookctl prints; the header's own offset is the studio's.
        "date": dated.datetime.isoformat() if dated is not None and dated.datetime is not None else None,
        "to": ", ".join(a.addr_spec for a in message["To"].addresses) if message["To"] else "",
        "subject": str(message.get("Subject", "")),
        "kind": str(message.get("X-Bookctl-Kind", "")),
        "booking": str(message.get("X-Bookctl-Booking", "")),
    }


def list_outbox(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every queued message, oldest first."""
    return [message_summary(m, uow.outbox.read(m)) for m in uow.outbox.ids()]


def show_message(uow: UnitOfWork, message_id: str) -> dict[str, Any]:
    """A queued message's headers, language and plain-text body."""
    data = uow.outbox.read(message_id)
    message = parse_message(data, headers_only=False)
    body = message.get_body(preferencelist=("plain",))
    return {
        **message_summary(message_id, data),
        "from": str(message.get("From", "")),
        "language": str(message.get("Content-Language", "")),
        "text": body.get_content() if body is not None else "",
    }
