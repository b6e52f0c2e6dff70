"""What the readers hand the import: one record's raw values by field, with where it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE_BREAK = re.compile(r"\s*(?:\r\n|\r|\n)\s*")


@dataclass
class Draft:
    """One record as read: `values` maps a field (first_name, email, labels, or a custom field's name)
    to its raw values in file order, each with what an error calls it (a column, a vCard property)."""

    line: int
    values: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # Custom fields: name -> its type as `--map NAME:type` gave it (None: as defined, else text).
    custom_types: dict[str, str | None] = field(default_factory=dict)
    # Set by a reader that found the record unusable as a whole (a CSV row with too many cells).
    problem: str | None = None

    def add(self, name: str, value: str, source: str) -> None:
        """Keep `value` (if not blank) for field `name`, as read from `source`."""
        if value.strip():
            self.values.setdefault(name, []).append((value, source))

    def first(self, name: str) -> tuple[str, str] | None:
        """The first value of field `name` and its source, or None."""
        found = self.values.get(name)
        return found[0] if found else None


def one_line(value: str) -> str:
    """A value the source wrote over several lines (Google writes an address so) as one line:
    the lines joined with ', ', blank ones dropped. Any other control character stays, for the
    check to refuse."""
    if "\n" not in value and "\r" not in value:
        return value
    return ", ".join(part for part in _LINE_BREAK.split(value.strip()) if part)

