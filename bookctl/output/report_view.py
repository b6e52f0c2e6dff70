"""How a report (`domain.reports.Report`) is shown as text: json, ndjson, csv, or a titled table that
gains a bar column on a terminal (bookctl #21). The HTML page is `output/report_html.py`.

A rate stays the JSON's decimal string ("0.125") in the table too, not "12.5%": one spelling in
every format, so a figure read off the screen is the one a script gets from `--format json` or csv,
and nothing is rounded a second time. Piped, the table is plain tabulate text like every listing's
(no bar, no terminal code); rich is imported only to draw the bars on a terminal.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TextIO

from bookctl.output import (
    Format,
    _cell,
    _is_money,
    emit_json_texts,
    emit_rows,
    write_csv,
)

if TYPE_CHECKING:
    from bookctl.domain.reports import Report, Table

# Cells of the terminal's bar column; a bar is drawn to an eighth of a cell.
BAR_CELLS = 20
TOTAL_LABEL = "total"
_RESET = "\x1b[0m"


def report_title(report: Report) -> str:
    """The report's heading: `attendance by service, 2026-11-01 to 2026-11-30` (no `by`: `clients, ...`)."""
    what = report.kind if report.by is None else f"{report.kind} by {report.by}"
    return f"{what}, {report.first.isoformat()} to {report.last.isoformat()}"


def cell_text(value: Any) -> str:
    """A cell as people read it: money as "19.90 EUR", None as nothing, a rate as its decimal string."""
    return _cell(value, money_with_currency=True)


