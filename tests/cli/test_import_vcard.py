"""`import contacts` from vCard 3.0 and 4.0 files: what khard (a real address book) writes, and
bookctl's own `export contacts --format vcf`, many cards to a file, on both backends."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli._import_fixtures import contacts  # noqa: F401 - a fixture
from tests.conftest import tree_digest

ZOE = """First name : Zoë
Last name : Martin
Organisation : Atelier Martin
Title : Owner
Birthday : 1988-04-02
Phone:
    cell : +33 6 12 34 56 78
Email:
    home : zoe@example.org
    work : zoe.martin@work.example
Address:
    home:
        Street : 12 rue des Lilas
        Code : 75011
        City : Paris
        Country : France
Categories:
    - VIP
    - Morning class
"""
MARCO = """First name : Marco
Additional : Luigi
Last name : Bianchi
Phone:
    cell : +39 333 765 4321
Email:
    work : marco@example.it
Note : |
    line one
    line two
"""


def khard_export(tmp_path: Path, version: str, *people: str) -> Path:
    """A vCard file of `people` (khard's YAML) as khard writes them: an address book made in tmp_path,
    each contact added with `khard new`, then all shown with `khard show --format vcard`."""
    book = tmp_path / f"book-{version}"
    book.mkdir()
    config = tmp_path / f"khard-{version}.conf"
    config.write_text(f"[addressbooks]\n[[clients]]\npath = {book}\n\n[general]\neditor = /bin/false\n"
                      f"merge_editor = /bin/false\n\n[vcard]\npreferred_version = {version}\n")
    for person in people:
        subprocess.run(["khard", "-c", config, "new", "-a", "clients"], input=person, text=True, check=True,
                       capture_output=True)
    cards = []
    for path in sorted(book.glob("*.vcf")):
        uid = path.stem
        shown = subprocess.run(["khard", "-c", config, "show", "--format", "vcard", f"uid:{uid}"], text=True,
                               check=True, capture_output=True).stdout
        cards.append(shown)
    exported = tmp_path / f"khard-{version}.vcf"
    exported.write_text("".join(cards))
    return exported


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_a_khard_export_imports_every_card(bookctl, store, contacts, tmp_path, version):
    exported = khard_export(tmp_path, version, ZOE, MARCO)
    assert f"VERSION:{version}" in exported.read_text()
    result = bookctl("import", "contacts", exported, "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {"created": 2, "updated": 0, "skipped": 0, "rejected": []}
    found = contacts()
    zoe = found["zoe@example.org"]
    assert (zoe["first_name"], zoe["last_name"], zoe["company"], zoe["position"], zoe["birthday"]) == (
        "Zoë", "Martin", "Atelier Martin", "Owner", "1988-04-02")
    assert zoe["emails"] == ["zoe.martin@work.example"] and zoe["phone"] == "+33 6 12 34 56 78"
    assert zoe["address"] == "12 rue des Lilas, Paris, 75011, France"
    assert zoe["labels"] == ["VIP", "Morning class"]
    marco = found["marco@example.it"]
    assert (marco["first_name"], marco["last_name"], marco["phone"]) == ("Marco Luigi", "Bianchi", "+39 333 765 4321")


def test_a_rerun_of_a_khard_export_imports_nothing_new(bookctl, store, tmp_path):
    exported = khard_export(tmp_path, "4.0", ZOE, MARCO)
    bookctl("import", "contacts", exported, "--store", store)
    before = tree_digest(store)
    again = bookctl("import", "contacts", exported, "--store", store)
    assert again.stdout == "created 0, updated 0, skipped 2, rejected 0\n"
    assert tree_digest(store) == before


def test_bookctls_own_vcf_export_round_trips(bookctl, store, tmp_path):
    bookctl("contact", "add", "--first-name", "Zoë", "--last-name", "Martin; Dupont", "--email", "zoe@example.org",
            "--phone", "+39 333 123 4567", "--address", "Via Roma 1, 00100 Roma", "--company", "A, B & C",
            "--birthday", "1988-04-02", "--language", "fr", "--store", store)
    bookctl("contact", "add-field", "c-1", "shoe-size", "38", "--type", "number", "--store", store)
    bookctl("contact", "add-field", "c-1", "phone", "+39 06 1234 5678", "--store", store)
    bookctl("contact", "label", "c-1", "VIP", "Morning class", "--store", store)
    bookctl("contact", "add", "--first-name", "Marco", "--email", "marco@example.it", "--store", store)
    exported = tmp_path / "contacts.vcf"
    assert bookctl("export", "contacts", "--format", "vcf", "--output", exported, "--store", store).exit_code == 0
    other = tmp_path / "other"
    bookctl("init", other, "--business", "B", "--currency", "EUR", "--timezone", "Europe/Rome")
    bookctl("field", "list", "--store", other)
    # The custom field is defined in the target, so its NOTE reads back into it.
    bookctl("contact", "add", "--first-name", "Tmp", "--store", other)
    bookctl("contact", "add-field", "c-1", "shoe-size", "1", "--type", "number", "--store", other)
    bookctl("contact", "delete", "c-1", "--yes", "--store", other)
    result = bookctl("import", "contacts", exported, "--store", other, "--format", "json")
    assert result.json()["created"] == 2, result.stderr
    keys = ("first_name", "last_name", "email", "phone", "phones", "address", "company", "birthday", "language",
            "labels", "custom_fields")
    for number in (1, 2):
        mine = bookctl("contact", "show", f"c-{number}", "--store", store, "--format", "json").json()
        theirs = bookctl("contact", "show", f"c-{number + 1}", "--store", other, "--format", "json").json()
        assert {k: theirs[k] for k in keys} == {k: mine[k] for k in keys}


def test_a_card_with_a_bad_value_is_rejected_by_its_begin_line(bookctl, store, tmp_path):
    path = tmp_path / "cards.vcf"
    path.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nEMAIL:ann@example.org\r\nEND:VCARD\r\n"
                    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bo\r\nN:;Bo;;;\r\nEMAIL:not an email\r\nEND:VCARD\r\n")
    before = tree_digest(store)
    refused = bookctl("import", "contacts", path, "--store", store)
    assert refused.exit_code == 2 and "line 7: EMAIL 'not an email' is not an email address" in refused.stderr
    assert tree_digest(store) == before
    kept = bookctl("import", "contacts", path, "--skip-invalid", "--store", store, "--format", "json")
    assert kept.json()["created"] == 1 and kept.json()["rejected"][0]["line"] == 7


@pytest.mark.parametrize(("text", "message"), [
    ("BEGIN:VCARD\nVERSION:4.0\nFN:Ann\n", "line 1: the card is never ended (END:VCARD)"),
    ("BEGIN:VCARD\nFN:Ann\nEND:VCARD\nstray text\n", "line 4: 'stray text' is outside any card"),
])
def test_a_broken_vcard_file_is_one_error_and_imports_nothing(bookctl, store, tmp_path, text, message):
    path = tmp_path / "broken.vcf"
    path.write_text(text)
    before = tree_digest(store)
    result = bookctl("import", "contacts", path, "--store", store)
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1
    assert tree_digest(store) == before
