"""A report shown as json, ndjson, csv and text tables (output/report_view.py, bookctl #21): each
format says what `Report.as_json()` says; piped, the table is plain text; on a terminal it gains bars
drawn to scale."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from decimal import Decimal

from bookctl.output import Format
from bookctl.output.report_view import BAR_CELLS, emit_report, report_title
from tests.unit.report_samples import BIG, FORMULA, attendance_report, bare_report

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# What each block character of a bar is worth, in eighths of a cell (rich.bar's left-aligned blocks).
EIGHTHS = {"█": 8, "▉": 7, "▊": 6, "▋": 5, "▌": 4, "▍": 3, "▎": 2, "▏": 1}


def shown(report, fmt: Format, *, terminal: bool = False) -> str:
    out = io.StringIO()
    emit_report(report, fmt, out, terminal=terminal)
    return out.getvalue()


def csv_cell(value) -> str:
    """What a spreadsheet should read for a JSON value: money by its amount, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return value["amount"]
    return str(value)


def text_cell(value) -> str:
    """What the table should show for a JSON value: money with its currency, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return f"{value['amount']} {value['currency']}"
    return str(value)


def section(text: str, title: str) -> list[str]:
    """The lines of the table under `title` (its header first), up to the next blank line."""
    lines = text.split("\n")
    start = lines.index(title) + 2  # the title, then its dashes
    end = lines.index("", start)
    return lines[start:end]


def main_table(text: str) -> list[str]:
    """The main table's lines (header first): the block after the title and the summary."""
    blocks = text.split("\n\n")
    return blocks[2].split("\n")


def bar_lengths(lines: list[str]) -> list[int]:
    """The bar column of a drawn table (header, dashes, rows), each bar in eighths of a cell."""
    plain = [ANSI.sub("", line) for line in lines]
    start = plain[0].index("bar")
    assert plain[0].split()[-1] == "bar"
    return [sum(EIGHTHS.get(ch, 0) for ch in line[start:]) for line in plain[2:]]


def test_json_is_the_reports_json() -> None:
    report = attendance_report()
    text = shown(report, Format.json)
    assert json.loads(text) == report.as_json()
    assert text.endswith("}\n")
    assert "Zoë" in text  # not \u00eb-escaped


def test_ndjson_is_one_line_per_main_row_without_total_or_summary() -> None:
    report = attendance_report()
    lines = shown(report, Format.ndjson).splitlines()
    assert [json.loads(line) for line in lines] == report.main.rows


def test_csv_reads_back_as_the_main_rows_in_column_order() -> None:
    report = attendance_report()
    table = report.main
    header, *rows = list(csv.reader(io.StringIO(shown(report, Format.csv), newline="")))
    assert header == [*table.columns, "currency"]
    assert len(rows) == len(table.rows)
    for line, row in zip(rows, table.rows):
        expected = [csv_cell(row[column]) for column in table.columns] + [row["revenue"]["currency"]]
        if row["group"] == FORMULA:  # neutralised for spreadsheets, as every bookctl CSV
            assert line[0] == "'" + FORMULA
            line, expected = line[1:], expected[1:]
        assert line == expected


def test_csv_of_a_report_with_no_rows_is_its_header() -> None:
    report = bare_report()
    assert list(csv.reader(io.StringIO(shown(report, Format.csv), newline=""))) == [list(report.main.columns)]


def test_csv_has_a_currency_column_when_only_a_later_row_holds_money() -> None:
    report = bare_report([{"contact": "Ann", "visits": 1, "revenue": None},
                          {"contact": "Bo", "visits": 2, "revenue": {"amount": "5.00", "currency": "CHF"}}])
    header, first, second = list(csv.reader(io.StringIO(shown(report, Format.csv), newline="")))
    assert header == ["contact", "visits", "revenue", "currency"]
    assert first == ["Ann", "1", "", ""]
    assert second == ["Bo", "2", "5.00", "CHF"]


def test_piped_table_has_no_terminal_codes_and_no_bar_column() -> None:
    text = shown(attendance_report(), Format.table, terminal=False)
    assert "\x1b" not in text
    assert not set(EIGHTHS) & set(text)
    header = main_table(text)[0].split()
    assert header == list(attendance_report().main.columns)


