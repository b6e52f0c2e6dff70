"""Fixtures the payment tests share (imported by name into each test module)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookctl.providers import manager

TOMORROW = "2026-11-24"



@pytest.fixture(autouse=True)
def _builtin_providers_only(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN202
    """Only the built-in providers, and a fresh plugin manager for every test."""
    monkeypatch.setenv("BOOKCTL_LOAD_PLUGINS", "")
    manager.reset()
    yield
    manager.reset()


def json_runner(bookctl, store: Path):  # noqa: ANN001, ANN201
    """run(...) on `store`, with --store and --format json appended."""
    def invoke(*args: str, input: str | None = None):  # noqa: ANN202
        return bookctl(*args, "--store", store, "--format", "json", input=input)

    return invoke


def must_succeed(run):  # noqa: ANN001, ANN201
    """ok(...) -> the JSON of a command that must succeed."""
    def invoke(*args: str):  # noqa: ANN202
        result = run(*args)
        assert result.exit_code == 0, (args, result.stderr)
        return result.json()

    return invoke


@pytest.fixture
def run(bookctl, store: Path):  # noqa: ANN001, ANN201
    """run(...) with --store and --format json appended."""
    return json_runner(bookctl, store)


@pytest.fixture
def ok(run):  # noqa: ANN001, ANN201
    """ok(...) -> the JSON of a command that must succeed."""
    return must_succeed(run)


@pytest.fixture
def contact(ok):  # noqa: ANN001, ANN201
    """contact("Ada") -> a new contact's id."""
    return lambda name: ok("contact", "add", "--first-name", name)["id"]


@pytest.fixture
def booking(ok, contact):  # noqa: ANN001, ANN201
    """booking(start=...) -> a physiotherapy booking id (price 65, deposit 20, fees 25/30, 24 h window)."""
    def make(start: str = f"{TOMORROW} 10:00", who: str = "Ada", *extra: str) -> str:
        return ok("session", "book", "--service", "physiotherapy", "--contact", contact(who), "--start", start,
                  *extra)["id"]

    return make


def figures(ok, booking_id: str) -> tuple[str, str, str, str]:  # noqa: ANN001
    """(payment_status, paid, refunded, due) of a booking, amounts as decimal strings."""
    shown = ok("session", "show", booking_id)
    return shown["payment_status"], shown["paid"]["amount"], shown["refunded"]["amount"], shown["due"]["amount"]


def refused(run, store: Path, code: int, *args: str) -> str:  # noqa: ANN001
    """Run a command that must be refused with `code`, printing nothing and changing nothing in the
    store: its one error line."""
    from tests.conftest import tree_digest

    before = tree_digest(store)
    result = run(*args)
    assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert tree_digest(store) == before
    return one_error_line(result.stderr)


def doctor_problems(bookctl, store: Path) -> list[dict[str, str]]:  # noqa: ANN001
    """doctor on a store broken by hand: exit 4, one error line, nothing changed; the problem rows."""
    from tests.conftest import tree_digest

    before = tree_digest(store)
    done = bookctl("doctor", "--store", store, "--format", "json")
    assert done.exit_code == 4, (done.stdout, done.stderr)
    one_error_line(done.stderr)
    assert tree_digest(store) == before
    return done.json()


def one_error_line(stderr: str) -> str:
    """The single `error: ...` line a refused command prints."""
    assert stderr.startswith("error: "), stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    return stderr
