"""The fast writers print what the general ones print for the same record, byte for byte.

`output.booking_lines` writes the bookings export's CSV lines and JSON texts from parts encoded once
per session and contact, `output.ics.ical_text` escapes iCalendar text without icalendar's objects,
and `output._simple_table` draws tabulate's "simple" table of text columns. Each is checked here
against the writer it stands in for, on generated values meant to trip them: formula starts, quotes,
commas, semicolons, backslashes, line breaks, non-ASCII text, numbers written as text.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bookctl.domain.payments import Figures
from bookctl.output import _simple_table, write_csv
from bookctl.output.booking_lines import CsvLines, JsonTexts, csv_field
from bookctl.output.ics import ical_text
from bookctl.services.exports import BOOKING_CSV_COLUMNS, ContactPart, ExportRow, SessionPart, booking_csv_row, export_record
from bookctl.storage.read_records import BookingRecord, MoneyRecord

ROME = ZoneInfo("Europe/Rome")
TRICKY = st.sampled_from(["=1+1", "+33", "-5", "@x", " =x", "\tx", "a,b", 'say "hi"', "x;y", "back\\slash",
                          "line\nbreak", "cr\rx", "Zoë", "Ольга", "נועה", "12", "1.5", "", " padded ", "b-20261123-1"])
TEXT = st.one_of(TRICKY, st.text(max_size=12))
SETTINGS = settings(max_examples=300, derandomize=True, database=None, deadline=None)


@st.composite
def rows(draw: st.DrawFn) -> ExportRow:
    start = datetime(2026, 10, 24, tzinfo=UTC) + timedelta(minutes=15 * draw(st.integers(0, 400)))
    end = start + timedelta(minutes=draw(st.integers(15, 240)))
    staff = draw(st.one_of(st.none(), TEXT))
    part = SessionPart(draw(TEXT), draw(TEXT), draw(st.one_of(st.none(), TEXT)),
                       start.astimezone(ROME).isoformat(timespec="seconds"),
                       end.astimezone(ROME).isoformat(timespec="seconds"), draw(TEXT), staff,
                       draw(st.one_of(st.none(), TEXT)), int((end - start).total_seconds() // 60), ROME)
    contact = ContactPart(*(draw(st.one_of(st.none(), TEXT)) for _ in range(3)))
    currency = draw(st.sampled_from(["EUR", "JPY", "KWD"]))
    booking = BookingRecord(id=draw(TEXT), session_id=part.id, contact_id=draw(TEXT),
                            status=draw(st.sampled_from(["confirmed", "cancelled"])),
                            attendance=draw(st.sampled_from(["booked", "checked_in", "no_show"])),
                            price=MoneyRecord(draw(st.integers(0, 10**9)), currency),
                            form_responses=draw(st.dictionaries(TEXT, TEXT, max_size=3)),
                            created_at=start - timedelta(seconds=draw(st.integers(0, 10**8))),
                            course_booking_id=draw(st.one_of(st.none(), TEXT)),
                            pass_id=draw(st.one_of(st.none(), TEXT)))
    amounts = [draw(st.integers(0, 10**9)) for _ in range(3)]
    found = Figures(0, amounts[1], 0, amounts[0], 0, 0, amounts[2], draw(st.sampled_from(["paid", "not_paid", "covered"])), ())
    return ExportRow(part, contact, booking, found, ())


def _one_part_per_contact(exported: list[ExportRow]) -> list[ExportRow]:
    """As export_rows makes them: the contact's part is the same for each of its bookings."""
    parts: dict[str, ContactPart] = {}
    return [row._replace(contact=parts.setdefault(row.booking.contact_id, row.contact)) for row in exported]


def _csv(header: list[str], values: list[list[object]], raw: bool) -> str:
    out = io.StringIO()
    write_csv(header, values, out, raw=raw)
    return out.getvalue()


@SETTINGS
@given(st.lists(rows(), min_size=1, max_size=4), st.booleans())
def test_a_csv_line_is_what_write_csv_writes_for_the_record(exported: list[ExportRow], raw: bool) -> None:
    exported = _one_part_per_contact(exported)
    lines = CsvLines(raw=raw)
    fast = lines.header(BOOKING_CSV_COLUMNS) + "".join(lines.line(row) for row in exported)
    assert fast == _csv(list(BOOKING_CSV_COLUMNS), [booking_csv_row(export_record(row)) for row in exported], raw)


@SETTINGS
@given(st.lists(rows(), min_size=1, max_size=4))
def test_a_json_text_is_json_dumps_of_the_record(exported: list[ExportRow]) -> None:
    exported = _one_part_per_contact(exported)
    texts = JsonTexts()
    for row in exported:
        assert texts.text(row) == json.dumps(export_record(row), ensure_ascii=False)


@SETTINGS
@given(st.text())
def test_a_csv_field_is_what_the_csv_module_writes(text: str) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([text, "x"])
    assert out.getvalue() == f"{csv_field(text)},x\r\n"


@SETTINGS
@given(st.one_of(TEXT, st.text(alphabet="\\N;,\r\n ab", max_size=10)))
def test_ical_text_is_what_icalendar_writes(text: str) -> None:
    from icalendar.prop import vText

    assert ical_text(text) == vText(text).to_ical().decode("utf-8")


@SETTINGS
@given(st.integers(1, 4).flatmap(lambda width: st.tuples(
    st.lists(st.sampled_from(["id", "start", "contact", "a"]), min_size=width, max_size=width),
    st.lists(st.lists(TEXT, min_size=width, max_size=width), min_size=1, max_size=5))))
def test_the_simple_table_is_tabulates_where_it_draws_one(table: tuple[list[str], list[list[str]]]) -> None:
    from tabulate import tabulate

    headers, cells = table
    drawn = _simple_table(headers, cells)
    if drawn is not None:  # None: it leaves the table to tabulate
        assert drawn == tabulate(cells, headers=headers, tablefmt="simple", disable_numparse=True)


@SETTINGS
@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30), timezones=st.sampled_from([UTC, ROME])))
def test_an_ical_utc_time_is_what_strftime_writes(moment: datetime) -> None:
    from bookctl.output.ics import _utc

    assert _utc(moment) == f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


@SETTINGS
@given(st.text(max_size=120))
def test_a_folded_line_is_what_the_octet_rule_folds(line: str) -> None:
    from bookctl.output.vcard import fold

    raw = line.encode("utf-8")
    if len(raw) <= 75:
        assert fold(line) == line + "\r\n"
    else:
        parts = fold(line).split("\r\n ")
        assert all(len(part.encode("utf-8")) <= 75 for part in parts)
        assert "".join(parts).removesuffix("\r\n") == line