def test_table_starts_with_the_title_then_the_summary_figures() -> None:
    report = attendance_report()
    lines = shown(report, Format.table).split("\n")
    assert lines[0] == report_title(report) == "attendance by service, 2026-11-01 to 2026-11-30"
    figures = dict(re.split(r"\s{2,}", line, maxsplit=1) if "  " in line else (line, "")
                   for line in lines[2:2 + len(report.summary)])
    assert figures == {key: text_cell(value) for key, value in report.summary.items()}


def test_table_shows_money_with_currency_rates_as_json_decimals_and_big_numbers_whole() -> None:
    report = attendance_report()
    text = shown(report, Format.table)
    for row in report.main.rows:
        line = next(line for line in main_table(text)[2:] if line.startswith(row["group"]))
        assert text_cell(row["revenue"]) in line
        assert str(row["bookings"]) in line.split()
        for column in ("no_show_rate", "utilisation"):
            if row[column] is not None:
                assert row[column] in line.split()
    assert str(BIG) in text
    assert "%" not in text


def test_main_table_ends_with_the_total_row() -> None:
    report = attendance_report()
    last = main_table(shown(report, Format.table))[-1]
    cells = last.split()
    assert cells[0] == "total"
    assert cells[1:4] == [str(report.total[key]) for key in ("bookings", "checked_in", "no_shows")]
    assert last.endswith(f"{report.total['revenue']['amount']} EUR")


def test_other_tables_follow_under_their_titles() -> None:
    report = attendance_report()
    text = shown(report, Format.table)
    top = section(text, "top clients by revenue")
    assert top[0].split() == ["contact", "visits", "revenue"]
    assert [line.split()[0] for line in top[2:]] == [row["contact"].split()[0] for row in report.tables[1].rows]
    assert section(text, "lapsed clients") == ["(none)"]
    assert text.index("top clients by revenue") < text.index("lapsed clients") < text.index("idle staff")


def test_a_report_without_by_total_or_summary_is_titled_by_its_kind() -> None:
    report = bare_report([{"contact": "Ann", "visits": 3, "revenue": None}])
    text = shown(report, Format.table)
    assert text.split("\n")[:2] == ["clients, 2026-10-01 to 2026-10-31", ""]
    assert "total" not in text
    assert text.split("\n")[2].split() == ["contact", "visits", "revenue"]


def test_terminal_table_draws_bars_ordered_like_the_values() -> None:
    report = attendance_report()
    text = shown(report, Format.table, terminal=True)
    assert "\x1b[" in text
    lines = main_table(text)
    lengths = bar_lengths(lines)
    values = [row["bookings"] for row in report.main.rows]
    assert lengths[-1] == 0  # the total row has no bar
    lengths = lengths[:-1]
    assert max(lengths) == BAR_CELLS * 8 == lengths[values.index(max(values))]
    assert [length for _, length in sorted(zip(values, lengths))] == sorted(lengths)
    assert all((length == 0) == (value == 0) for value, length in zip(values, lengths))


def test_terminal_bars_of_money_follow_the_amounts_size() -> None:
    report = attendance_report()
    lines = section(shown(report, Format.table, terminal=True), "top clients by revenue")
    lengths = bar_lengths(lines)
    sizes = [abs(Decimal(row["revenue"]["amount"])) for row in report.tables[1].rows]
    assert max(lengths) == BAR_CELLS * 8
    assert [length for _, length in sorted(zip(sizes, lengths))] == sorted(lengths)
    assert all(length > 0 for length in lengths)


def test_terminal_bars_of_an_all_zero_column_are_empty() -> None:
    lines = section(shown(attendance_report(), Format.table, terminal=True), "idle staff")
    assert ANSI.sub("", lines[0]).split() == ["staff", "sessions", "fees_kept", "bar"]
    assert bar_lengths(lines) == [0, 0]


def test_importing_the_view_loads_neither_rich_nor_tabulate() -> None:
    code = ("import sys, bookctl.output.report_view, bookctl.output.report_html; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'tabulate')))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_terminal_bars_grow_with_the_value() -> None:
    visits = [3, 10, 7, 1, 0]
    report = bare_report([{"contact": f"c{n}", "visits": v, "revenue": None} for n, v in enumerate(visits)])
    lengths = bar_lengths(shown(report, Format.table, terminal=True).split("\n\n")[1].strip("\n").split("\n"))
    assert [length for _, length in sorted(zip(visits, lengths))] == sorted(set(lengths))  # strictly growing
    assert lengths[visits.index(10)] == BAR_CELLS * 8
    assert lengths[visits.index(0)] == 0
