"""Contacts from CSV: a known layout's columns (layouts.py), or any CSV by `--map COLUMN=FIELD[:type]`."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bookctl.domain.models import FIELD_TYPES
from bookctl.errors import UsageError
from bookctl.services.importing.drafts import Draft
from bookctl.services.importing.layouts import (
    FIELDS,
    LAYOUTS,
    LIST_FIELDS,
    Layout,
    recognise,
)

# What bookctl's CSV writer (and a careful spreadsheet) puts before a cell a spreadsheet would run.
_FORMULA_GUARD = re.compile(r"'(?=\s*[=+\-@]|[\t\r])")
_MONTH_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")


@dataclass(frozen=True)
class ColumnMap:
    """`--map COLUMN=FIELD[:type]`: COLUMN's cells fill FIELD (nothing, when FIELD is empty)."""

    column: str
    field: str | None
    kind: str | None = None


def parse_map(spec: str) -> ColumnMap:
    """One `--map` value: COLUMN=FIELD, COLUMN=CUSTOM:type (text, number, date or url), or COLUMN= to
    leave a column out."""
    column, equals, target = spec.partition("=")
    if not equals or not column.strip():
        raise UsageError(f"--map {spec!r} is not COLUMN=FIELD (e.g. 'Shoe size=shoe-size:number')")
    target = target.strip()
    if not target:
        return ColumnMap(column.strip(), None)
    name, colon, kind = target.partition(":")
    name, kind = name.strip(), kind.strip().lower()
    field = name.lower().replace("-", "_").replace(" ", "_")
    if field in FIELDS or field in LIST_FIELDS:
        if colon:
            raise UsageError(f"--map {spec!r}: {field} is a built-in field; it has no type")
        return ColumnMap(column.strip(), field)
    if colon and kind not in FIELD_TYPES:
        raise UsageError(f"--map {spec!r}: the type must be one of {', '.join(FIELD_TYPES)}")
    return ColumnMap(column.strip(), f"custom:{name}", kind or None)


def decode(data: bytes, what: str) -> str:
    """A file's text: UTF-8 (a byte-order mark is dropped), else an error naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UsageError(f"{what} is not UTF-8 text (line {line}); save it as UTF-8 and import it again") from None


def read_contacts_csv(text: str, layout_name: str | None, maps: list[ColumnMap]) -> tuple[Layout, Iterator[Draft]]:
    """The layout the file is read with (`layout_name`, else recognised from the header row) and a
    draft per row. A CSV the csv module cannot parse is an error naming the line."""
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader, None)
    except csv.Error as exc:
        raise UsageError(f"line 1: {exc}") from None
    if not headers or not any(h.strip() for h in headers):
        raise UsageError("the file has no header row; its first line must name the columns")
    layout = LAYOUTS[layout_name] if layout_name else recognise(headers)
    by_column = {m.column.casefold(): m for m in maps}
    unknown = [m.column for m in maps if m.column.casefold() not in {h.strip().casefold() for h in headers}]
    if unknown:
        raise UsageError(f"--map names no column {unknown[0]!r}; the columns are: {', '.join(h.strip() for h in headers)}")
    targets: list[tuple[str, str | None]] = []
    for header in headers:
        chosen = by_column.get(header.strip().casefold())
        if chosen is not None:
            targets.append((header.strip(), chosen.field))
        else:
            targets.append((header.strip(), layout.field_of(header)))
    if not any(target for _, target in targets):
        raise UsageError(f"no column of the file is one {layout.name} layout knows; name them with "
                         "--map COLUMN=FIELD (e.g. --map 'Given=first_name')")
    kinds = {m.field[7:]: m.kind for m in maps if m.field and m.field.startswith("custom:")}
    return layout, _drafts(reader, headers, targets, layout, kinds)


def _drafts(reader: Iterator[list[str]], headers: list[str], targets: list[tuple[str, str | None]], layout: Layout,
            kinds: dict[str, str | None]) -> Iterator[Draft]:
    line = 2
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UsageError(f"line {line}: {exc}") from None
        start, line = line, reader.line_num + 1  # type: ignore[attr-defined]
        if not any(cell.strip() for cell in cells):
            continue
        draft = Draft(start)
        if len(cells) > len(headers):
            draft.problem = f"the row has {len(cells)} cells; the header names {len(headers)} columns"
            yield draft
            continue
        parts: dict[str, list[str]] = {}
        try:
            for (header, target), cell in zip(targets, cells, strict=False):
                if target is None:
                    continue
                value = _FORMULA_GUARD.sub("", cell, count=1) if cell.startswith("'") else cell
                if value.strip():
                    _fill(draft, layout, header, target, value, parts, kinds)
        except UsageError as exc:
            draft.problem = str(exc)
        if layout.first_phone and len(draft.values.get("phone", ())) > 1:
            draft.values["phone"].sort(key=lambda found: found[1] != layout.first_phone)
        for key, pieces in parts.items():
            draft.add("address", ", ".join(pieces), f"address ({key})" if key != "1" else "address")
        yield draft


def _fill(draft: Draft, layout: Layout, header: str, target: str, value: str, parts: dict[str, list[str]],
          kinds: dict[str, str | None]) -> None:
    if target.startswith("address:"):
        parts.setdefault(target[8:], []).append(value.strip())
    elif target.startswith("custom:"):
        name = target[7:]
        draft.add(f"custom:{name}", value, header)
        draft.custom_types[name] = kinds.get(name)
    elif target == "custom_fields":
        for name, text in _json(value, dict, header).items():
            draft.add(f"custom:{name}", str(text), f"{header} {name}")
            draft.custom_types.setdefault(name, None)
    elif target in LIST_FIELDS or target == "labels":
        field = LIST_FIELDS.get(target, target)
        if value.lstrip().startswith("["):
            items = [str(item) for item in _json(value, list, header)]
        else:
            items = value.split(layout.label_separator if field == "labels" else ";")
        for item in items:
            if field == "labels" and layout.skip_labels_starting and item.strip().startswith(layout.skip_labels_starting):
                continue
            draft.add(field, item, header)
    elif target == "birthday":
        day = _birthday(value, layout)
        if day is not None:
            draft.add("birthday", day, header)
    elif layout.value_separator and target in ("email", "phone", "address"):
        for item in value.split(layout.value_separator):
            draft.add(target, item, header)
    else:
        draft.add(target, value, header)


def _json(value: str, kind: type, header: str):  # noqa: ANN202 - a list or a dict, as `kind` says
    try:
        found = json.loads(value)
    except ValueError:
        found = None
    if not isinstance(found, kind):
        raise UsageError(f"{header} {value[:40]!r} is not a JSON {'array' if kind is list else 'object'}")
    return found


def _birthday(value: str, layout: Layout) -> str | None:
    """A birthday as the check reads it (YYYY-MM-DD): Outlook's M/D/YYYY turned round, its 0/0/00 (none)
    dropped; anything else as written, for the check to judge."""
    text = value.strip()
    if layout.month_first_dates:
        match = _MONTH_FIRST.fullmatch(text)
        if match:
            month, day, year = (int(g) for g in match.groups())
            if month == 0 or day == 0:
                return None
            if len(match.group(3)) == 2:
                return text  # a two-digit year says no century: the check refuses it
            return f"{year:04d}-{month:02d}-{day:02d}"
    return text
