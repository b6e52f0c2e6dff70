"""Contacts: the clients a business books."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bookctl.domain.models import Contact
from bookctl.errors import RuleError, UsageError
from bookctl.storage.base import UnitOfWork

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{5,25}$")


def check_email(value: str, field: str = "--email") -> str:
    """A plausible address (name@domain.tld), trimmed."""
    cleaned = value.strip()
    if not _EMAIL.fullmatch(cleaned):
        raise UsageError(f"{field} {value!r} is not an email address")
    return cleaned


def check_phone(value: str, field: str = "--phone") -> str:
    """Digits with the usual separators and an optional leading +."""
    cleaned = value.strip()
    if not _PHONE.fullmatch(cleaned) or sum(ch.isdigit() for ch in cleaned) < 5:
        raise UsageError(f"{field} {value!r} is not a phone number")
    return cleaned


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    cleaned = value.strip()
    if not cleaned:
        raise UsageError(f"{field} must not be empty")
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise UsageError(f"{field} must not contain control characters")
    return cleaned


def add_contact(uow: UnitOfWork, now: datetime, first_name: str, last_name: str | None = None,
                email: str | None = None, phone: str | None = None, address: str | None = None) -> Contact:
    """Create a contact card."""
    return uow.add_contact(
        first_name=_text(first_name, "--first-name"),
        last_name=_text(last_name, "--last-name"),
        email=None if email is None else check_email(email),
        phone=None if phone is None else check_phone(phone),
        address=_text(address, "--address"),
        created_at=now,
    )


def edit_contact(uow: UnitOfWork, contact_id: str, **changes: str | None) -> Contact:
    """Change the contact's details; options left out stay as they are."""
    contact = uow.get_contact(contact_id)
    for field, value in changes.items():
        if value is None:
            continue
        option = "--" + field.replace("_", "-")
        if field == "email":
            value = check_email(value)
        elif field == "phone":
            value = check_phone(value)
        else:
            value = _text(value, option)
        setattr(contact, field, value)
    uow.save_contact(contact)
    return contact


def fold(text: str) -> str:
    """Case- and accent-insensitive form for matching ('Zoë' -> 'zoe')."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def list_contacts(uow: UnitOfWork, labels: list[str] | None = None, search: str | None = None) -> Iterator[Contact]:
    """Contacts having every label in `labels` and matching `search` in name, email, phone or company."""
    wanted = [fold(label) for label in labels or []]
    needle = fold(search.strip()) if search else None
    for contact in uow.iter_contacts():
        if wanted:
            have = {fold(label) for label in contact.labels}
            if not all(label in have for label in wanted):
                continue
        if needle:
            haystack = " ".join(filter(None, [contact.first_name, contact.last_name, contact.email, contact.phone,
                                              contact.company, *contact.emails, *contact.phones]))
            if needle not in fold(haystack):
                continue
        yield contact


def check_deletable(contact: Contact) -> None:
    """A contact with bookings keeps the calendar's history whole, so it cannot be deleted."""
    if contact.booking_ids:
        count = len(contact.booking_ids)
        raise RuleError(f"contact {contact.id} has {count} booking{'s' if count != 1 else ''}; "
                        "a contact with bookings cannot be deleted")


def delete_contact(uow: UnitOfWork, contact_id: str) -> Contact:
    """Delete a contact who has no bookings."""
    contact = uow.get_contact(contact_id)
    check_deletable(contact)
    uow.delete_contact(contact)
    return contact


def contact_card(uow: UnitOfWork, contact_id: str) -> dict[str, Any]:
    """The contact's details with their bookings, newest first."""
    from bookctl.services.views import booking_view, contact_view
    from bookctl.timeutil import load_zone

    zone = load_zone(uow.settings.business.timezone)
    contact = uow.get_contact(contact_id)
    card = contact_view(contact, zone)
    rows = []
    for booking_id in contact.booking_ids:
        booking = uow.get_booking(booking_id)
        session = uow.get_session(booking.session_id)
        rows.append(((session.start, booking.id), booking_view(booking, session, zone)))
    card["bookings"] = [row for _, row in sorted(rows, key=lambda pair: pair[0], reverse=True)]
    return card
