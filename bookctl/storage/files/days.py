"""The year indexes of day files: `data/days/YYYY/days.json` lists the days of YYYY that have a file.

A day file is never deleted, so a day the index lists and the disk lacks is a lost partition (exit 4
naming it), not a quiet day; and a booking into that day must not recreate it empty. The index is
staged in the same journal commit as the day file it adds. A year written before indexes existed has
none: it reads as before, and its index is built from the files on disk when it gains a new day.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bookctl.errors import StoreError
from bookctl.storage.io import dump_json, load_json, validate

DAY_INDEX_NAME = "days.json"
DAY_INDEX_SCHEMA_VERSION = 1


class DayIndex(BaseModel):
    """The days of one year that have a day file."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = DAY_INDEX_SCHEMA_VERSION
    days: list[date] = Field(default_factory=list)


def days_in(year_dir: Path) -> list[date]:
    """The days that have a file in `year_dir`; a file named for no real day of that year is damage."""
    days = []
    for path in year_dir.glob("????-??-??.json"):
        try:
            day = date.fromisoformat(path.stem)
        except ValueError:
            raise StoreError(f"{path}: the file name is not a date; the file is misplaced") from None
        if str(day.year) != year_dir.name:
            raise StoreError(f"{path}: the day is not in the year {year_dir.name}; the file is misplaced")
        days.append(day)
    return days


class DayIndexFiles:
    """The day-index half of the file unit of work (mixed into FileUnitOfWork)."""

    root: Path
    _journal: object

    def _init_day_indexes(self) -> None:
        self._day_indexes: dict[int, set[date] | None] = {}
        self._created_days: set[date] = set()  # days this unit made a day file for
        self._new_days: set[date] = set()  # ... and has staged, so their year's index must list them

    def day_path(self, day: date) -> Path:
        """Where the sessions starting on the UTC `day` are kept."""
        return self.root / "data" / "days" / f"{day:%Y}" / f"{day.isoformat()}.json"

    def day_index_path(self, year: int) -> Path:
        """Where `year`'s index is kept."""
        return self.root / "data" / "days" / f"{year:04d}" / DAY_INDEX_NAME

    def listed_days(self, year: int) -> set[date] | None:
        """The days `year`'s index lists; None for a year written before indexes existed."""
        if year not in self._day_indexes:
            path = self.day_index_path(year)
            try:
                index = validate(DayIndex, load_json(path, DAY_INDEX_SCHEMA_VERSION), path)
            except FileNotFoundError:
                self._day_indexes[year] = None
            else:
                if any(day.year != year for day in index.days):
                    raise StoreError(f"{path}: field days: lists a day outside {year}; the file is damaged")
                self._day_indexes[year] = set(index.days)
        return self._day_indexes[year]

    def lost_day_problem(self, day: date) -> str | None:
        """Why a missing file for `day` is damage ("the file is missing, though ... lists it"), or None
        when the day was never written."""
        if day not in (self.listed_days(day.year) or ()):
            return None
        return f"the file is missing, though {self.day_index_path(day.year)} lists it; restore it from a backup"

    def year_days(self, year_dir: Path) -> list[date]:
        """The days of a year directory: its files, and the days its index lists (a lost file too)."""
        return [*days_in(year_dir), *(self.listed_days(int(year_dir.name)) or ())]

    def _note_created_day(self, day: date) -> None:
        self._created_days.add(day)

    def _note_staged_day(self, day: date) -> None:
        if day in self._created_days:
            self._new_days.add(day)

    def _stage_day_indexes(self) -> None:
        """Each year that gained a day file lists it, in the same commit as the file itself."""
        for year in sorted({day.year for day in self._new_days}):
            listed = self.listed_days(year)
            if listed is None:
                year_dir = self.root / "data" / "days" / f"{year:04d}"
                listed = set(days_in(year_dir)) if year_dir.is_dir() else set()
            listed |= {day for day in self._new_days if day.year == year}
            self._day_indexes[year] = listed
            data = dump_json(DayIndex(days=sorted(listed)).model_dump(mode="json"))
            self._journal.stage(self.day_index_path(year), data)  # type: ignore[attr-defined]
        self._new_days.clear()