def magnitude(value: Any) -> Decimal | None:
    """The number a bar draws for a cell: an int, money by its amount, a decimal string (a rate) as
    its value; None for anything else (an empty cell, a text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    text = value["amount"] if _is_money(value) else value
    if not isinstance(text, str):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def bar_magnitudes(table: Table) -> list[Decimal | None]:
    """What each row of `table` draws in its chart (None: no bar for that row); `table.bar` must be set."""
    assert table.bar is not None
    return [magnitude(row.get(table.bar)) for row in table.rows]


def scaled(magnitudes: list[Decimal | None], full: Decimal) -> list[Decimal | None]:
    """Each magnitude's length on a scale where the largest (by absolute value) is `full`: zero for
    zero, never less than 1/16 of a unit for any other value (so it stays visible), None for None.
    All zero: all lengths zero, no division."""
    largest = max((abs(m) for m in magnitudes if m is not None), default=Decimal(0))
    lengths: list[Decimal | None] = []
    for m in magnitudes:
        if m is None:
            lengths.append(None)
        elif m == 0 or largest == 0:
            lengths.append(Decimal(0))
        else:
            lengths.append(max(abs(m) * full / largest, Decimal("0.0625")))
    return lengths


def emit_report(report: Report, fmt: Format, out: TextIO, *, terminal: bool) -> None:
    """Show `report` in `fmt`: json is `as_json()`; ndjson and csv are the main table's rows only (csv in
    its columns' order, money as amount plus a `currency` column); table is the title, the summary,
    the main table with its total, then each other table under its title, with a bar column when
    `terminal` and the table names one."""
    if fmt is Format.json:
        out.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n")
    elif fmt is Format.ndjson:
        emit_json_texts((json.dumps(row, ensure_ascii=False) for row in report.main.rows), fmt, out)
    elif fmt is Format.csv:
        emit_table_csv(report.main, out)
    else:
        _emit_text(report, out, terminal=terminal)


def emit_table_csv(table: Table, out: TextIO) -> int:
    """`table`'s rows as CSV with `write_csv`: the header is its columns, plus `currency` when any
    row holds money (each row's currency is its first money cell's); a table with no rows is its
    header alone, so a spreadsheet still gets the columns. Returns the row count."""
    columns = list(table.columns)
    with_currency = "currency" not in columns and any(
        _is_money(row.get(column)) for row in table.rows for column in columns)

    def cells(row: dict[str, Any]) -> list[Any]:
        values = [row.get(column) for column in columns]
        if with_currency:
            values.append(next((value["currency"] for value in values if _is_money(value)), None))
        return values

    return write_csv([*columns, "currency"] if with_currency else columns, (cells(row) for row in table.rows), out)


def _emit_text(report: Report, out: TextIO, *, terminal: bool) -> None:
    out.write(report_title(report) + "\n")
    if report.summary:
        from tabulate import tabulate

        lines = [(key, cell_text(value)) for key, value in report.summary.items()]
        out.write("\n" + tabulate(lines, tablefmt="plain", disable_numparse=True) + "\n")
    out.write("\n")
    _emit_text_table(report.main, report.total, out, terminal=terminal)
    for table in report.tables[1:]:
        out.write(f"\n{table.title}\n{'-' * len(table.title)}\n")
        _emit_text_table(table, None, out, terminal=terminal)


def _emit_text_table(table: Table, total: dict[str, Any] | None, out: TextIO, *, terminal: bool) -> None:
    """One table as `emit_rows` draws it, the total (if any) as a last row labelled `total`."""
    if not table.rows:
        emit_rows([], Format.table, out=out)  # "(none)"
        return
    columns = list(table.columns)
    rows = [{column: row.get(column) for column in columns} for row in table.rows]
    if total is not None:
        label = table.label if table.label in columns else columns[0]
        rows.append({**{column: total.get(column) for column in columns}, label: TOTAL_LABEL})
    if terminal and table.bar is not None:
        bars = terminal_bars(bar_magnitudes(table))
        for row, bar in zip(rows, bars):  # the total row, last, gets none: it would dwarf the rest
            row["bar"] = bar
        if total is not None:
            rows[-1]["bar"] = ""
        columns.append("bar")
    out.write(aligned_table(columns, rows) + "\n")


# Columns whose text cells are numbers written as decimal strings: aligned right, as the numbers are.
RATE_COLUMNS = frozenset({"no_show_rate", "utilisation", "visits_per_client"})


def aligned_table(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """tabulate's "simple" layout, written directly: a report can have ten thousand rows (one per
    contact), where tabulate takes most of a second guessing which cells are numbers. Here the
    values say it: ints, money and rates are aligned right, texts left; the bar column, last, is
    not padded (its terminal codes have no width). Report texts are one printable line each (names
    are checked where they enter), so a cell's width is its length."""
    texts = [[cell_text(row.get(column)) for column in columns] for row in rows]
    right = [column in RATE_COLUMNS or all(v is None or (isinstance(v, int) and not isinstance(v, bool)) or _is_money(v)
                                           for v in (row.get(column) for row in rows))
             for column in columns]
    widths = [max([len(column), *(len(line[n]) for line in texts)]) for n, column in enumerate(columns)]
    if columns and columns[-1] == "bar":
        widths[-1] = BAR_CELLS

    def line(cells: list[str]) -> str:
        parts = [cell.rjust(width) if align else cell.ljust(width) for cell, width, align in zip(cells, widths, right)]
        if columns and columns[-1] == "bar":
            parts[-1] = cells[-1]
        return "  ".join(parts).rstrip()

    return "\n".join([line(list(columns)), "  ".join("-" * width for width in widths),
                      *(line(cells) for cells in texts)])


def terminal_bars(magnitudes: list[Decimal | None], cells: int = BAR_CELLS) -> list[str]:
    """Each magnitude as a rich bar (terminal codes included) `cells` wide at the largest, to an
    eighth of a cell; a negative one in red; "" for None."""
    from rich.bar import Bar
    from rich.console import Console

    console = Console(force_terminal=True, color_system="standard", width=cells, legacy_windows=False,
                      highlight=False)
    bars = []
    for m, length in zip(magnitudes, scaled(magnitudes, Decimal(cells * 8))):
        if m is None or length is None:
            bars.append("")
            continue
        eighths = int(length.to_integral_value(ROUND_HALF_EVEN)) or (0 if m == 0 else 1)
        if not eighths:
            bars.append("")
            continue
        with console.capture() as capture:
            console.print(Bar(cells * 8, 0, eighths, width=cells, color="red" if m < 0 else "cyan"), end="")
        drawn = capture.get().rstrip("\n")
        if drawn.endswith(_RESET):  # the bar's blank tail is padding, not data
            drawn = drawn.removesuffix(_RESET).rstrip(" ") + _RESET
        bars.append(drawn)
    return bars
