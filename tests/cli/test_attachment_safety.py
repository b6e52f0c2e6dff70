"""Attachments against hostile paths (issue #16): `attach` takes only regular files and nothing from
/proc, /sys or /dev; `attachment get` never overwrites a file unasked, and `--output -` is stdout."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bookctl.cli import app
from tests.cli._payment_fixtures import doctor_problems, one_error_line
from tests.conftest import tree_digest


def ok(bookctl, *args):  # noqa: ANN001, ANN201
    result = bookctl(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def refused(bookctl, store: Path, code: int, *args: str) -> str:  # noqa: ANN001
    """Run a command that must be refused with `code`, printing nothing and changing nothing; its error."""
    before = tree_digest(store)
    result = bookctl(*args, "--store", store)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert tree_digest(store) == before
    return one_error_line(result.stderr)


@pytest.fixture
def zoe(bookctl, store) -> str:  # noqa: ANN001
    return ok(bookctl, "contact", "add", "--first-name", "Zoë", "--store", store)["id"]


@pytest.fixture
def attached(bookctl, store, zoe, tmp_path: Path) -> bytes:  # noqa: ANN001
    """Attach a binary file (every byte value, not valid UTF-8) to Zoë as a-1; its bytes."""
    data = bytes(range(256)) * 8 + random.Random(16).randbytes(3001)
    source = tmp_path / "outside" / "scan.pdf"
    source.parent.mkdir()
    source.write_bytes(data)
    ok(bookctl, "contact", "attach", zoe, source, "--store", store)
    return data


# --- attachment get ------------------------------------------------------------------------------

def test_attachment_get_keeps_an_existing_output_file_without_force(bookctl, store, attached, tmp_path):
    out = tmp_path / "mine.pdf"
    out.write_bytes(b"the user's own file")
    error = refused(bookctl, store, 1, "contact", "attachment", "get", "a-1", "--output", out)
    assert error == f"error: --output {str(out)!r} already exists; add --force to replace it\n"
    assert out.read_bytes() == b"the user's own file"


def test_attachment_get_keeps_a_symlink_at_the_output_without_force(bookctl, store, attached, tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_bytes(b"keep me")
    out = tmp_path / "link.pdf"
    out.symlink_to(target)
    refused(bookctl, store, 1, "contact", "attachment", "get", "a-1", "--output", out)
    assert out.is_symlink() and target.read_bytes() == b"keep me"


def test_attachment_get_to_dash_writes_the_bytes_alone_to_stdout(bookctl, store, attached):
    # CliRunner's own result keeps stdout as bytes: the fixture's text form would not show them exactly.
    result = CliRunner().invoke(app, ["contact", "attachment", "get", "a-1", "--output", "-", "--store", str(store)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == attached


def test_attachment_get_to_an_empty_output_is_exit_2(bookctl, store, attached):
    error = refused(bookctl, store, 2, "contact", "attachment", "get", "a-1", "--output", "")
    assert error == "error: --output must name a file, or - for stdout\n"


# --- attach --------------------------------------------------------------------------------------

def test_attach_refuses_a_fifo_without_waiting_for_a_writer(bookctl, store, zoe, tmp_path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    error = refused(bookctl, store, 2, "contact", "attach", zoe, fifo)
    assert "is not a regular file" in error


@pytest.mark.parametrize(("path", "tree"), [("/proc/self/environ", "/proc"), ("/sys/kernel/uevent_seqnum", "/sys"),
                                            ("/dev/null", "/dev")])
def test_attach_refuses_a_file_of_the_system_trees(bookctl, store, zoe, path, tree):
    error = refused(bookctl, store, 2, "contact", "attach", zoe, path)
    assert error == (f"error: FILE {path!r} is under {tree}, a view of the system rather than a document; "
                     "attach a regular file\n")


def test_attach_refuses_a_path_that_leads_into_proc_through_a_linked_directory(bookctl, store, zoe, tmp_path):
    (tmp_path / "innocent").symlink_to("/proc/self")  # FILE itself is no symlink: only its real path tells
    path = tmp_path / "innocent" / "environ"
    error = refused(bookctl, store, 2, "contact", "attach", zoe, path)
    assert "is under /proc" in error


# --- doctor --------------------------------------------------------------------------------------

BLOB = Path("data") / "attachments" / "00000" / "a-1.bin"


def blob_sql(store: Path, statement: str) -> None:
    import psycopg

    from tests.conftest import database_url_of

    with psycopg.connect(database_url_of(store), autocommit=True) as conn:
        conn.execute(statement)


def test_doctor_is_ok_with_attachments_as_they_were_attached(bookctl, store, attached):
    done = bookctl("doctor", "--store", store, "--format", "json")
    assert done.exit_code == 0, done.stdout
    assert done.json()["status"] == "ok"


@pytest.mark.backends("files")  # planted in the files by hand
def test_doctor_finds_an_attachment_whose_file_is_missing(bookctl, store, attached, zoe):
    (store / BLOB).unlink()
    assert doctor_problems(bookctl, store) == [
        {"file": "attachment a-1", "problem": f"'scan.pdf' of contact {zoe}: its bytes are missing ({store / BLOB})"}]


@pytest.mark.backends("files")  # planted in the files by hand
def test_doctor_finds_an_attachment_whose_file_was_altered(bookctl, store, attached, zoe):
    (store / BLOB).write_bytes(b"X" + attached[1:])  # same size: only the sha256 tells
    assert doctor_problems(bookctl, store) == [
        {"file": "attachment a-1", "problem": f"'scan.pdf' of contact {zoe}: its bytes do not match the sha256 "
                                              "recorded when it was attached; the file was altered or damaged "
                                              f"({store / BLOB})"}]


@pytest.mark.backends("files")  # planted in the files by hand
def test_doctor_lists_a_damaged_card_file_rather_than_stopping_at_it(bookctl, store, attached):
    card = store / "data" / "cards" / "00000.json"
    card.write_bytes(b"{ half a ca")
    [row] = doctor_problems(bookctl, store)
    assert row["file"] == str(card)


@pytest.mark.backends("postgres")  # planted by SQL
def test_doctor_finds_an_attachment_whose_bytes_are_missing_from_the_database(bookctl, store, attached, zoe):
    blob_sql(store, "DELETE FROM attachment_blobs")
    assert doctor_problems(bookctl, store) == [
        {"file": "attachment a-1", "problem": f"'scan.pdf' of contact {zoe}: its bytes are missing "
                                              "(database table attachment_blobs, row a-1)"}]


@pytest.mark.backends("postgres")  # planted by SQL
def test_doctor_finds_an_attachment_whose_bytes_were_altered_in_the_database(bookctl, store, attached):
    blob_sql(store, "UPDATE attachment_blobs SET data = 'altered'::bytea")
    [row] = doctor_problems(bookctl, store)
    assert row["file"] == "attachment a-1" and "do not match the sha256" in row["problem"]


@pytest.mark.backends("postgres")  # planted by SQL
def test_attachment_get_of_bytes_altered_in_the_database_is_exit_4_naming_the_row(bookctl, store, attached, tmp_path):
    blob_sql(store, "UPDATE attachment_blobs SET data = 'altered'::bytea")
    result = bookctl("contact", "attachment", "get", "a-1", "--output", tmp_path / "out.pdf", "--store", store)
    assert result.exit_code == 4
    assert one_error_line(result.stderr) == ("error: database table attachment_blobs, row a-1: does not match its "
                                             "sha256; the file is damaged\n")
