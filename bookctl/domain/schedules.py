"""Recurring schedules (RFC 5545 recurrence, worked out by python-dateutil), weekly working hours
and time off: the records that let a business run its week, and the pure arithmetic on them.

A schedule's rule is floating local time, the wall clock of the store's zone: "every Monday at
18:00" stays at 18:00 in winter and in summer. The zone is attached to each meeting as it is made.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from pydantic import AwareDatetime, Field, field_validator, model_validator

from bookctl.domain.base import Record
from bookctl.domain.hours import WEEKDAYS, Weekday, clock_minutes

_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Schedule(Record):
    """A recurring class or course: which weekdays, at what local time, from when to when."""

    id: str
    service_id: str
    staff_id: str | None = None
    days: list[Weekday] = Field(min_length=1)
    at: str
    first_day: date
    until: date | None = None
    count: int | None = Field(default=None, ge=1, le=10_000)
    capacity: int = Field(ge=1, le=10_000)
    exdates: list[date] = Field(default_factory=list)
    # The last local day whose meetings are on the calendar (`schedule extend` goes on from there).
    materialized_through: date | None = None
    created_at: AwareDatetime

    @field_validator("at")
    @classmethod
    def _clock(cls, value: str) -> str:
        clock_minutes(value)
        return value

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a weekday is given twice")
        return sorted(value, key=WEEKDAYS.index)

    @model_validator(mode="after")
    def _one_end(self) -> Schedule:
        if (self.until is None) == (self.count is None):
            raise ValueError("a schedule ends on a day (until) or after a number of meetings (count), one of them")
        if self.until is not None and self.until < self.first_day:
            raise ValueError(f"it ends on {self.until}, before it starts on {self.first_day}")
        return self

    @property
    def rrule(self) -> str:
        """The RFC 5545 RRULE, in floating local time (the store's zone is the schedule's TZID)."""
        parts = ["FREQ=WEEKLY", "BYDAY=" + ",".join(_RRULE_DAYS[WEEKDAYS.index(d)] for d in self.days)]
        if self.until is not None:
            parts.append(f"UNTIL={self.until:%Y%m%d}T235959")
        else:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)

    def dtstart(self) -> datetime:
        """The rule's DTSTART: the first day at the local time, naive (floating)."""
        return datetime.combine(self.first_day, time.fromisoformat(self.at))

    def occurrences(self, after: date | None = None, through: date | None = None) -> Iterator[datetime]:
        """The naive local starts of the rule's meetings, EXDATEs left out, on local days after
        `after` and up to `through` (both optional), in order."""
        from dateutil.rrule import rrulestr

        skipped = set(self.exdates)
        for moment in rrulestr(self.rrule, dtstart=self.dtstart()):
            day = moment.date()
            if through is not None and day > through:
                return
            if (after is None or day > after) and day not in skipped:
                yield moment

    def last_day(self) -> date:
        """The local day of the rule's last meeting (EXDATEs included), or its first day if it has none."""
        last = self.first_day
        from dateutil.rrule import rrulestr

        for moment in rrulestr(self.rrule, dtstart=self.dtstart()):
            last = moment.date()
        return last

    def meets_on(self, day: date) -> bool:
        """Whether the rule has a meeting on local `day`, EXDATEs or not."""
        from dateutil.rrule import rrulestr

        start = datetime.combine(day, time())
        return bool(rrulestr(self.rrule, dtstart=self.dtstart()).between(start, start + timedelta(days=1), inc=True))


class TimeOff(Record):
    """A member of staff away from `start` to `end` (a holiday, a course, an afternoon off)."""

    id: str
    staff_id: str
    start: AwareDatetime
    end: AwareDatetime
    reason: str | None = None
    created_at: AwareDatetime

    @model_validator(mode="after")
    def _in_order(self) -> TimeOff:
        if self.end <= self.start:
            raise ValueError("time off ends before it starts")
        return self
