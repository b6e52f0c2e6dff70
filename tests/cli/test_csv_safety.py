"""CSV that is safe to open in a spreadsheet (#16): one writer for every CSV bookctl writes.

A text cell a spreadsheet would run as a formula gets a leading ' (OWASP); money and numbers stay
plain decimals; a list is a JSON array; every line ends in CRLF; `--raw` writes text as it is.
Everything is read back with Python's csv module, as a spreadsheet's import would split it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bookctl.cli import app
from bookctl.output import write_csv
from tests.cli._payment_fixtures import TOMORROW, _builtin_providers_only, json_runner, must_succeed  # noqa: F401

# Stored text a spreadsheet would run: accepted by `contact add` (no control characters, which names
# refuse); the writer's own tests below cover TAB, CR, LF, NUL and leading whitespace.
HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", " =1+1"]
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def formula_like(cell: str) -> bool:
    """Whether a spreadsheet could take the cell for a formula (a plain decimal is a number, not one)."""
    if not cell or NUMBER.fullmatch(cell):
        return False
    return cell[0] in "=+-@\t\r\n\0" or cell.lstrip()[:1] in ("=", "+", "-", "@")


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def written(*rows: list, raw: bool = False) -> list[list[str]]:
    """The rows as `write_csv` writes them (header "a", "b", ...), read back by the csv module."""
    out = io.StringIO(newline="")
    write_csv([chr(ord("a") + n) for n in range(len(rows[0]))], rows, out, raw=raw)
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))[1:]


@pytest.fixture
def csv_of(bookctl, store: Path):  # noqa: ANN001, ANN201
    """csv_of(*args) -> the stdout of a command that must succeed, run on `store`."""
    def invoke(*args: str) -> str:
        result = bookctl(*args, "--store", store)
        assert result.exit_code == 0, (args, result.stderr)
        return result.stdout

    return invoke


@pytest.fixture
def hostile(bookctl, store: Path):  # noqa: ANN001, ANN201
    """A contact for each HOSTILE text, booked tomorrow with it as a form answer, paid by card and
    refunded 5.00 with it as the reason: {contact id: the text as stored}."""
    ok = must_succeed(json_runner(bookctl, store))
    stored = {}
    for hour, text in enumerate(HOSTILE, start=9):
        contact = ok("contact", "add", "--first-name", text, "--last-name", "Doe")
        booking = ok("session", "book", "--service", "physiotherapy", "--contact", contact["id"],
                     "--start", f"{TOMORROW} {hour:02d}:00", "--form", f"note={text}")["id"]
        ok("payment", "collect", booking, "--method", "card", "--card", "tok_visa")
        ok("payment", "refund", booking, "--amount", "5", "--reason", text)
        stored[contact["id"]] = contact["first_name"]
    return stored


# --- the writer ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\tplain", "\r=1", "\rplain",
                                  "\n=1", "\0x", " =1", "   +1", "\u00a0@SUM(A1)", "\t =1"])
def test_a_text_cell_a_spreadsheet_would_run_gets_a_leading_quote_and_keeps_its_whitespace(text):
    assert written([text]) == [["'" + text]]


@pytest.mark.parametrize("text", ["Ada", "a=b", "1-2", "ada@example.org", "'=1", "", " Ada ", "2026-11-23",
                                  "Попов, мл.", "[1]"])
def test_a_text_cell_no_spreadsheet_would_run_is_written_as_it_is(text):
    assert written([text]) == [[text]]


def test_money_and_number_cells_stay_plain_numbers_even_when_negative():
    refund = {"amount": "-5.00", "currency": "EUR"}
    assert written([refund, Decimal("-0.50"), -3, 0]) == [["-5.00", "-0.50", "-3", "0"]]


def test_the_same_decimal_as_text_is_quoted_and_as_money_is_not():
    assert written(["-5.00", {"amount": "-5.00", "currency": "EUR"}]) == [["'-5.00", "-5.00"]]


def test_raw_writes_every_text_cell_as_it_is():
    texts = ["=1+1", "+1", "-2", "@A1", "\t=1", "\r=1", " =1"]
    assert written(texts, raw=True) == [texts]


def test_a_list_cell_is_a_json_array_even_when_empty():
    item = {"text": "=x", "amount": {"amount": "1.00", "currency": "EUR"}}
    [[labels, empty, items]] = written([["VIP", "=1"], [], [item]])
    assert (json.loads(labels), json.loads(empty)) == (["VIP", "=1"], [])
    assert json.loads(items)[0]["text"] == "=x"


@settings(derandomize=True, database=None, max_examples=300)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=8))
def test_any_text_is_either_itself_or_quoted_and_never_a_formula(text):
    [[cell]] = written([text])
    assert cell in (text, "'" + text)
    assert not formula_like(cell)
    assert written([text], raw=True) == [[text]]


# --- every command that writes CSV --------------------------------------------------------------

def test_export_contacts_quotes_every_formula_like_name(csv_of, hostile):
    text = csv_of("export", "contacts")
    rows = {row["id"]: row for row in rows_of(text)}
    assert {i: rows[i]["first_name"] for i in hostile} == {i: "'" + name for i, name in hostile.items()}
    assert not any(formula_like(cell) for cell in cells(text))


def test_export_contacts_raw_gives_back_every_name_byte_for_byte(csv_of, hostile):
    rows = {row["id"]: row for row in rows_of(csv_of("export", "contacts", "--raw"))}
    assert {i: rows[i]["first_name"] for i in hostile} == hostile


def test_export_contacts_writes_its_list_columns_as_json_arrays(csv_of, bookctl, store, hostile):
    first = next(iter(hostile))
    must_succeed(json_runner(bookctl, store))("contact", "label", first, "=VIP")
    row = next(row for row in rows_of(csv_of("export", "contacts")) if row["id"] == first)
    assert json.loads(row["labels"]) == ["Physiotherapy", "=VIP"]
    assert [json.loads(row[column]) for column in ("emails", "phones", "addresses")] == [[], [], []]


def test_export_bookings_quotes_names_and_keeps_money_as_numbers(csv_of, hostile):
    text = csv_of("export", "bookings")
    names = [row["contact_name"] for row in rows_of(text)]
    assert names == ["'" + name + " Doe" for name in hostile.values()]
    assert {(row["price"], row["paid"], row["refunded"], row["due"]) for row in rows_of(text)} == {
        ("65.00", "60.00", "5.00", "5.00")}
    assert not any(formula_like(cell) for cell in cells(text))


def test_export_bookings_raw_gives_back_every_name_byte_for_byte(csv_of, hostile):
    names = [row["contact_name"] for row in rows_of(csv_of("export", "bookings", "--format", "csv", "--raw"))]
    assert names == [name + " Doe" for name in hostile.values()]


@pytest.mark.parametrize("raw_at", ["after the command", "before the command"])
def test_contact_list_csv_quotes_names_and_raw_gives_them_back(csv_of, hostile, raw_at):
    safe = {row["id"]: row["first_name"] for row in rows_of(csv_of("contact", "list", "--format", "csv"))}
    raw_line = (("contact", "list", "--format", "csv", "--raw") if raw_at == "after the command"
                else ("--raw", "contact", "list", "--format", "csv"))
    raw = {row["id"]: row["first_name"] for row in rows_of(csv_of(*raw_line))}
    assert (safe, raw) == ({i: "'" + name for i, name in hostile.items()}, hostile)


def test_raw_holds_for_its_own_command_line_only(csv_of, hostile):
    csv_of("contact", "list", "--format", "csv", "--raw")
    again = {row["id"]: row["first_name"] for row in rows_of(csv_of("contact", "list", "--format", "csv"))}
    assert again == {i: "'" + name for i, name in hostile.items()}


def test_session_list_keeps_form_answers_inside_a_json_object_and_money_as_numbers(csv_of, hostile):
    text = csv_of("session", "list", "--day", TOMORROW, "--format", "csv")
    rows = rows_of(text)
    assert [json.loads(row["form_responses"]) for row in rows] == [{"note": name} for name in hostile.values()]
    assert {(row["price"], row["paid"], row["refunded"], row["due"], row["currency"]) for row in rows} == {
        ("65.00", "60.00", "5.00", "5.00", "EUR")}
    assert not any(formula_like(cell) for cell in cells(text))


def test_payment_list_quotes_a_refund_reason_but_not_its_amount(csv_of, hostile):
    text = csv_of("payment", "list", "--format", "csv")
    refunds = [row for row in rows_of(text) if row["kind"] == "refund"]
    assert [(row["reason"], row["amount"]) for row in refunds] == [("'" + name, "5.00") for name in hostile.values()]
    assert not any(formula_like(cell) for cell in cells(text))


def test_payment_list_raw_gives_back_every_reason_byte_for_byte(csv_of, hostile):
    refunds = [row for row in rows_of(csv_of("payment", "list", "--format", "csv", "--raw")) if row["kind"] == "refund"]
    assert [row["reason"] for row in refunds] == list(hostile.values())


def test_invoice_items_in_csv_are_a_json_array(csv_of, hostile):
    contact = next(iter(hostile))
    csv_of("invoice", "create", "--contact", contact, "--item", "=HYPERLINK(1)=40", "--item", "Massage=20")
    [row] = rows_of(csv_of("invoice", "list", "--format", "csv"))
    assert [item["text"] for item in json.loads(row["items"])] == ["=HYPERLINK(1)", "Massage"]
    assert row["total"] == "60.00"


def test_a_sessions_bookings_in_csv_are_a_json_array(csv_of, bookctl, store, hostile):
    ok = must_succeed(json_runner(bookctl, store))
    booking = ok("session", "list", "--day", TOMORROW)[0]
    [row] = rows_of(csv_of("session", "show", booking["session_id"], "--format", "csv"))
    assert [b["id"] for b in json.loads(row["bookings"])] == [booking["id"]]


def test_listings_and_exports_end_every_line_in_crlf(bookctl, store, hostile, tmp_path):
    target = tmp_path / "contacts.csv"
    assert bookctl("export", "contacts", "--output", target, "--store", store).exit_code == 0
    # CliRunner's .stdout turns CRLF into LF; its bytes are what a pipe gets.
    listing = CliRunner().invoke(app, ["contact", "list", "--format", "csv", "--store", str(store)],
                                 catch_exceptions=False)
    assert listing.exit_code == 0, listing.stderr
    for data in (target.read_bytes(), listing.stdout_bytes):
        assert data.endswith(b"\r\n") and data.count(b"\n") == data.count(b"\r\n") == len(hostile) + 1
