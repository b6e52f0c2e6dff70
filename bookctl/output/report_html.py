"""A report as one self-contained HTML5 page (`--output FILE.html`, bookctl #21): inline CSS and SVG
bar charts, no script, no font, nothing fetched from anywhere, readable on a phone and on paper.

Every text goes through `html.escape`. Each cell shows its value as people read it ("19.90 EUR")
and carries the exact JSON value in `data-value` (`{"amount": "19.90", "currency": "EUR"}`,
`"0.125"`, `null`), so what the page says can be read back and compared with `--format json`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING, Any, TextIO

from bookctl.output.report_view import (
    TOTAL_LABEL,
    bar_magnitudes,
    cell_text,
    magnitude,
    report_title,
    scaled,
)

if TYPE_CHECKING:
    from bookctl.domain.reports import Report, Table

# The chart's drawing, in SVG user units: labels right-aligned up to LABEL_END, bars from BAR_START
# up to BAR_WIDTH long, the value written after each bar; it scales to the page's width.
CHART_WIDTH = 660
LABEL_END = 196
BAR_START = 204
BAR_WIDTH = 280
ROW_HEIGHT = 22
BAR_HEIGHT = 16
LABEL_CHARACTERS = 30  # a longer label is cut with "…" in the chart (whole in its tooltip and table)

_STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; padding: 1rem;
  max-width: 60rem; color: #1b1b1b; background: #fff; line-height: 1.4; }
h1 { font-size: 1.4rem; margin: 0 0 .75rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; margin: 0 0 1rem; }
dl.summary dt { font-weight: 600; }
dl.summary dd { margin: 0; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; min-width: 50%; font-variant-numeric: tabular-nums; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #999; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; }
tfoot td { font-weight: 600; border-top: 2px solid #999; }
p.none { color: #666; font-style: italic; }
figure.chart { margin: .5rem 0 1rem; }
figure.chart svg { width: 100%; height: auto; max-width: 48rem; display: block; }
figure.chart text { font-size: 12px; fill: #1b1b1b; }
figure.chart rect { fill: #3b6fb6; }
figure.chart rect.negative { fill: #c0392b; }
@media (max-width: 40rem) { body { padding: .5rem; } th, td { padding: .2rem .35rem; } }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .scroll { overflow: visible; }
  section { break-inside: avoid-page; }
  figure.chart rect { fill: #555; }
  figure.chart rect.negative { fill: #999; }
}
"""


def write_report_html(report: Report, out: TextIO) -> int:
    """Write `report` as one HTML page to `out`: its title, the summary as a <dl>, then each table
    (the main one with its total in <tfoot>) under its title, after a bar chart when the table names
    a bar column. Returns the number of characters written."""
    title = escape(report_title(report))
    parts = ["<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
             f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n",
             f"<h1>{title}</h1>\n"]
    if report.summary:
        parts.append("<dl class=\"summary\">\n")
        for key, value in report.summary.items():
            parts.append(f"<dt>{escape(key)}</dt><dd data-key=\"{escape(key)}\" data-value=\"{_json(value)}\">"
                         f"{escape(cell_text(value))}</dd>\n")
        parts.append("</dl>\n")
    for n, table in enumerate(report.tables):
        parts.append(_section(table, report.total if n == 0 else None))
    parts.append("</main>\n</body>\n</html>\n")
    text = "".join(parts)
    out.write(text)
    return len(text)


def _json(value: Any) -> str:
    """The exact JSON value, escaped for a quoted attribute."""
    return escape(json.dumps(value, ensure_ascii=False))


def _td(value: Any, column: str) -> str:
    numeric = magnitude(value) is not None and not isinstance(value, str) or _is_rate(column, value)
    kind = " class=\"num\"" if numeric else ""
    return f"<td{kind} data-column=\"{escape(column)}\" data-value=\"{_json(value)}\">{escape(cell_text(value))}</td>"


def _is_rate(column: str, value: Any) -> bool:
    return isinstance(value, str) and (column.endswith("_rate") or column == "utilisation")


def _section(table: Table, total: dict[str, Any] | None) -> str:
    """A table's <section>: its title, its chart when it has a bar column and rows, the <table>."""
    columns = list(table.columns)
    parts = [f"<section data-key=\"{escape(table.key)}\">\n<h2>{escape(table.title)}</h2>\n"]
    if table.bar is not None and table.rows:
        parts.append(_chart(table))
    parts.append(f"<div class=\"scroll\"><table data-key=\"{escape(table.key)}\">\n<thead><tr>")
    parts += [f"<th scope=\"col\">{escape(column)}</th>" for column in columns]
    parts.append("</tr></thead>\n<tbody>\n")
    for row in table.rows:
        parts.append("<tr>" + "".join(_td(row.get(column), column) for column in columns) + "</tr>\n")
    parts.append("</tbody>\n")
    if total is not None:
        label = table.label if table.label in columns else columns[0] if columns else None
        cells = [f"<td class=\"label\">{TOTAL_LABEL}</td>" if column == label and column not in total
                 else _td(total.get(column), column) for column in columns]
        parts.append("<tfoot><tr>" + "".join(cells) + "</tr></tfoot>\n")
    parts.append("</table></div>\n")
    if not table.rows:
        parts.append("<p class=\"none\">(none)</p>\n")
    parts.append("</section>\n")
    return "".join(parts)


def _chart(table: Table) -> str:
    """A horizontal bar chart of `table.bar`, one <rect> per row (its width proportional to the value,
    0 for zero or an empty cell; a negative value drawn the other colour, by its size), each with a
    <title> tooltip giving the label and the value, the label left of the bar and the value after it."""
    assert table.bar is not None
    magnitudes = bar_magnitudes(table)
    widths = scaled(magnitudes, Decimal(BAR_WIDTH))
    height = ROW_HEIGHT * len(table.rows) + 4
    caption = f"{table.title}: {table.bar}"
    parts = [(f"<figure class=\"chart\"><svg viewBox=\"0 0 {CHART_WIDTH} {height}\" role=\"img\" "
              f"aria-label=\"{escape(caption)}\">\n")]
    for n, (row, m, width) in enumerate(zip(table.rows, magnitudes, widths)):
        label, value = cell_text(row.get(table.label)), cell_text(row.get(table.bar))
        shown = label if len(label) <= LABEL_CHARACTERS else label[:LABEL_CHARACTERS - 1] + "…"
        drawn = _units(width or Decimal(0))
        top, baseline = ROW_HEIGHT * n + 2, ROW_HEIGHT * n + 2 + 12
        kind = " class=\"negative\"" if m is not None and m < 0 else ""
        parts.append(f"<text x=\"{LABEL_END}\" y=\"{baseline}\" text-anchor=\"end\">{escape(shown)}</text>"
                     f"<rect{kind} x=\"{BAR_START}\" y=\"{top}\" width=\"{drawn}\" height=\"{BAR_HEIGHT}\">"
                     f"<title>{escape(label)}: {escape(value)}</title></rect>"
                     f"<text x=\"{_units(BAR_START + (width or 0) + 6)}\" y=\"{baseline}\">{escape(value)}</text>\n")
    parts.append(f"</svg><figcaption>{escape(caption)}</figcaption></figure>\n")
    return "".join(parts)


def _units(length: Decimal | int) -> str:
    """An SVG length to a hundredth of a unit, without trailing zeros ("320", "12.5")."""
    text = format(Decimal(length).quantize(Decimal("0.01")).normalize(), "f")
    return text
