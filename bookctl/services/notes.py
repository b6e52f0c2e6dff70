"""Notes on a contact's card (seed 004: a note, a meeting summary or a call summary)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bookctl.domain import values
from bookctl.domain.cards import Note
from bookctl.services.lookups import live_contact
from bookctl.services.lookups import find_staff
from bookctl.storage.unit import UnitOfWork


def add_note(uow: UnitOfWork, now: datetime, contact_id: str, text: str, kind: str = "note",
             author: str | None = None) -> Note:
    """Write a note on the card; `kind` is one of NOTE_TYPES, `author` a member of staff (id or unique name)."""
    body = check_body(text, "note")
    contact = live_contact(uow, contact_id)
    author_id = find_staff(uow.settings, author).id if author else None
    note = Note(id=uow.cards.new_id("n"), text=body, type=kind, author=author_id, created_at=now)  # type: ignore[arg-type]
    uow.cards.get(contact.id).notes.append(note)
    return note


def check_body(text: str, what: str) -> str:
    """The text of a note or task: it may run over several lines; other control characters are refused."""
    return values.text(text, f"the {what} text")


def list_notes(uow: UnitOfWork, contact_id: str) -> list[dict[str, Any]]:
    """The card's notes, newest first."""
    from bookctl.services.views import note_view
    from bookctl.timeutil import load_zone

    contact = uow.contacts.get(contact_id)
    zone = load_zone(uow.settings.business.timezone)
    return [note_view(n, zone) for n in reversed(uow.cards.get(contact.id).notes)]

