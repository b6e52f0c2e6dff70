"""What a contact card holds beyond the contact's own fields: notes, tasks and attachments.

Apart from models.py so that commands which never touch a card do not build these models at start-up.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, Field

from bookctl.domain.models import Record

NoteType = Literal["note", "meeting-summary", "call-summary"]
NOTE_TYPES: tuple[str, ...] = ("note", "meeting-summary", "call-summary")


class Note(Record):
    """Something staff wrote down about a client (seed 004: note, meeting or call summary)."""

    id: str
    text: str
    type: NoteType = "note"
    author: str | None = None
    created_at: AwareDatetime


class Task(Record):
    """A to-do for a member of staff about a client, due on a day in the store's time zone."""

    id: str
    text: str
    assignee: str | None = None
    due: date | None = None
    created_at: AwareDatetime
    done_at: AwareDatetime | None = None


class Attachment(Record):
    """A file kept with the card. The bytes live under a name made from the id, never the original name."""

    id: str
    name: str
    size: int = Field(ge=0)
    media_type: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: AwareDatetime


class Card(Record):
    """What the card holds beyond the contact's own fields: notes, tasks and attachments."""

    notes: list[Note] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
