"""Schedules and time off in the `timetable` table: one row per record, its fields as json (a few
dozen rows, read whole once per unit of work)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bookctl.errors import StoreError
from bookctl.storage.repositories import Timetable

if TYPE_CHECKING:
    from bookctl.domain.schedules import Schedule, TimeOff
    from bookctl.storage.postgres.unit import PostgresUnitOfWork

UPSERT_SQL = ("INSERT INTO timetable (id, kind, data) VALUES (%s, %s, %s) "
              "ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, data = EXCLUDED.data")


def timetable_row(kind: str, record: Schedule | TimeOff) -> list[object]:
    """The row of a schedule or time off."""
    from psycopg.types.json import Json

    return [record.id, kind, Json(record.model_dump(mode="json", exclude_none=True))]


def read_rows(unit: PostgresUnitOfWork) -> Iterator[tuple[str, Any]]:
    """(kind, record) of every row, in id order; a row that does not validate is a StoreError."""
    from bookctl.domain.schedules import Schedule, TimeOff

    models = {"schedule": Schedule, "time_off": TimeOff}
    for record_id, kind, data in unit._exec("SELECT id, kind, data FROM timetable ORDER BY id").fetchall():
        try:
            yield kind, models[kind].model_validate(data)
        except (ValidationError, KeyError) as exc:
            raise StoreError(f"database table timetable, row {record_id}: {exc}".splitlines()[0]) from None


class PgTimetable(Timetable):
    _unit: PostgresUnitOfWork

    def __init__(self, unit: PostgresUnitOfWork) -> None:
        super().__init__(unit)
        self._held: dict[str, dict[str, Any]] | None = None
        self._pending: dict[str, tuple[str, Any]] = {}
        self._removed: set[str] = set()

    def _records(self) -> dict[str, dict[str, Any]]:
        if self._held is None:
            held: dict[str, dict[str, Any]] = {"schedule": {}, "time_off": {}}
            for kind, record in read_rows(self._unit):
                held[kind][record.id] = record
            self._held = held
        return self._held

    def _schedules(self) -> dict[str, Schedule]:
        return self._records()["schedule"]

    def _time_off(self) -> dict[str, TimeOff]:
        return self._records()["time_off"]

    def _insert(self, kind: str, record: Schedule | TimeOff) -> None:
        self._records()[kind][record.id] = record

    def _delete(self, kind: str, record_id: str) -> None:
        self._records()[kind].pop(record_id, None)
        self._pending.pop(record_id, None)
        self._removed.add(record_id)

    def write(self, record: Schedule | TimeOff) -> None:
        """Write `record` at the flush."""
        self._pending[record.id] = ("schedule" if record.id.startswith("sch-") else "time_off", record)

    def flush(self) -> None:
        self._unit._exec_many(UPSERT_SQL, [timetable_row(kind, record) for kind, record in self._pending.values()])
        self._unit._exec_many("DELETE FROM timetable WHERE id = %s", [[record_id] for record_id in sorted(self._removed)])
        self._pending.clear()
        self._removed.clear()
