"""The one place that turns records into text: table, json, csv, ndjson.

CSV has one writer, `write_csv`, for `--format csv` everywhere and for the exports: RFC 4180 lines
(CRLF), a list as a JSON array, and text that a spreadsheet would run as a formula neutralised.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from decimal import Decimal
from enum import Enum
from typing import Any, TextIO

# RFC 4180's line end, on every CSV bookctl writes (spreadsheets read it; `tr -d '\r'` for tools that mind).
CSV_LINE_END = "\r\n"
# A text cell starting with one of these is run as a formula by some spreadsheet (OWASP "CSV Injection";
# ASVS 1.2.10 adds NUL), and so is one where whitespace comes before = + - @ (some trim it first).
FORMULA_STARTS = frozenset("=+-@\t\r\n\0")
FORMULA_AFTER_SPACE = frozenset("=+-@")

_raw_csv: ContextVar[bool] = ContextVar("bookctl_raw_csv", default=False)


class Format(str, Enum):
    """How a command shows its records."""

    table = "table"
    json = "json"
    csv = "csv"
    ndjson = "ndjson"


def _is_money(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 2 and "amount" in value and "currency" in value


def _cell(value: Any, *, money_with_currency: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if _is_money(value):
        return f"{value['amount']} {value['currency']}" if money_with_currency else value["amount"]
    if isinstance(value, list):
        return ", ".join(_cell(v, money_with_currency=money_with_currency) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    return str(value)


# No number tabulate would read has a character outside these (float() takes "1_000", "-Infinity", "nan").
_NUMBER_CHARACTERS = frozenset("0123456789+-.,_ \t\n\reEiInNfFaAtTyY")


def _text_columns(table: list[list[str]]) -> list[int]:
    """The columns with a cell that cannot be a number, which tabulate will align as text whatever
    the other cells hold: it need not test each of their cells for a number (most of the time a
    month's `session list` took). A column of numbers, or of cells that might be, is left to it."""
    width = len(table[0]) if table else 0
    return [column for column in range(width)
            if any(not _NUMBER_CHARACTERS.issuperset(row[column]) for row in table)]


def _simple_table(headers: list[str], table: list[list[str]]) -> str | None:
    """tabulate's "simple" table of text columns (each left-aligned, as wide as its widest stripped
    cell or its header and two spaces, two spaces apart, lines right-stripped), or None where that
    takes more than this (a control character, which may be a line break or a terminal code, or wide
    characters measured by the optional wcwidth). tests/unit/test_booking_lines.py holds it to tabulate."""
    import tabulate as tabulate_module

    if tabulate_module.wcwidth is not None:  # type: ignore[attr-defined]
        return None
    rows = [[cell.strip() for cell in row] for row in table]
    if not ("".join(headers) + "".join(map("".join, rows))).isprintable():
        return None
    widths = [max(len(header) + 2, max(map(len, column))) for header, column in zip(headers, zip(*rows))]
    line = "  ".join(f"{{:<{width}}}" for width in widths)  # each cell padded to its column, as ljust
    lines = [line.format(*headers).rstrip(), "  ".join("-" * width for width in widths)]
    lines += [line.format(*row).rstrip() for row in rows]
    return "\n".join(lines)


def emit(record: dict[str, Any], fmt: Format, out: TextIO | None = None) -> None:
    """Show one record: a field/value table, or the record itself."""
    out = out or sys.stdout
    if fmt is Format.json:
        out.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    elif fmt is Format.table:
        from tabulate import tabulate

        rows = [(key, _cell(value, money_with_currency=True)) for key, value in record.items()
                if not isinstance(value, list) or not value or not isinstance(value[0], dict)]
        out.write(tabulate(rows, tablefmt="plain") + "\n")
        for key, value in record.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                out.write(f"\n{key}:\n")
                emit_rows(value, Format.table, out=out)
    else:
        emit_rows([record], fmt, out=out)


def emit_rows(rows: Iterable[dict[str, Any]], fmt: Format, columns: Sequence[str] | None = None,
              out: TextIO | None = None) -> None:
    """Show a list of records. json/ndjson/csv stream row by row; `columns` picks the table's columns."""
    out = out or sys.stdout
    if fmt is Format.json or fmt is Format.ndjson:
        emit_json_texts((json.dumps(row, ensure_ascii=False) for row in rows), fmt, out)
    elif fmt is Format.csv:
        _emit_csv(rows, out)
    else:
        from tabulate import tabulate

        materialized = list(rows)
        if not materialized:
            out.write("(none)\n")
            return
        keys = list(columns or materialized[0].keys())
        table = [[value if type(value) is str else _cell(value, money_with_currency=True)  # text as it is
                  for value in (row.get(key) for key in keys)] for row in materialized]
        text_columns = _text_columns(table)
        simple = _simple_table(keys, table) if len(text_columns) == len(keys) else None
        out.write((simple or tabulate(table, headers=keys, tablefmt="simple", disable_numparse=text_columns)) + "\n")


def emit_json_texts(texts: Iterable[str], fmt: Format, out: TextIO) -> int:
    """Records already encoded as JSON texts, as a json array (one per line) or ndjson; returns the
    count. Written a chunk at a time (a year's export is 100,000 texts), the first chunk before
    anything at all: a store that cannot be read prints nothing but its error."""
    count = 0
    chunks = batched(texts)
    first = next(chunks, [])
    if fmt is Format.ndjson:
        for chunk in itertools.chain([first], chunks) if first else ():
            out.write("\n".join(chunk) + "\n")
            count += len(chunk)
        return count
    out.write("[")
    for chunk in itertools.chain([first], chunks) if first else ():
        out.write(("\n  " if count == 0 else ",\n  ") + ",\n  ".join(chunk))
        count += len(chunk)
    out.write("\n]\n" if count else "]\n")
    return count


def batched(items: Iterable[Any], size: int = 512) -> Iterator[list[Any]]:
    """`items` in lists of `size` (the last one shorter), for writing many small texts at once."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def use_raw_csv(raw: bool) -> None:
    """Whether this command line writes CSV text cells as they are (`--raw`): the root command sets it
    for every invocation, and a command's own `--raw` turns it on."""
    _raw_csv.set(raw)


def neutralize(text: str) -> str:
    """`text` as a cell a spreadsheet shows as text: a leading ' when it starts with = + - @, TAB, CR,
    LF or NUL, or with whitespace and then = + - @. Nothing is ever stripped."""
    if text and (text[0] in FORMULA_STARTS or text[0].isspace() and text.lstrip()[:1] in FORMULA_AFTER_SPACE):
        return "'" + text
    return text


# Values whose type makes a cell something other than text, never neutralised: numbers, money, JSON.
_TYPED = (bool, int, float, Decimal, list, dict)


def _safe_cell(value: Any) -> str:  # noqa: ANN401
    if type(value) is str:  # the common case first: a 100k-row export writes millions of cells
        if value and (value[0] in FORMULA_STARTS or value[0].isspace()):
            return neutralize(value)
        return value
    if value is None or isinstance(value, _TYPED):
        return _raw_cell(value)
    return neutralize(str(value))


def _raw_cell(value: Any) -> str:  # noqa: ANN401
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, dict):
        if _is_money(value):
            return value["amount"]
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO, *, raw: bool | None = None) -> int:
    """The header, then one line per row (RFC 4180 quoting, CRLF); returns the row count.

    A cell is written by its value's type, never by its text: None is empty, a bool yes/no, a number
    or money (its amount) a plain decimal, a list a JSON array, a dict a JSON object (empty when
    empty), and anything else is text, `neutralize`d unless `raw` (None: as the command line asked
    with `--raw`)."""
    import csv

    cell = _raw_cell if (_raw_csv.get() if raw is None else raw) else _safe_cell
    writer = csv.writer(out, lineterminator=CSV_LINE_END)
    writer.writerow([cell(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        count += 1
    return count


def _emit_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    """Records as CSV, the first one's keys as the header; money adds a `currency` column. No records:
    nothing at all."""
    records = iter(rows)
    first = next(records, None)
    if first is None:
        return
    keys = list(first)
    if "currency" not in keys and any(_is_money(value) for value in first.values()):
        keys.append("currency")

    def cells(row: dict[str, Any]) -> list[Any]:
        currency = next((value["currency"] for value in row.values() if _is_money(value)), None)
        return [row.get(key, currency if key == "currency" else None) for key in keys]

    write_csv(keys, (cells(row) for row in itertools.chain([first], records)), out)


def emit_sections(sections: Sequence[tuple[str, Any]], out: TextIO | None = None) -> None:
    """A record too rich for one table (the contact card), as titled sections: a dict shows as
    field/value lines, a list of dicts as a table, text as itself, anything empty as (none)."""
    from tabulate import tabulate

    out = out or sys.stdout
    for n, (title, content) in enumerate(sections):
        out.write(("\n" if n else "") + f"{title}\n{'-' * len(title)}\n")
        if not content:
            out.write("(none)\n")
        elif isinstance(content, dict):
            rows = [(key, _cell(value, money_with_currency=True)) for key, value in content.items()]
            out.write(tabulate(rows, tablefmt="plain") + "\n")
        elif isinstance(content, list):
            emit_rows(content, Format.table, out=out)
        else:
            out.write(f"{content}\n")
