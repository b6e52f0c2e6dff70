"""Contacts as vCard 4.0 (RFC 6350): CRLF line ends, lines folded at 75 octets, values escaped.

A card's UID is derived from the store's id and the contact's, so re-importing an export updates
an address book's cards, and two stores' cards (both have a c-1) never collide in one book."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC
from typing import TextIO

from bookctl.domain.models import Contact

# A fixed namespace makes a contact's UID stable across exports, so address books update, not duplicate.
_NAMESPACE = uuid.UUID("6f1c2a4e-0b7d-4e58-9a51-3d2b8c0f7e19")


def escape(value: str) -> str:
    """A TEXT value: backslash, comma, semicolon and newline escaped (RFC 6350 3.4)."""
    return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """One content line folded into CRLF-ended lines of at most 75 octets, never inside a UTF-8 character."""
    if len(line) <= 18 or len(line) <= 75 and line.isascii():  # fits: a character is at most 4 octets
        return line + "\r\n"
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while len(raw) - start > limit:
        cut = start + limit
        while raw[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back off to the character's start
            cut -= 1
        parts.append(raw[start:cut])
        start, limit = cut, 74  # continuation lines begin with one space
    parts.append(raw[start:])
    return b"\r\n ".join(parts).decode("utf-8") + "\r\n"


def _param(value: str) -> str:
    """A parameter value, quoted (RFC 6868 caret-escaping for quotes and newlines)."""
    return '"' + value.replace("^", "^^").replace('"', "^'").replace("\n", "^n") + '"'


def card_uid(contact_id: str, store_id: str) -> str:
    """A contact's UID: a name-based UUID of the store's id and the contact's (stable across exports)."""
    return uuid.uuid5(_NAMESPACE, f"{store_id}/{contact_id}").urn


def card(contact: Contact, store_id: str) -> str:
    """One VCARD for `contact` of the store whose id is `store_id`."""
    lines = ["BEGIN:VCARD", "VERSION:4.0",
             f"UID:{card_uid(contact.id, store_id)}",
             # A contact keeps no time of its last edit: its erasure, else its creation, is the latest known.
             f"REV:{(contact.erased_at or contact.created_at).astimezone(UTC):%Y%m%dT%H%M%SZ}",
             f"FN:{escape(contact.display_name)}",
             f"N:{escape(contact.last_name or '')};{escape(contact.first_name)};;;"]
    emails = [e for e in [contact.email, *contact.emails] if e]
    for n, email in enumerate(dict.fromkeys(emails)):
        lines.append(f"EMAIL{';PREF=1' if n == 0 else ''}:{escape(email)}")
    phones = [p for p in [contact.phone, *contact.phones] if p]
    for n, phone in enumerate(dict.fromkeys(phones)):
        lines.append(f"TEL;VALUE=text{';PREF=1' if n == 0 else ''}:{escape(phone)}")
    addresses = [a for a in [contact.address, *contact.addresses] if a]
    for n, address in enumerate(dict.fromkeys(addresses)):
        # Free text: the whole address is the LABEL and the street component (RFC 6350 6.3.1).
        lines.append(f"ADR;LABEL={_param(address)}{';PREF=1' if n == 0 else ''}:;;{escape(address)};;;;")
    if contact.company:
        lines.append(f"ORG:{escape(contact.company)}")
    if contact.position:
        lines.append(f"TITLE:{escape(contact.position)}")
    if contact.birthday:
        lines.append(f"BDAY:{contact.birthday:%Y%m%d}")
    if contact.language:
        lines.append(f"LANG:{escape(contact.language)}")
    if contact.labels:
        lines.append("CATEGORIES:" + ",".join(escape(label) for label in contact.labels))
    for name, value in sorted(contact.custom_fields.items()):
        lines.append(f"NOTE:{escape(f'{name}: {value}')}")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def write_vcards(contacts: Iterable[Contact], out: TextIO, store_id: str) -> int:
    """One vCard per contact, one after another, of the store whose id is `store_id`; returns how many."""
    count = 0
    for contact in contacts:
        out.write(card(contact, store_id))
        count += 1
    return count
