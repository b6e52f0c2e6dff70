"""`import contacts` from CSV: the published layouts (tests/data/import/), any CSV by --map, bookctl's own
export; checks as `contact add`, rejects by line, duplicates, re-runs and dry runs, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._import_fixtures import contacts  # noqa: F401 - a fixture
from tests.conftest import tree_digest

DATA = Path(__file__).parent.parent / "data" / "import"


@pytest.fixture
def imp(bookctl, store):  # noqa: ANN001, ANN201
    """imp(FILE, *options) -> the Run of `import contacts FILE ... --format json` on the test's store."""
    def invoke(path: Path, *options: str):  # noqa: ANN202
        return bookctl("import", "contacts", path, *options, "--store", store, "--format", "json")

    return invoke


def test_google_csv_is_recognised_from_its_header_and_every_field_lands(imp, contacts):
    result = imp(DATA / "google.csv")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {"created": 3, "updated": 0, "skipped": 0, "rejected": []}
    zoe = contacts()["zoe@example.org"]
    assert (zoe["first_name"], zoe["last_name"], zoe["company"], zoe["position"]) == ("Zoë", "Martin", "Atelier Martin", "Owner")
    assert zoe["emails"] == ["zoe.martin@work.example"]  # Google's ' ::: ' holds two in one cell
    assert zoe["phone"] == "+33 6 12 34 56 78"
    assert zoe["address"] == "12 rue des Lilas, 75011 Paris, France"  # written over three lines, joined
    assert zoe["birthday"] == "1988-04-02"
    assert zoe["labels"] == ["VIP", "Morning class"]  # Google's own '* myContacts' is not a label
    marco = contacts()["marco@example.it"]
    assert marco["first_name"] == "Marco Luigi" and marco["phones"] == ["+39 333 765 4321"]


def test_google_legacy_csv_is_recognised_too(imp, contacts):
    assert imp(DATA / "google_legacy.csv").json()["created"] == 1
    ines = contacts()["ines@example.pt"]
    assert (ines["first_name"], ines["last_name"], ines["company"], ines["position"], ines["labels"]) == (
        "Ines", "Duarte", "Duarte Lda", "Manager", ["Clients"])


def test_outlook_csv_turns_its_month_first_birthday_round_and_builds_the_address(imp, contacts):
    assert imp(DATA / "outlook.csv").json()["created"] == 2
    found = contacts()
    olivia = found["olivia@example.co.uk"]
    assert olivia["birthday"] == "1985-03-14"
    assert olivia["address"] == "4 Elm Road, Leeds, LS1 4AB, United Kingdom"
    assert olivia["labels"] == ["VIP", "Physio"]
    assert (olivia["phone"], olivia["phones"]) == ("+44 7700 900123", ["+44 113 496 0000"])  # the mobile first
    assert found["tom@example.com"]["birthday"] is None  # Outlook's 0/0/00 is no birthday


@pytest.mark.parametrize(("name", "email", "expected"), [
    ("wix.csv", "lena@example.de", {"phone": "+49 151 23456789", "address": "Hauptstr. 5, Berlin, 10115, Germany",
                                    "labels": ["Bookings Customers", "Newsletter"], "birthday": "1990-07-21"}),
    ("square.csv", "maya@example.com", {"phone": "+1 415-555-0134", "company": "Patel Design",
                                        "address": "500 Market St, San Francisco, CA, 94105", "labels": ["Regulars"]}),
])
def test_wix_and_square_exports_are_recognised(imp, contacts, name, email, expected):
    assert imp(DATA / name).json()["created"] == 1
    found = contacts()[email]
    assert {key: found[key] for key in expected} == expected


