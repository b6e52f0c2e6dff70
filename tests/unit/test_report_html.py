"""A report as one HTML page (output/report_html.py, bookctl #21): it parses as a balanced HTML5
document, runs and fetches nothing, every cell, total and summary figure reads back as exactly the
JSON's value, hostile text stays text, and each bar chart draws one bar per row to scale."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from html.parser import HTMLParser

from bookctl.output.report_html import BAR_WIDTH, write_report_html
from bookctl.output.report_view import report_title
from tests.unit.report_samples import HOSTILE, QUOTED, attendance_report, bare_report

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# A start tag whose every attribute is name="value" (the value escaped, so it holds no ").
QUOTED_TAG = re.compile(r'<[a-zA-Z][a-zA-Z0-9-]*(\s+[a-zA-Z_:][a-zA-Z0-9_:.-]*="[^"]*")*\s*/?>')


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)

    def all(self, tag: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                found += ([child] if child.tag == tag else []) + child.all(tag)
        return found

    def kids(self, tag: str) -> list[Node]:
        return [child for child in self.children if isinstance(child, Node) and child.tag == tag]


class Page(HTMLParser):
    """The page as a tree, with what a strict reader would object to: an end tag that closes
    another element, an element never closed, an unquoted attribute."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.decls: list[str] = []
        self.problems: list[str] = []
        self.feed(text)
        self.close()
        self.problems += [f"<{node.tag}> never closed" for node in self.stack[1:]]

    def handle_decl(self, decl: str) -> None:
        self.decls.append(decl)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        if not QUOTED_TAG.fullmatch(raw):
            self.problems.append(f"unquoted attribute in {raw}")
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if self.stack[-1].tag != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1].tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def page_of(report) -> tuple[str, Page]:
    out = io.StringIO()
    write_report_html(report, out)
    return out.getvalue(), Page(out.getvalue())


