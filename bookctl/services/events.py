"""What happened in the store, told to its hooks and webhooks (bookctl #20).

Events are read off each commit's changes, whatever command made them, so no service has to
remember to announce one: a booking made is `booking-created`, one whose status became cancelled
`booking-cancelled`, a waitlisted one confirmed `waitlist-promoted`, a moved one (or one whose
session moved) `booking-rescheduled`, a changed attendance `attendance-changed`, a contact made
`contact-created`, a ledger entry that succeeded `payment` (a charge or a fee kept) or `refund`.

Each event is the record's JSON as the commands print it, plus `event`, `event_id` (stable: the
receiver deduplicates by it) and `occurred_at`. Webhook deliveries are queued in the same commit as
the change (services/webhooks.py); hooks, executables `STORE/hooks/on-EVENT`, run once the command's
unit of work has let go of the store lock, so a hook may call bookctl itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookctl.domain.events import EVENTS
from bookctl.domain.models import WAITING_STATUSES

if TYPE_CHECKING:
    from bookctl.storage.unit import UnitOfWork

HOOKS_DIR = "hooks"
NO_HOOKS_ENV = "BOOKCTL_NO_HOOKS"


@dataclass
class Event:
    """One thing that happened: its name, stable id, when, and the record as the commands print it."""

    name: str
    event_id: str
    occurred_at: str
    record: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The event's JSON object: the record's keys, then `event`, `event_id` and `occurred_at`."""
        return {**self.record, "event": self.name, "event_id": self.event_id, "occurred_at": self.occurred_at}


def derive_events(uow: UnitOfWork, changes: list[tuple[str, Any, dict[str, Any] | None]],
                  now: datetime) -> list[Event]:
    """The events a commit's (kind, record, before) changes make, in the order they were made."""
    from bookctl.services.lookups import zone_of
    from bookctl.services.views import booking_view, contact_view, entry_view
    from bookctl.timeutil import iso

    zone = zone_of(uow)
    at = iso(now, zone)
    found: list[Event] = []

    import uuid

    def add(name: str, record: dict[str, Any]) -> None:
        found.append(Event(name, f"evt_{uuid.uuid4().hex}", at, record))

    def booking_record(booking: Any) -> dict[str, Any]:  # noqa: ANN401
        return booking_view(booking, uow.calendar.get_session(booking.session_id), zone)

    for kind, record, before in changes:
        if kind == "contact" and before is None:
            add("contact-created", contact_view(record, zone))
        elif kind == "booking":
            for name in _booking_events(record, before):
                add(name, booking_record(record))
        elif kind == "session" and before is not None and before.get("start") != record.model_dump(mode="json")["start"]:
            for booking in uow.calendar.session_bookings(record):
                if booking.status == "confirmed":
                    add("booking-rescheduled", booking_view(booking, record, zone))
        elif kind == "entry" and record.status == "succeeded" and (before is None or before.get("status") != "succeeded"):
            add("refund" if record.kind == "refund" else "payment", entry_view(record, zone))
    return found


def _booking_events(booking: Any, before: dict[str, Any] | None) -> list[str]:  # noqa: ANN401
    """What changed in one booking."""
    if before is None:
        return ["booking-created"]
    names = []
    was = before.get("status")
    if booking.status != was:
        if booking.status == "cancelled":
            names.append("booking-cancelled")
        elif booking.status == "confirmed" and was in WAITING_STATUSES:
            names.append("waitlist-promoted")
    if before.get("session_id") != booking.session_id and booking.status == "confirmed":
        names.append("booking-rescheduled")
    if before.get("attendance") != booking.attendance:
        names.append("attendance-changed")
    return names


@dataclass
class EventListener:
    """Told of every commit of one command's units of work (storage/unit.py CommitListener): derives
    the events, queues the webhook deliveries in the same commit, and runs the hooks after."""

    root: Path
    clock: Callable[[], datetime]
    hooks_enabled: bool = True
    warn: Callable[[str], None] = field(default=lambda line: sys.stderr.write(line + "\n"))
    _hooks: dict[str, Path] | None = field(default=None, repr=False)
    _staged: list[Event] = field(default_factory=list, repr=False)
    _fired: list[Event] = field(default_factory=list, repr=False)

    def hooks(self) -> dict[str, Path]:
        """event name -> its executable hook, read once."""
        if self._hooks is None:
            self._hooks = {}
            directory = self.root / HOOKS_DIR
            if self.hooks_enabled and directory.is_dir():
                for name in EVENTS:
                    path = directory / f"on-{name}"
                    if path.is_file() and os.access(path, os.X_OK):
                        self._hooks[name] = path
        return self._hooks

    def wants_changes(self, uow: UnitOfWork) -> bool:
        """Only a store with a hook or a webhook pays for events."""
        return bool(self.hooks() or uow.settings.webhooks)

    def staging(self, uow: UnitOfWork, changes: list[tuple[str, Any, dict[str, Any] | None]]) -> None:
        """Derive this commit's events when a hook or a webhook wants any, and queue its deliveries."""
        self._staged = []
        if not changes or not (self.hooks() or uow.settings.webhooks):
            return
        now = self.clock()
        events = derive_events(uow, changes, now)
        if uow.settings.webhooks:
            from bookctl.services.webhooks import queue_deliveries

            queue_deliveries(uow, events, now)
        self._staged = [event for event in events if event.name in self.hooks()]

    def committed(self, uow: UnitOfWork) -> None:  # noqa: ARG002 - the protocol's
        """The staged events happened: their hooks run once the unit closes."""
        self._fired += self._staged
        self._staged = []

    def closed(self, uow: UnitOfWork) -> None:
        """Run the hook of each event committed, in order, now that the store lock is let go."""
        fired, self._fired, self._staged = self._fired, [], []
        if fired:
            from bookctl.services.hooks import run_hooks

            run_hooks(self.hooks(), fired, uow.settings.hooks.timeout_seconds, self.warn)