def test_from_names_the_layout_when_the_header_does_not_show_it(imp, contacts, tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("First Name,Last Name,Email Address,Phone Number\nAmy,Ko,amy@example.com,+1 415 555 0100\n")
    assert imp(path, "--from", "square").json()["created"] == 1
    assert contacts()["amy@example.com"]["phone"] == "+1 415 555 0100"


def test_any_csv_imports_by_map_with_typed_custom_fields(bookctl, store, imp, contacts):
    result = imp(DATA / "spreadsheet.csv", "--map", "Client=first_name", "--map", "Surname=last_name",
                 "--map", "Mail=email", "--map", "Mobile=phone", "--map", "Shoe size=shoe-size:number",
                 "--map", "Member since=member-since:date")
    assert result.json()["created"] == 2, result.stderr
    anna = contacts()["anna@example.it"]
    assert anna["custom_fields"] == {"shoe-size": "38", "member-since": "2024-03-01"}
    fields = bookctl("field", "list", "--store", store, "--format", "json").json()
    assert {f["name"]: f["type"] for f in fields} == {"member-since": "date", "shoe-size": "number"}


def test_a_custom_value_of_the_wrong_type_rejects_its_row(imp, tmp_path):
    path = tmp_path / "sizes.csv"
    path.write_text("first_name,size\nAnna,38\nLuca,large\n")
    result = imp(path, "--map", "size=shoe-size:number")
    assert result.exit_code == 2
    assert result.stderr == ("error: 1 of the rows cannot be imported, so none was: line 3: size 'large' is not a number; "
                             "fix them, or pass --skip-invalid to import the rest\n")


def test_bookctls_own_csv_export_imports_into_another_store(bookctl, store, tmp_path):
    assert bookctl("contact", "add", "--first-name", "Zoë", "--last-name", "Martin", "--email", "zoe@example.org",
                   "--phone", "+39 333 123 4567", "--company", "=SUM(A1)", "--store", store).exit_code == 0
    bookctl("contact", "add-field", "c-1", "shoe-size", "38", "--type", "number", "--store", store)
    bookctl("contact", "add-field", "c-1", "email", "zoe@work.example", "--store", store)
    bookctl("contact", "label", "c-1", "VIP", "--store", store)
    exported = tmp_path / "contacts.csv"
    assert bookctl("export", "contacts", "--format", "csv", "--output", exported, "--store", store).exit_code == 0
    other = tmp_path / "other"
    bookctl("init", other, "--business", "B", "--currency", "EUR", "--timezone", "Europe/Rome")
    result = bookctl("import", "contacts", exported, "--store", other, "--format", "json")
    assert result.json()["created"] == 1, result.stderr
    mine = bookctl("contact", "show", "c-1", "--store", store, "--format", "json").json()
    theirs = bookctl("contact", "show", "c-1", "--store", other, "--format", "json").json()
    keys = ("first_name", "last_name", "email", "phone", "emails", "company", "labels", "custom_fields")
    assert {k: theirs[k] for k in keys} == {k: mine[k] for k in keys}  # the ' guarding =SUM is gone again


def test_one_invalid_row_imports_nothing_and_names_each_line(imp, store):
    before = tree_digest(store)
    result = imp(DATA / "malformed.csv")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: 6 of the rows cannot be imported")
    assert "line 3: email 'not-an-email' is not an email address" in result.stderr
    assert "line 4: last_name must not contain control characters" in result.stderr
    assert tree_digest(store) == before


def test_skip_invalid_imports_the_rest_and_lists_every_reject(imp, contacts):
    result = imp(DATA / "malformed.csv", "--skip-invalid")
    assert result.exit_code == 0
    assert result.json() == {"created": 1, "updated": 0, "skipped": 0, "rejected": [
        {"line": 3, "reason": "email 'not-an-email' is not an email address"},
        {"line": 4, "reason": "last_name must not contain control characters"},
        {"line": 5, "reason": "the row has 6 cells; the header names 5 columns"},
        {"line": 6, "reason": "no first name: contact add needs one (fill the column, or --map a column to first_name)"},
        {"line": 7, "reason": "birthday 2030-01-01 is in the future"},
        {"line": 8, "reason": "phone 'call me' is not a phone number"},
    ]}
    assert list(contacts()) == ["good@example.org"]


def test_skip_invalid_prints_the_rejects_on_stderr_and_the_summary_line(bookctl, store):
    result = bookctl("import", "contacts", DATA / "malformed.csv", "--skip-invalid", "--store", store)
    assert result.stdout == "created 1, updated 0, skipped 0, rejected 6\n"
    assert "rejected line 8: phone 'call me' is not a phone number\n" in result.stderr


def test_a_row_spread_over_several_lines_is_rejected_with_the_line_it_starts_on(imp, tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('first_name,address,email\nAnna,"Via Roma 1\n00100 Roma",anna@example.it\nLuca,,bad\n')
    result = imp(path, "--skip-invalid")
    assert result.json()["rejected"] == [{"line": 4, "reason": "email 'bad' is not an email address"}]


def test_a_rerun_of_the_same_file_imports_nothing_new(imp, store):
    assert imp(DATA / "google.csv").json()["created"] == 3
    before = tree_digest(store)
    assert imp(DATA / "google.csv").json() == {"created": 0, "updated": 0, "skipped": 3, "rejected": []}
    assert tree_digest(store) == before


def test_a_duplicate_is_found_by_phone_when_it_has_no_email(bookctl, store, imp, tmp_path):
    bookctl("contact", "add", "--first-name", "Sanne", "--phone", "+31 6 1234 5678", "--store", store)
    path = tmp_path / "one.csv"
    path.write_text("first_name,phone\nSanne J.,+31612345678\n")
    assert imp(path).json() == {"created": 0, "updated": 0, "skipped": 1, "rejected": []}


def test_on_duplicate_update_fills_only_what_the_contact_lacks(bookctl, store, imp, contacts):
    bookctl("contact", "add", "--first-name", "Zoe", "--email", "zoe@example.org", "--company", "Mine",
            "--store", store)
    assert imp(DATA / "google.csv", "--on-duplicate", "update").json()["updated"] == 1
    zoe = contacts()["zoe@example.org"]
    assert (zoe["first_name"], zoe["company"]) == ("Zoe", "Mine")  # kept
    assert (zoe["phone"], zoe["position"], zoe["labels"]) == ("+33 6 12 34 56 78", "Owner", ["VIP", "Morning class"])
    assert imp(DATA / "google.csv", "--on-duplicate", "update").json()["updated"] == 0  # nothing left to fill


def test_on_duplicate_fail_imports_nothing(bookctl, store, imp):
    bookctl("contact", "add", "--first-name", "Marco", "--email", "MARCO@example.it", "--store", store)
    before = tree_digest(store)
    result = imp(DATA / "google.csv", "--on-duplicate", "fail")
    assert result.exit_code == 1
    assert result.stderr == ("error: line 5: contact c-1 (Marco) already has the email marco@example.it; nothing was "
                             "imported (--on-duplicate skip or update takes it)\n")
    assert tree_digest(store) == before


def test_one_client_twice_in_a_file_makes_one_contact(imp, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("first_name,email\nAnna,anna@example.it\nAnna R.,Anna@Example.it\n")
    assert imp(path).json() == {"created": 1, "updated": 0, "skipped": 1, "rejected": []}


def test_dry_run_says_what_would_happen_and_changes_nothing(bookctl, store):
    before = tree_digest(store)
    result = bookctl("import", "contacts", DATA / "google.csv", "--dry-run", "--store", store)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "line 2: would be created: c-1 Zoë Martin",
        "line 5: would be created: c-2 Marco Luigi Bianchi",  # Zoë's address runs over lines 2 to 4
        "line 6: would be created: c-3 Sanne Jansen",
        "dry run, nothing changed: would have created 3, updated 0, skipped 0, rejected 0",
    ]
    assert tree_digest(store) == before


@pytest.mark.parametrize(("options", "message"), [
    (("--map", "Nope=first_name"), "--map names no column 'Nope'"),
    (("--map", "Client"), "--map 'Client' is not COLUMN=FIELD"),
    (("--map", "Client=size:colour"), "the type must be one of text, number, date, url"),
    (("--from", "vcard"), "line 1: 'Client,Surname,Mail,Mobile,Shoe size,Mem' is outside any card"),
])
def test_bad_options_are_one_error_line_and_change_nothing(imp, store, options, message):
    before = tree_digest(store)
    result = imp(DATA / "spreadsheet.csv", *options)
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert tree_digest(store) == before


def test_a_csv_whose_columns_name_no_field_asks_for_map(imp):
    result = imp(DATA / "spreadsheet.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no column of the file is one csv layout knows")


@pytest.mark.parametrize(("content", "message"), [
    (None, "error: no file "),
    (b"first_name\n\xff\xfe\n", "is not UTF-8 text (line 2)"),
])
def test_a_missing_or_undecodable_file_is_exit_2(imp, tmp_path, content, message):
    path = tmp_path / "contacts.csv"
    if content is not None:
        path.write_bytes(content)
    result = imp(path)
    assert result.exit_code == 2 and message in result.stderr


def test_a_semicolon_separated_csv_from_a_european_spreadsheet_is_read_too(imp, contacts, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffFirst Name;Last Name;Email;Phone\r\nChiara;Conti;chiara@example.it;+39 06 555 0101\r\n"
                     .encode("utf-8"))
    assert imp(path).json()["created"] == 1
    chiara = contacts()["chiara@example.it"]
    assert (chiara["first_name"], chiara["last_name"], chiara["phone"]) == ("Chiara", "Conti", "+39 06 555 0101")
