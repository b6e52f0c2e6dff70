"""The bookings export as text, fast: CSV lines and JSON texts from `services.exports.ExportRow`s.

A year's export is 100,000 rows, so each row is written from parts encoded once: a session's cells
(date, times, service, staff) and a contact's (name, email, phone) are encoded the first time they
are seen and reused for every booking that shares them. The text is exactly what the general
writers print for the same record (`write_csv` for `booking_csv_row`, `json.dumps` for
`export_record`): `tests/unit/test_booking_lines.py` holds them to it on generated rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # what json.dumps(ensure_ascii=False) uses
from typing import TYPE_CHECKING, Any, TypeVar

from bookctl.domain.money import _amount_text
from bookctl.timeutil import iso
from bookctl.output import CSV_LINE_END, _raw_cell, _raw_csv, _safe_cell, batched

if TYPE_CHECKING:
    from bookctl.services.exports import ExportRow, SessionPart

T = TypeVar("T")
_NEEDS_QUOTES = frozenset(',"\r\n')


def csv_field(text: str) -> str:
    """`text` as the csv module writes a field (QUOTE_MINIMAL, doubled quotes, our CRLF line end)."""
    if _NEEDS_QUOTES.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


class CsvLines:
    """`booking_csv_row` lines for ExportRows, as `write_csv` writes them (`raw`: no formula guard)."""

    def __init__(self, raw: bool | None = None) -> None:
        self._raw = _raw_csv.get() if raw is None else raw
        cell = _raw_cell if self._raw else _safe_cell
        self._cell: Callable[[Any], str] = lambda value: csv_field(cell(value))
        self._sessions: dict[int, tuple[SessionPart, tuple[str, str]]] = {}
        self._contacts: dict[str, str] = {}  # by contact id: one part per contact
        self._states: dict[tuple[str, str, str, int, int, int, int, str], str] = {}  # few: statuses and amounts
        self._forms: dict[tuple[tuple[str, str], ...], str] = {}

    def header(self, columns: Iterable[str]) -> str:
        """The header line."""
        return ",".join(self._cell(name) for name in columns) + CSV_LINE_END

    def line(self, row: ExportRow) -> str:
        """One booking's line."""
        part, booking, found = row.session, row.booking, row.figures
        session = self._sessions.get(id(part))
        if session is None or session[0] is not part:
            session = _remember(self._sessions, part, self._session(part))
        contact = self._contacts.get(booking.contact_id)
        if contact is None:
            contact = self._contacts[booking.contact_id] = ",".join(
                self._cell(value) for value in (booking.contact_id, *row.contact))
        price = booking.price
        state = (booking.status, booking.attendance, found.status, price.minor, found.paid, found.refunded,
                 found.due, price.currency)
        states = self._states.get(state)
        if states is None:
            states = self._states[state] = self._state(*state)
        answers = booking.form_responses
        return (f"{self._text(booking.id)},{session[1][0]},{contact},{states},"
                f"{self._form(answers) if answers else ''},{session[1][1]}{CSV_LINE_END}")

    def _state(self, status: str, attendance: str, payment: str, price: int, paid: int, refunded: int, due: int,
               currency: str) -> str:
        amounts = [{"amount": _amount_text(minor, currency), "currency": currency} for minor in (price, paid, refunded, due)]
        return ",".join(self._cell(value) for value in (status, attendance, payment, *amounts, currency))

    def _text(self, text: str) -> str:
        """A text cell: an id is almost always plain, which is tested first."""
        if text and text[0].isalnum() and _NEEDS_QUOTES.isdisjoint(text):
            return text
        return self._cell(text)

    def _session(self, part: SessionPart) -> tuple[str, str]:
        cells = (part.start[:10], part.start[11:16], part.end[11:16], part.service, part.staff)
        return ",".join(self._cell(value) for value in cells), self._cell(part.minutes)

    def _form(self, answers: Any) -> str:  # noqa: ANN401 - a mapping of str to str
        key = tuple(answers.items())
        found = self._forms.get(key)
        if found is None:
            found = self._cell(dict(answers))
            if len(self._forms) < 4096:  # answers repeat (a few choices) or do not (free text)
                self._forms[key] = found
        return found


def write_booking_csv(columns: Iterable[str], rows: Iterable[ExportRow], out: Any) -> int:  # noqa: ANN401
    """The header and one line per row, a chunk at a time, the first chunk made before anything is
    written (a store that cannot be read prints nothing but its error); returns the row count."""
    lines = CsvLines()
    count = 0
    chunks = batched(rows)
    first = [lines.line(row) for row in next(chunks, [])]
    out.write(lines.header(columns) + "".join(first))
    count = len(first)
    for chunk in chunks:
        out.write("".join([lines.line(row) for row in chunk]))
        count += len(chunk)
    return count


