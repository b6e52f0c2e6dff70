"""The one place that turns records into text: table, json, csv, ndjson."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any, TextIO


class Format(str, Enum):
    """How a command shows its records."""

    table = "table"
    json = "json"
    csv = "csv"
    ndjson = "ndjson"


def _is_money(value: Any) -> bool:
    return isinstance(value, dict) and value.keys() == {"amount", "currency"}


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
    if fmt is Format.json:
        first = True
        out.write("[")
        for row in rows:
            out.write(("\n  " if first else ",\n  ") + json.dumps(row, ensure_ascii=False))
            first = False
        out.write("\n]\n" if not first else "]\n")
    elif fmt is Format.ndjson:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt is Format.csv:
        _emit_csv(rows, out)
    else:
        from tabulate import tabulate

        materialized = list(rows)
        if not materialized:
            out.write("(none)\n")
            return
        keys = list(columns or materialized[0].keys())
        table = [[_cell(row.get(key), money_with_currency=True) for key in keys] for row in materialized]
        out.write(tabulate(table, headers=keys, tablefmt="simple") + "\n")


def _emit_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    import csv

    writer = None
    for row in rows:
        if writer is None:
            keys = list(row.keys())
            money = [k for k in keys if _is_money(row[k])]
            if money and "currency" not in keys:
                keys.append("currency")
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(keys)
        flat = dict(row)
        for key, value in row.items():
            if _is_money(value):
                flat.setdefault("currency", value["currency"])
        writer.writerow([_cell(flat.get(k), money_with_currency=False) for k in keys])


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
