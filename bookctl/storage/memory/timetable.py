"""A memory store's schedules and time off, as dumps by id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bookctl.storage.memory.state import thaw
from bookctl.storage.repositories import Timetable

if TYPE_CHECKING:
    from bookctl.domain.schedules import Schedule, TimeOff
    from bookctl.storage.memory.unit import MemoryUnitOfWork


class MemoryTimetable(Timetable):
    _unit: MemoryUnitOfWork

    def __init__(self, unit: MemoryUnitOfWork) -> None:
        super().__init__(unit)
        self._held: dict[str, dict] = {}
        self._removed: set[str] = set()

    def removed(self) -> set[str]:
        """The time off removed in this unit, taken out of the state at the next write."""
        found, self._removed = self._removed, set()
        return found

    def _records(self, kind: str) -> dict:
        if kind not in self._held:
            from bookctl.domain.schedules import Schedule, TimeOff

            model, dumps = (Schedule, self._unit.state.schedules) if kind == "schedule" else \
                (TimeOff, self._unit.state.time_off)
            self._held[kind] = {record_id: thaw(model, dump) for record_id, dump in dumps.items()}
        return self._held[kind]

    def _schedules(self) -> dict[str, Schedule]:
        return self._records("schedule")

    def _time_off(self) -> dict[str, TimeOff]:
        return self._records("time_off")

    def _insert(self, kind: str, record: Schedule | TimeOff) -> None:
        self._records(kind)[record.id] = record

    def _delete(self, kind: str, record_id: str) -> None:
        self._records(kind).pop(record_id, None)
        self._removed.add(record_id)  # out of the unit's state at `_write`, so a rollback keeps it
