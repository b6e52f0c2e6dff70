"""What only a PostgreSQL store has: a server to reach, a login, a schema with versions, SQL's own
guarantees, and locks other processes hold. The rest of tests/cli runs on PostgreSQL as well."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg
import pytest

from bookctl.storage.postgres import schema as pg_schema
from bookctl.storage.postgres.connect import WRITE_LOCK
from tests.conftest import database_url_of, run_process, tree_digest
from tests.pg_server import SECRET_PASSWORD, SECRET_USER, free_port

pytestmark = pytest.mark.backends("postgres")

BUSINESS = ("--business", "Studio Verde", "--timezone", "Europe/Rome")


@pytest.fixture
def pg_store(bookctl, tmp_path, pg_url):  # noqa: ANN001, ANN201
    """A PostgreSQL store with one service and one contact."""
    root = tmp_path / "pg"
    assert bookctl("init", root, *BUSINESS, "--database", pg_url).exit_code == 0
    assert bookctl("service", "add", "Physiotherapy", "--price", "65", "--duration", "45", "--store", root).exit_code == 0
    assert bookctl("contact", "add", "--first-name", "Ada", "--store", root).exit_code == 0
    return root


def _sql(url: str, query: str, params: object = None) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def test_init_keeps_settings_in_the_directory_and_records_in_the_database(bookctl, pg_store):
    toml = (pg_store / "bookctl.toml").read_text()
    assert "[storage]" in toml and "postgresql://" in toml
    assert not (pg_store / "data").exists()
    url = database_url_of(pg_store)
    assert _sql(url, "SELECT id, first_name FROM contacts") == [("c-1", "Ada")]
    assert _sql(url, "SELECT version FROM bookctl_schema") == [(pg_schema.LATEST,)]


def test_the_password_is_never_written_and_may_come_from_the_environment(bookctl, tmp_path, postgres_server):
    postgres_server.create_database("secret_db", owner=SECRET_USER)
    try:
        root = tmp_path / "s"
        url = postgres_server.url("secret_db", SECRET_USER, SECRET_PASSWORD)
        init = bookctl("init", root, *BUSINESS, "--database", url, "--format", "json")
        assert init.exit_code == 0, init.stderr
        assert SECRET_PASSWORD not in (root / "bookctl.toml").read_text()
        assert SECRET_PASSWORD not in init.stdout
        without = bookctl("contact", "list", "--store", root)
        assert without.exit_code == 4
        assert without.stderr.count("\n") == 1 and "refused the connection" in without.stderr
        assert SECRET_PASSWORD not in without.stderr
        with_env = bookctl("contact", "list", "--store", root, extra_env={"BOOKCTL_DATABASE_URL": url})
        assert with_env.exit_code == 0, with_env.stderr
    finally:
        postgres_server.drop_database("secret_db")


def test_wrong_credentials_are_exit_4_in_one_line(bookctl, pg_store, postgres_server):
    wrong = postgres_server.url("postgres", SECRET_USER, "wrong-password")
    result = bookctl("contact", "list", "--store", pg_store, extra_env={"BOOKCTL_DATABASE_URL": wrong})
    assert result.exit_code == 4
    assert result.stderr.startswith("error: the database server 127.0.0.1:") and result.stderr.count("\n") == 1
    assert "password authentication failed" in result.stderr
    assert "wrong-password" not in result.stderr


def test_an_unreachable_server_is_exit_5_in_one_line_and_nothing_changes(bookctl, pg_store):
    before = tree_digest(pg_store)
    nowhere = f"postgresql://bookctl@127.0.0.1:{free_port()}/nothing"
    result = bookctl("contact", "add", "--first-name", "Bruno", "--store", pg_store,
                     extra_env={"BOOKCTL_DATABASE_URL": nowhere})
    assert result.exit_code == 5
    assert result.stderr.startswith("error: cannot reach the database server 127.0.0.1:")
    assert result.stderr.count("\n") == 1
    assert tree_digest(pg_store) == before


def test_a_bad_database_url_is_exit_2_and_creates_nothing(bookctl, tmp_path):
    result = bookctl("init", tmp_path / "x", *BUSINESS, "--database", "mysql://somewhere/db")
    assert result.exit_code == 2
    assert "is not a postgresql://" in result.stderr
    assert not (tmp_path / "x").exists()


def test_init_refuses_a_database_that_already_holds_a_store(bookctl, pg_store, tmp_path):
    result = bookctl("init", tmp_path / "second", *BUSINESS, "--database", database_url_of(pg_store))
    assert result.exit_code == 1
    assert "already holds a bookctl store" in result.stderr and "copy that store's bookctl.toml" in result.stderr
    assert not (tmp_path / "second" / "bookctl.toml").exists()


def test_a_second_front_desk_sharing_the_database_sees_the_same_records(bookctl, pg_store, tmp_path):
    desk = tmp_path / "desk2"
    desk.mkdir()
    (desk / "bookctl.toml").write_bytes((pg_store / "bookctl.toml").read_bytes())
    added = bookctl("contact", "add", "--first-name", "Bruno", "--store", desk, "--format", "json")
    assert added.json()["id"] == "c-2"
    listed = bookctl("contact", "list", "--store", pg_store, "--format", "json").json()
    assert [c["id"] for c in listed] == ["c-1", "c-2"]


def test_a_schema_newer_than_bookctl_knows_is_exit_4_and_untouched(bookctl, pg_store):
    url = database_url_of(pg_store)
    _sql(url, "UPDATE bookctl_schema SET version = 99")
    before = tree_digest(pg_store)
    for args in (("contact", "list"), ("contact", "add", "--first-name", "Bruno"), ("store", "upgrade")):
        result = bookctl(*args, "--store", pg_store)
        assert result.exit_code == 4, args
        assert f"schema is version 99, newer than this bookctl knows ({pg_schema.LATEST})" in result.stderr
    assert tree_digest(pg_store) == before


def test_an_older_schema_asks_for_store_upgrade_which_brings_it_up(bookctl, pg_store):
    url = database_url_of(pg_store)
    # Back to version 1: what a database made by the first release looks like.
    _sql(url, "DROP TRIGGER ledger_refund_within_paid ON ledger; DROP FUNCTION ledger_refund_within_paid(); "
              "ALTER TABLE ledger DROP COLUMN idempotency_key, DROP COLUMN request, DROP COLUMN settled_at; "
              "ALTER TABLE bookings DROP COLUMN revision; "
              "ALTER TABLE contacts DROP COLUMN label_keys; DROP INDEX invoices_contact, quotes_contact; "
              "DROP TABLE timetable; ALTER TABLE sessions DROP COLUMN schedule_id; "
              "ALTER TABLE bookings DROP COLUMN course_booking_id, DROP COLUMN reminded, DROP COLUMN offer_expires_at; "
              "DROP TABLE webhook_deliveries; DROP TABLE passes; DROP TABLE plans; "
              "ALTER TABLE bookings DROP COLUMN pass_id; ALTER TABLE invoices DROP COLUMN pass_id; "
              "UPDATE bookctl_schema SET version = 1")
    result = bookctl("contact", "list", "--store", pg_store)
    assert result.exit_code == 4
    assert f"schema is version 1, this bookctl needs {pg_schema.LATEST}; run 'bookctl store upgrade'" in result.stderr
    upgraded = bookctl("store", "upgrade", "--store", pg_store, "--format", "json")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert upgraded.json() | {"store": ""} == {"store": "", "backend": "postgresql", "schema_before": 1,
                                               "schema_after": pg_schema.LATEST, "changed": True}
    assert _sql(url, "SELECT count(*) FROM pg_trigger WHERE tgname = 'ledger_refund_within_paid'") == [(1,)]
    assert bookctl("contact", "list", "--store", pg_store).exit_code == 0
    again = bookctl("store", "upgrade", "--store", pg_store, "--format", "json").json()
    assert (again["schema_before"], again["changed"]) == (pg_schema.LATEST, False)


def test_upgrade_to_the_label_index_folds_the_labels_already_there(bookctl, pg_store):
    url = database_url_of(pg_store)
    for args in (("contact", "label", "c-1", "Zoë Club", "VIP"), ("contact", "add", "--first-name", "Bea")):
        assert bookctl(*args, "--store", pg_store).exit_code == 0
    _sql(url, "ALTER TABLE contacts DROP COLUMN label_keys; DROP INDEX invoices_contact, quotes_contact; "
              "DROP TABLE timetable; ALTER TABLE sessions DROP COLUMN schedule_id; "
              "ALTER TABLE bookings DROP COLUMN course_booking_id, DROP COLUMN reminded, DROP COLUMN offer_expires_at; "
              "DROP TABLE webhook_deliveries; DROP TABLE passes; DROP TABLE plans; "
              "ALTER TABLE bookings DROP COLUMN pass_id; ALTER TABLE invoices DROP COLUMN pass_id; "
              "UPDATE bookctl_schema SET version = 4")  # as version 4 left a database
    assert bookctl("store", "upgrade", "--store", pg_store).exit_code == 0
    assert _sql(url, "SELECT id, label_keys FROM contacts ORDER BY id") == [("c-1", ["vip", "zoe club"]), ("c-2", [])]
    found = bookctl("contact", "list", "--label", "ZOE club", "--store", pg_store, "--format", "json")
    assert [c["id"] for c in found.json()] == ["c-1"]


def _paid_booking(bookctl, root) -> tuple[str, str]:  # noqa: ANN001
    booked = bookctl("session", "book", "--service", "physiotherapy", "--contact", "c-1", "--start",
                     "2026-11-24 10:00", "--store", root, "--format", "json")
    assert booked.exit_code == 0, booked.stderr
    booking = booked.json()["id"]
    paid = bookctl("payment", "collect", booking, "--method", "card", "--provider", "sandbox", "--card", "tok_visa",
                   "--store", root, "--format", "json")
    assert paid.exit_code == 0, paid.stderr
    return booking, _sql(database_url_of(root), "SELECT id FROM ledger WHERE booking_id = %s", [booking])[0][0]


def test_the_database_keeps_the_ledger_append_only_and_refunds_within_what_was_paid(bookctl, pg_store):
    booking, charge = _paid_booking(bookctl, pg_store)
    url = database_url_of(pg_store)
    for statement in ("UPDATE ledger SET amount_minor = 1", "DELETE FROM ledger"):
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="append-only"):
            _sql(url, statement)
    with pytest.raises(psycopg.errors.CheckViolation, match="more than entry"):
        _sql(url, "INSERT INTO ledger (id, booking_id, contact_id, kind, amount_minor, amount_currency, status, "
                  "created_at, refund_of, deposit) VALUES ('p-20261124-99', %s, 'c-1', 'refund', 6501, 'EUR', "
                  "'succeeded', now(), %s, false)", [booking, charge])
    assert _sql(url, "SELECT count(*), sum(amount_minor) FROM ledger") == [(1, 6500)]


def test_the_trigger_lets_a_pending_intent_be_settled_once_and_nothing_else(bookctl, pg_store):
    booking, charge = _paid_booking(bookctl, pg_store)
    url = database_url_of(pg_store)
    _sql(url, "INSERT INTO ledger (id, booking_id, contact_id, kind, amount_minor, amount_currency, status, "
              "created_at, refund_of, deposit, idempotency_key, request) VALUES ('p-20261124-98', %s, 'c-1', "
              "'refund', 6000, 'EUR', 'pending', now(), %s, false, 'k-98', '{\"call\": \"refund\"}')",
         [booking, charge])
    # A second pending refund may not take back more than the first leaves: pending ones count.
    with pytest.raises(psycopg.errors.CheckViolation, match="more than entry"):
        _sql(url, "INSERT INTO ledger (id, booking_id, contact_id, kind, amount_minor, amount_currency, status, "
                  "created_at, refund_of, deposit, idempotency_key) VALUES ('p-20261124-97', %s, 'c-1', 'refund', "
                  "501, 'EUR', 'pending', now(), %s, false, 'k-97')", [booking, charge])
    for statement in ("UPDATE ledger SET status = 'succeeded', settled_at = now(), amount_minor = 1 "
                      "WHERE id = 'p-20261124-98'",  # the amount never changes
                      "UPDATE ledger SET status = 'succeeded' WHERE id = 'p-20261124-98'",  # no settled_at
                      "UPDATE ledger SET status = 'voided', settled_at = now() WHERE id = 'p-20261124-98'",
                      "UPDATE ledger SET idempotency_key = 'k-other', status = 'failed', settled_at = now() "
                      "WHERE id = 'p-20261124-98'"):
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="append-only"):
            _sql(url, statement)
    _sql(url, "UPDATE ledger SET status = 'succeeded', settled_at = now(), reference = 're_1' WHERE id = 'p-20261124-98'")
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="append-only"):  # settled: final
        _sql(url, "UPDATE ledger SET status = 'failed', settled_at = now() WHERE id = 'p-20261124-98'")
    assert _sql(url, "SELECT status, reference FROM ledger WHERE id = 'p-20261124-98'") == [("succeeded", "re_1")]


def test_idempotency_keys_are_unique_in_the_database(bookctl, pg_store):
    url = database_url_of(pg_store)
    with pytest.raises(psycopg.errors.UniqueViolation):
        _sql(url, "INSERT INTO idempotency VALUES (repeat('a', 64), 'x', null), (repeat('a', 64), 'y', null)")


HOLD = """
import sys, psycopg
conn = psycopg.connect(sys.argv[1], autocommit=True)
conn.execute("SELECT pg_advisory_lock(%s)", [int(sys.argv[2])])
print("held", flush=True)
sys.stdin.read()
"""


def test_a_writer_holding_the_lock_makes_another_exit_4_and_a_reader_is_not_blocked(bookctl, pg_store):
    url = database_url_of(pg_store)
    before = tree_digest(pg_store)
    with subprocess.Popen([sys.executable, "-c", HOLD, url, str(WRITE_LOCK)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout.readline() == "held\n"
            locked = run_process("contact", "add", "--first-name", "Bruno", "--store", pg_store,
                                 env={"BOOKCTL_LOCK_TIMEOUT": "0"})
            assert (locked.returncode, locked.stderr) == (4, "error: store is locked by another bookctl; retry\n")
            read = run_process("contact", "list", "--store", pg_store, "--format", "json",
                               env={"BOOKCTL_LOCK_TIMEOUT": "0"})
            assert read.returncode == 0 and [c["id"] for c in json.loads(read.stdout)] == ["c-1"]
        finally:
            holder.kill()
    assert tree_digest(pg_store) == before
    after = run_process("contact", "add", "--first-name", "Bruno", "--store", pg_store, "--format", "json",
                        env={"BOOKCTL_LOCK_TIMEOUT": "0"})
    assert after.returncode == 0 and json.loads(after.stdout)["id"] == "c-2"


@pytest.mark.backends("files")  # the store starts as files
def test_config_set_storage_url_moves_a_file_store_to_an_empty_database_and_back(bookctl, tmp_path, pg_url):
    root = tmp_path / "files"
    assert bookctl("init", root, *BUSINESS).exit_code == 0
    assert bookctl("contact", "add", "--first-name", "Ada", "--store", root).exit_code == 0
    moved = bookctl("config", "set", "storage.url", pg_url, "--store", root, "--format", "json")
    assert moved.exit_code == 0, moved.stderr
    assert moved.json()["storage.url"] == pg_url
    assert bookctl("contact", "list", "--store", root, "--format", "json").json() == []  # records are not moved
    assert _sql(pg_url, "SELECT version FROM bookctl_schema") == [(pg_schema.LATEST,)]
    back = bookctl("config", "set", "storage.url", "", "--store", root, "--format", "json")
    assert "storage.url" not in back.json()
    assert [c["id"] for c in bookctl("contact", "list", "--store", root, "--format", "json").json()] == ["c-1"]


def test_doctor_finds_a_class_over_its_places_after_a_hand_edit_in_sql(bookctl, tmp_path, pg_url):
    root = tmp_path / "classes"
    assert bookctl("init", root, *BUSINESS, "--database", pg_url).exit_code == 0
    assert bookctl("service", "add", "Yoga", "--kind", "class", "--capacity", "3", "--price", "18", "--duration", "60",
                   "--store", root).exit_code == 0
    for name in ("Ada", "Bruno"):
        who = bookctl("contact", "add", "--first-name", name, "--store", root, "--format", "json").json()["id"]
        assert bookctl("session", "book", "--service", "yoga", "--start", "2026-11-24 18:00", "--contact", who,
                       "--store", root).exit_code == 0
    assert bookctl("doctor", "--store", root).exit_code == 0
    _sql(pg_url, "UPDATE sessions SET capacity = 1")
    result = bookctl("doctor", "--store", root, "--format", "json")
    assert result.exit_code == 4
    assert [row["problem"] for row in json.loads(result.stdout)] == ["has 2 confirmed bookings for 1 places"]


def test_a_kill_9_mid_seed_leaves_all_or_nothing_and_a_clean_doctor(bookctl, tmp_path, pg_url):
    import os
    import signal
    import time

    from tests.conftest import NOW

    pg_store = tmp_path / "seeded"
    assert bookctl("init", pg_store, *BUSINESS, "--database", pg_url).exit_code == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")} | {"BOOKCTL_NOW": NOW}
    seeding = subprocess.Popen([sys.executable, "-m", "bookctl", "demo", "seed", "--contacts", "300", "--bookings",
                                "3000", "--days", "30", "--store", str(pg_store)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = database_url_of(pg_store)
    deadline = time.monotonic() + 60
    # Kill it once it is writing: its transaction holds rows no one else can see yet.
    while not _sql(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND state = 'idle in transaction' AND backend_xid IS NOT NULL")[0][0]:
        assert seeding.poll() is None and time.monotonic() < deadline, seeding.stderr.read()
        time.sleep(0.02)
    os.kill(seeding.pid, signal.SIGKILL)
    assert seeding.wait(timeout=30) == -signal.SIGKILL
    assert _sql(url, "SELECT count(*) FROM bookings") == [(0,)]
    assert _sql(url, "SELECT count(*) FROM contacts") == [(0,)]
    assert bookctl("doctor", "--store", pg_store).exit_code == 0
    seeded = bookctl("demo", "seed", "--contacts", "30", "--bookings", "100", "--days", "5", "--store", pg_store)
    assert seeded.exit_code == 0, seeded.stderr  # the killed seed left nothing behind to refuse over
