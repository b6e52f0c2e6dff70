"""`demo seed`: a realistic studio, byte-identical for the same arguments."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import NOW, records_digest, run_process, tree_digest




SEED_ARGS = ("--contacts", "30", "--bookings", "300", "--seed", "7", "--start", "2026-11-23")
SUMMARY = {"contacts": 30, "bookings": 300, "days": 14, "first_day": "2026-11-16", "last_day": "2026-11-29",
           "services": 5, "staff": 3}


def fresh_store(bookctl, root: Path) -> Path:  # noqa: ANN001
    """An empty store, as `init` makes it."""
    result = bookctl("init", root, "--business", "Demo Studio", "--currency", "EUR", "--timezone", "Europe/Rome")
    assert result.exit_code == 0, result.stderr
    return root


def seeded_store(bookctl, root: Path, *args: str) -> Path:  # noqa: ANN001
    """A fresh store filled by `demo seed args`."""
    fresh_store(bookctl, root)
    result = bookctl("demo", "seed", *args, "--store", root, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return root


def store_files(root: Path) -> dict[str, str]:
    """The digest of what seeding writes: the records, and bookctl.toml but for its database's URL
    and the store's id (each `init` mints its own)."""
    settings = (root / "bookctl.toml").read_text()
    settings = re.sub(r"\n\[storage\]\nurl = .*\n", "\n", settings)
    settings = re.sub(r'\nid = "[0-9a-f]{32}"\n', "\n", settings)
    return {**records_digest(root), "bookctl.toml": hashlib.sha256(settings.encode()).hexdigest()}


@pytest.fixture
def seeded(bookctl, tmp_path) -> Path:  # noqa: ANN001
    """A store seeded with SEED_ARGS."""
    return seeded_store(bookctl, tmp_path / "demo", *SEED_ARGS)


@pytest.fixture
def seeded_bookings(bookctl, seeded) -> list[dict]:  # noqa: ANN001
    """Every booking of the seeded calendar, as `session list --format json` shows them."""
    result = bookctl("session", "list", "--from", SUMMARY["first_day"], "--to", SUMMARY["last_day"],
                     "--store", seeded, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_demo_seed_with_the_same_arguments_writes_byte_identical_files(bookctl, seeded, tmp_path):
    again = seeded_store(bookctl, tmp_path / "again", *SEED_ARGS)
    assert store_files(again) == store_files(seeded)
    assert len(records_digest(seeded)) > 10


def test_demo_seed_with_another_seed_writes_different_files(bookctl, seeded, tmp_path):
    other_args = [*SEED_ARGS]
    other_args[other_args.index("--seed") + 1] = "8"
    other = seeded_store(bookctl, tmp_path / "other", *other_args)
    assert records_digest(other) != records_digest(seeded)


def test_demo_seed_prints_its_summary(bookctl, tmp_path):
    root = fresh_store(bookctl, tmp_path / "demo")
    result = bookctl("demo", "seed", *SEED_ARGS, "--store", root, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == SUMMARY


def test_demo_seed_makes_as_many_bookings_as_asked(seeded_bookings):
    assert len(seeded_bookings) == 300


def test_demo_seed_of_a_dense_calendar_makes_exactly_as_many_bookings_as_asked(bookctl, tmp_path):
    # 200 bookings a day for 5 days: the slots must absorb every day's share, the last day's too.
    root = seeded_store(bookctl, tmp_path / "dense", "--contacts", "300", "--bookings", "1000", "--days", "5",
                        "--seed", "1", "--start", "2026-11-23")
    listed = bookctl("session", "list", "--from", "2026-11-01", "--to", "2026-12-31", "--store", root, "--format", "json")
    assert len(listed.json()) == 1000


def test_demo_seed_makes_as_many_contacts_as_asked(bookctl, seeded):
    contacts = bookctl("contact", "list", "--store", seeded, "--format", "json").json()
    assert [c["id"] for c in contacts] == [f"c-{n}" for n in range(1, 31)]


def test_demo_seed_of_a_store_that_has_contacts_is_exit_1_and_changes_nothing(bookctl, store):
    assert bookctl("contact", "add", "--first-name", "Zoë", "--store", store).exit_code == 0
    before = tree_digest(store)
    result = bookctl("demo", "seed", *SEED_ARGS, "--store", store)
    assert result.exit_code == 1
    assert result.stderr == "error: demo seed fills an empty store; this one already has contacts or sessions\n"
    assert result.stdout == ""
    assert tree_digest(store) == before


def test_demo_seed_of_a_store_that_has_sessions_is_exit_1_and_changes_nothing(bookctl, store):
    assert bookctl("session", "add", "--service", "yoga-flow", "--start", "2026-11-24 18:00",
                   "--store", store).exit_code == 0
    before = tree_digest(store)
    result = bookctl("demo", "seed", *SEED_ARGS, "--store", store)
    assert result.exit_code == 1
    assert tree_digest(store) == before


def test_demo_seed_has_past_bookings_checked_in_and_no_shows(seeded_bookings):
    now = datetime.fromisoformat(NOW)
    past = Counter(b["attendance"] for b in seeded_bookings
                   if b["status"] == "confirmed" and datetime.fromisoformat(b["end"]) <= now)
    assert past["checked_in"] > 0
    assert past["no_show"] > 0


def test_demo_seed_marks_no_attendance_on_sessions_still_to_come(seeded_bookings):
    now = datetime.fromisoformat(NOW)
    upcoming = {b["attendance"] for b in seeded_bookings if datetime.fromisoformat(b["start"]) > now}
    assert upcoming == {"booked"}


def test_demo_seed_has_classes_with_several_bookings(bookctl, seeded, seeded_bookings):
    services = bookctl("service", "list", "--store", seeded, "--format", "json").json()
    classes = {s["id"] for s in services if s["kind"] in ("class", "course")}
    per_session = Counter(b["session_id"] for b in seeded_bookings if b["service_id"] in classes)
    assert classes
    assert max(per_session.values()) >= 3


def test_demo_seed_contacts_carry_names_in_several_scripts(bookctl, seeded):
    contacts = bookctl("contact", "list", "--store", seeded, "--format", "json").json()
    names = " ".join(f"{c['first_name']} {c['last_name']}" for c in contacts)
    assert any(ch.isascii() and ch.isalpha() for ch in names)
    assert any(not ch.isascii() and ch.isalpha() for ch in names)


def test_demo_seed_piped_prints_only_the_summary(bookctl, tmp_path):
    root = fresh_store(bookctl, tmp_path / "demo")
    done = run_process("demo", "seed", *SEED_ARGS, "--store", root, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == SUMMARY
    assert done.stderr == ""


def test_demo_seed_refuses_a_bad_start_date(bookctl, tmp_path):
    root = fresh_store(bookctl, tmp_path / "demo")
    before = tree_digest(root)
    result = bookctl("demo", "seed", "--start", "2026-11-31", "--store", root)
    assert result.exit_code == 2
    assert result.stderr == "error: --start '2026-11-31' is not a valid date; use YYYY-MM-DD\n"
    assert tree_digest(root) == before
