"""A schedule's meetings, looked up on the calendar: the query schedules, courses and slots share."""

from __future__ import annotations

from datetime import date, timedelta

from bookctl.domain.models import Session
from bookctl.domain.schedules import Schedule
from bookctl.services.lookups import zone_of
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import day_bounds

# How far around a schedule's own days its meetings are looked for: one may have been moved.
MOVED_MARGIN = timedelta(days=35)


def schedule_meetings(uow: UnitOfWork, schedule: Schedule, first: date | None = None) -> list[Session]:
    """The schedule's meetings on the calendar (cancelled ones too), by start; from local day `first` on."""
    zone = zone_of(uow)
    start_day = max(schedule.first_day, first) if first else schedule.first_day
    last = schedule.materialized_through or schedule.last_day()
    start, end = day_bounds(start_day, zone)[0] - MOVED_MARGIN, day_bounds(last, zone)[1] + MOVED_MARGIN
    if first is not None:
        start = max(start, day_bounds(first, zone)[0])
    found = [s for s, _ in uow.calendar.sessions_starting(start, end) if s.schedule_id == schedule.id]
    return sorted(found, key=lambda s: (s.start, s.id))