def text_cell(value) -> str:
    """What a cell should show for a JSON value: money with its currency, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return f"{value['amount']} {value['currency']}"
    return str(value)


def tables_by_key(page: Page) -> dict[str, Node]:
    return {node.attrs["data-key"]: node for node in page.root.all("table")}


def sections_by_key(page: Page) -> dict[str, Node]:
    return {node.attrs["data-key"]: node for node in page.root.all("section")}


def body_rows(table: Node) -> list[dict]:
    """Each <tbody> row as {column: the JSON value in its data-value}."""
    (body,) = table.kids("tbody")
    return [{td.attrs["data-column"]: json.loads(td.attrs["data-value"]) for td in tr.kids("td")} for tr in body.kids("tr")]


def test_page_is_a_balanced_html5_document() -> None:
    report = attendance_report()
    _, page = page_of(report)
    assert [decl.lower() for decl in page.decls] == ["doctype html"]
    assert page.problems == []
    (html,) = page.root.kids("html")
    (head,) = html.kids("head")
    metas = head.kids("meta")
    assert {"charset": "utf-8"} in [meta.attrs for meta in metas]
    assert any(meta.attrs.get("name") == "viewport" and "width=device-width" in meta.attrs["content"] for meta in metas)
    assert [title.text() for title in head.kids("title")] == [report_title(report)]
    assert len(head.kids("style")) == 1
    for tag in ("table", "thead", "tbody", "tr", "td", "svg", "rect"):
        assert page.root.all(tag), tag


def test_page_runs_nothing_and_fetches_nothing() -> None:
    text, page = page_of(attendance_report())
    for tag in ("script", "link", "img", "iframe", "object", "embed", "audio", "video", "source", "base", "form"):
        assert page.root.all(tag) == [], tag
    every = [node for tag in ("html", "head", "body", "main", "section", "table", "td", "svg", "rect", "text", "meta")
             for node in page.root.all(tag)]
    assert all(not ({"src", "href", "srcset", "action", "xmlns"} & set(node.attrs)) for node in every)
    lowered = text.lower()
    for network in ("http:", "https:", "//", "url(", "@import", "@font-face"):
        assert network not in lowered, network


def test_every_table_reads_back_as_the_json() -> None:
    report = attendance_report()
    data = report.as_json()
    _, page = page_of(report)
    tables = tables_by_key(page)
    assert list(tables) == [table.key for table in report.tables]
    for n, table in enumerate(report.tables):
        node = tables[table.key]
        (head,) = node.kids("thead")
        assert [th.text() for th in head.all("th")] == list(table.columns)
        assert body_rows(node) == data["rows" if n == 0 else table.key]


def test_the_total_row_reads_back_as_the_json_total() -> None:
    report = attendance_report()
    _, page = page_of(report)
    (foot,) = tables_by_key(page)[report.main.key].kids("tfoot")
    (row,) = foot.kids("tr")
    cells = row.kids("td")
    assert cells[0].text() == "total"
    assert {td.attrs["data-column"]: json.loads(td.attrs["data-value"]) for td in cells[1:]} == report.as_json()["total"]
    assert all(table.kids("tfoot") == [] for key, table in tables_by_key(page).items() if key != report.main.key)


def test_the_summary_is_a_list_of_figures_reading_back_as_the_json() -> None:
    report = attendance_report()
    data = report.as_json()
    _, page = page_of(report)
    (summary,) = page.root.all("dl")
    assert [dt.text() for dt in summary.kids("dt")] == list(report.summary)
    figures = {dd.attrs["data-key"]: json.loads(dd.attrs["data-value"]) for dd in summary.kids("dd")}
    assert figures == {key: data[key] for key in report.summary}
    assert [dd.text() for dd in summary.kids("dd")] == [text_cell(value) for value in report.summary.values()]


def test_cells_show_the_values_as_people_read_them() -> None:
    report = attendance_report()
    _, page = page_of(report)
    for node in page.root.all("table"):
        for td in node.all("td"):
            if "data-value" in td.attrs:
                assert td.text() == text_cell(json.loads(td.attrs["data-value"]))


def test_hostile_text_comes_out_as_text() -> None:
    report = attendance_report()
    text, page = page_of(report)
    assert HOSTILE not in text
    assert escape(HOSTILE) in text
    assert page.root.all("script") == []
    cells = [td.text() for td in tables_by_key(page)[report.main.key].all("td")]
    assert HOSTILE in cells and QUOTED in cells
    labels = [node.text() for node in page.root.all("text")]
    assert HOSTILE in labels and QUOTED in labels
    assert [dd.text() for dd in page.root.all("dd") if dd.attrs["data-key"] == "best_group"] == [HOSTILE]


def test_each_chart_has_one_bar_per_row_sized_to_its_value() -> None:
    report = attendance_report()
    _, page = page_of(report)
    sections = sections_by_key(page)
    charted = [table for table in report.tables if table.bar and table.rows]
    assert [table.key for table in charted] == [key for key, node in sections.items() if node.all("svg")]
    for table in charted:
        (svg,) = sections[table.key].all("svg")
        rects = svg.all("rect")
        assert len(rects) == len(table.rows)
        values = [row[table.bar] for row in table.rows]
        sizes = [abs(Decimal(v["amount"] if isinstance(v, dict) else v)) for v in values]
        widths = [Decimal(rect.attrs["width"]) for rect in rects]
        largest = max(sizes)
        for row, value, size, width, rect in zip(table.rows, values, sizes, widths, rects):
            expected = size * BAR_WIDTH / largest if largest else Decimal(0)
            assert abs(width - (max(expected, Decimal("0.0625")) if size else Decimal(0))) <= Decimal("0.005")
            (tooltip,) = rect.kids("title")
            assert tooltip.text() == f"{row[table.label]}: {text_cell(value)}"
            negative = isinstance(value, dict) and Decimal(value["amount"]) < 0
            assert (rect.attrs.get("class") == "negative") == negative
        assert max(widths) == (BAR_WIDTH if largest else 0)
        texts = [node.text() for node in svg.all("text")]
        for row in table.rows:
            label = row[table.label]
            assert label in texts or any(t.endswith("…") and label.startswith(t[:-1]) for t in texts)
            assert text_cell(row[table.bar]) in texts


def test_a_bar_column_of_zeros_draws_empty_bars() -> None:
    _, page = page_of(attendance_report())
    (svg,) = sections_by_key(page)["idle"].all("svg")
    assert [rect.attrs["width"] for rect in svg.all("rect")] == ["0", "0"]


def test_a_table_without_rows_has_no_chart_and_says_none() -> None:
    _, page = page_of(attendance_report())
    lapsed = sections_by_key(page)["lapsed"]
    assert lapsed.all("svg") == []
    assert body_rows(lapsed.all("table")[0]) == []
    assert "(none)" in lapsed.text()


def test_a_report_without_summary_or_total_has_neither() -> None:
    report = bare_report([{"contact": "Ann", "visits": 3, "revenue": None}])
    _, page = page_of(report)
    assert page.problems == []
    assert page.root.all("dl") == [] and page.root.all("tfoot") == []
    assert body_rows(page.root.all("table")[0]) == report.as_json()["rows"]
    assert page.root.all("h1")[0].text() == "clients, 2026-10-01 to 2026-10-31"


def test_returns_the_characters_it_wrote() -> None:
    out = io.StringIO()
    out.write("before")
    written = write_report_html(attendance_report(), out)
    assert written == len(out.getvalue()) - len("before")
