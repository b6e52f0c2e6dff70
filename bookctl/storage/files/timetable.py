"""The file store's timetable: `data/timetable.json` holds every recurring schedule and every time off
(a few dozen records, read whole, written with the rest of a commit through the journal)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookctl.storage.repositories import Timetable

if TYPE_CHECKING:
    from bookctl.domain.schedules import Schedule, TimeOff  # noqa: F401 - the fields below name them
    from bookctl.storage.files.unit import FileUnitOfWork


@cache
def timetable_file() -> Any:  # noqa: ANN401 - the model class
    """The model of `data/timetable.json`, built on first use: a command that never reads the
    timetable (a listing, an export) never imports the schedules' module."""
    from pydantic import BaseModel, ConfigDict, Field

    from bookctl.domain.schedules import Schedule, TimeOff  # noqa: F401 - the fields below name them

    class TimetableFile(BaseModel):
        """`data/timetable.json`."""

        model_config = ConfigDict(extra="forbid")

        schema_version: int = 1
        schedules: dict[str, Schedule] = Field(default_factory=dict)
        time_off: dict[str, TimeOff] = Field(default_factory=dict)

    return TimetableFile


class FileTimetable(Timetable):
    _unit: FileUnitOfWork

    @property
    def path(self) -> Path:
        return self._unit.root / "data" / "timetable.json"

    def _file(self) -> Any:  # noqa: ANN401 - a timetable_file()
        found = self._unit.load_file(self.path, timetable_file(), create=True)
        assert found is not None
        return found

    def _schedules(self) -> dict[str, Schedule]:
        return self._file().schedules

    def _time_off(self) -> dict[str, TimeOff]:
        return self._file().time_off

    def _insert(self, kind: str, record: Schedule | TimeOff) -> None:
        getattr(self._file(), "schedules" if kind == "schedule" else "time_off")[record.id] = record

    def _delete(self, kind: str, record_id: str) -> None:
        self._file().time_off.pop(record_id, None)
        self._unit.touch(self.path)

    def write(self, record: Schedule | TimeOff) -> None:
        """Stage the timetable file, which holds `record`."""
        self._unit.touch(self.path)