class JsonTexts:
    """`json.dumps(export_record(row), ensure_ascii=False)` for ExportRows, from cached parts."""

    def __init__(self) -> None:
        self._sessions: dict[int, tuple[SessionPart, tuple[str, str, str]]] = {}
        self._contacts: dict[str, str] = {}  # by contact id: one part per contact
        self._states: dict[tuple[str, str, str], str] = {}
        self._amounts: dict[tuple[int, int, int, int, str], str] = {}
        self._forms: dict[tuple[tuple[str, str], ...], str] = {}

    def text(self, row: ExportRow) -> str:
        """One record's JSON text."""
        part, booking, found = row.session, row.booking, row.figures
        cached = self._sessions.get(id(part))
        if cached is None or cached[0] is not part:
            cached = _remember(self._sessions, part, self._session(part))
        session = cached[1]
        contact = self._contacts.get(booking.contact_id)
        if contact is None:
            name, email, phone = (_string(value) for value in row.contact)
            contact = self._contacts[booking.contact_id] = (f'"contact_name": {name}, "contact_email": {email}, '
                                                            f'"contact_phone": {phone}}}')
        state = (booking.status, booking.attendance, found.status)
        states = self._states.get(state)
        if states is None:
            states = self._states[state] = (f'{_string(state[0])}, "attendance": {_string(state[1])}, '
                                            f'"payment_status": {_string(state[2])}')
        money = (booking.price.minor, found.paid, found.refunded, found.due, booking.price.currency)
        amounts = self._amounts.get(money)
        if amounts is None:
            amounts = self._amounts[money] = self._money(*money)
        answers = booking.form_responses
        course = booking.course_booking_id  # only a course's places carry it (views.booking_fields)
        course_text = "" if course is None else f', "course_booking_id": {encode_basestring(course)}'
        if booking.pass_id is not None:  # only a booking a pass covers carries it (views.booking_fields)
            course_text += f', "pass_id": {encode_basestring(booking.pass_id)}'
        return (f'{{"id": {encode_basestring(booking.id)}{session[0]}{encode_basestring(booking.contact_id)}'
                f'{session[1]}{states}{amounts}{self._form(answers) if answers else "{}"}'
                f', "created_at": {encode_basestring(iso(booking.created_at, part.zone))}'
                f'{course_text}{session[2]}{contact}')

    @staticmethod
    def _session(part: SessionPart) -> tuple[str, str, str]:
        return (f', "session_id": {_string(part.id)}, "service_id": {_string(part.service_id)}, "contact_id": ',
                f', "staff_id": {_string(part.staff_id)}, "start": {_string(part.start)}, "end": {_string(part.end)}'
                ', "status": ',
                f', "service": {_string(part.service)}, "staff": {_string(part.staff)}, ')

    @staticmethod
    def _money(price: int, paid: int, refunded: int, due: int, currency: str) -> str:
        texts = [_dumps({"amount": _amount_text(minor, currency), "currency": currency})
                 for minor in (price, paid, refunded, due)]
        return (f', "price": {texts[0]}, "paid": {texts[1]}, "refunded": {texts[2]}, "due": {texts[3]}'
                ', "form_responses": ')

    def _form(self, answers: Any) -> str:  # noqa: ANN401 - a mapping of str to str
        key = tuple(answers.items())
        found = self._forms.get(key)
        if found is None:
            found = _dumps(dict(answers))
            if len(self._forms) < 4096:
                self._forms[key] = found
        return found


def json_texts(rows: Iterable[ExportRow]) -> Iterator[str]:
    """Each row's JSON text (see JsonTexts)."""
    texts = JsonTexts()
    return (texts.text(row) for row in rows)


def _remember(cache: dict[int, tuple[Any, T]], part: Any, encoded: T) -> tuple[Any, T]:  # noqa: ANN401
    """Keep `part`'s encoding for the few sessions being written: rows come ordered by start, so a
    session's rows are together with those of the sessions that start with it, and memory stays flat.
    Kept by id with the part itself, as an id is reused once its part is gone."""
    if len(cache) >= 64:
        cache.clear()
    cache[id(part)] = found = (part, encoded)
    return found


def _dumps(value: Any) -> str:  # noqa: ANN401
    return json.dumps(value, ensure_ascii=False)


def _string(value: str | None) -> str:
    """A str or None as json.dumps writes it."""
    return "null" if value is None else encode_basestring(value)
