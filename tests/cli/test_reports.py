"""`report attendance|revenue|clients` (bookctl #21), driven through the CLI on a year of activity.

The expected figures are worked out here again, independently, from what other commands print
(`payment list`, `export bookings`, `invoice list`), and compared with every cell of the reports.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import defaultdict
from decimal import Decimal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli._report_store import PHYSIO, YOGA, at, seed_year
from tests.conftest import NOW, tree_digest

YEAR = ("--from", "2026-01-01", "--to", "2026-11-30")


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[dict[str, Path], list]]:
    """The year's store of each backend, made once for this module: the reports only read it."""
    made: dict[str, Path] = {}
    drops: list = []
    made_drops = made, drops
    yield made_drops  # type: ignore[misc]
    for drop in drops:
        drop()


@pytest.fixture
def year(bookctl, backend, seeded, tmp_path_factory, request) -> Iterator[Path]:  # noqa: ANN001
    """The shared store holding tests/cli/_report_store.py's year (read only: a test that writes
    seeds its own with `fresh_year`)."""
    stores, drops = seeded
    if backend not in stores:
        root = tmp_path_factory.mktemp(f"year-{backend}") / "store"
        database: list[str] = []
        if backend == "postgres":  # a database of the module's own, not the test's (dropped after it)
            server = request.getfixturevalue("postgres_server")
            name = f"year_{os.getpid()}"
            server.create_database(name)
            drops.append(lambda: server.drop_database(name))
            database = ["--database", server.url(name)]
        assert bookctl("init", root, "--business", "Studio Verde", "--currency", "EUR", "--timezone", "Europe/Rome",
                       *database).exit_code == 0
        for args in (("Physiotherapy", "--price", "65", "--duration", "45", "--deposit", "20", "--cancellation-fee",
                      "25", "--no-show-fee", "30"),
                     ("Yoga Flow", "--kind", "class", "--capacity", "3", "--price", "18", "--duration", "60")):
            assert bookctl("service", "add", *args, "--store", root).exit_code == 0
        for name, extra in (("Giulia Romano", ("--email", "giulia@studio.example")), ("Sanne de Vries", ())):
            assert bookctl("staff", "add", name, *extra, "--store", root).exit_code == 0
        seed_year(bookctl, root)
        stores[backend] = root
    before = tree_digest(stores[backend])
    yield stores[backend]
    assert tree_digest(stores[backend]) == before, "a report changed the store it read"


@pytest.fixture
def yok(bookctl, year):  # noqa: ANN001, ANN201
    """ok(...) on the year's store: the JSON of a command that must succeed."""
    def invoke(*args: str, extra_env: dict[str, str] | None = None):  # noqa: ANN202
        result = bookctl(*args, "--store", year, "--format", "json", extra_env=extra_env)
        assert result.exit_code == 0, result.stderr
        return result.json()

    return invoke


@pytest.fixture
def fresh_year(bookctl, store: Path) -> Path:  # noqa: ANN001
    """A store of its own holding the year, for a test that adds to it."""
    seed_year(bookctl, store)
    return store


def cents(money: dict[str, str] | None) -> int | None:
    return None if money is None else int(Decimal(money["amount"]) * 100)


def entry_cents(entry: dict[str, Any]) -> dict[str, int]:
    """What one ledger entry (as `payment list` prints it) adds to the revenue columns, in cents."""
    amount, kind, status = cents(entry["amount"]), entry["kind"], entry["status"]
    if kind == "refund":
        return {"refunded": amount if status == "succeeded" else 0}
    if kind in ("cancellation_fee", "no_show_fee"):
        return {"charged": amount if status == "succeeded" else 0,
                "fees_kept": amount if status in ("succeeded", "kept") else 0}
    if entry["invoice_id"] and entry["booking_id"] and entry["idempotency_key"] is None:
        return {"charged": {"pending": amount, "voided": -amount}.get(status, 0)}  # a booking's invoice issued, voided
    if status == "succeeded" and not (entry["invoice_id"] and entry["booking_id"]):
        return {"charged": amount}  # a booking's invoice paid was counted when issued
    return {}


def expected_revenue(ok, by: str) -> tuple[dict[str, dict[str, int]], dict[str, int]]:  # noqa: ANN001
    """Revenue by group, in cents, from `payment list` and `export bookings` alone."""
    bookings = {b["id"]: b for b in ok("export", "bookings", "--format", "json")}
    groups: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(("charged", "refunded", "fees_kept"), 0))

    def group_of(entry: dict[str, Any]) -> str:
        booking = bookings.get(entry["booking_id"] or "")
        if by == "month":
            return entry["created_at"][:7]
        if by in ("service", "staff"):
            return (booking[f"{by}_id"] if booking else None) or "none"
        return entry[by] or "none"

    for entry in ok("payment", "list"):
        if "2026-01-01" <= entry["created_at"][:10] <= "2026-11-30":
            for name, amount in entry_cents(entry).items():
                groups[group_of(entry)][name] += amount
    outstanding: dict[str, int] = defaultdict(int)
    for booking in bookings.values():
        if booking["end"] <= NOW and booking["start"][:10] <= "2026-11-30":
            key = {"month": booking["start"][:7], "service": booking["service_id"],
                   "staff": booking["staff_id"] or "none"}.get(by, "none")
            outstanding[key] += cents(booking["due"])
    return groups, outstanding


@pytest.mark.parametrize("by", ["month", "service", "staff", "method", "provider"])
def test_revenue_reconciles_to_the_ledger_to_the_cent(yok, by):
    report = yok("report", "revenue", "--by", by, *YEAR)
    groups, outstanding = expected_revenue(yok, by)
    assert {row["group"] for row in report["rows"]} == set(groups) | {g for g, due in outstanding.items()
                                                                        if due and by not in ("method", "provider")}
    for row in report["rows"]:
        want = groups.get(row["group"], {"charged": 0, "refunded": 0, "fees_kept": 0})
        got = {name: cents(row[name]) for name in ("charged", "refunded", "fees_kept", "net", "outstanding")}
        assert got["charged"] == want["charged"], row
        assert got["refunded"] == want["refunded"], row
        assert got["fees_kept"] == want["fees_kept"], row
        assert got["net"] == want["charged"] - want["refunded"], row
        assert got["outstanding"] == (None if by in ("method", "provider") else outstanding.get(row["group"], 0)), row
        assert {row[name]["currency"] for name in ("charged", "net")} == {"EUR"}
    total = {name: cents(report["total"][name]) for name in ("charged", "refunded", "fees_kept", "net", "outstanding")}
    assert total["charged"] == sum(g["charged"] for g in groups.values())
    assert total["net"] == sum(g["charged"] - g["refunded"] for g in groups.values())
    assert total["outstanding"] == sum(outstanding.values())


def test_revenue_totals_agree_whatever_the_grouping(yok):
    totals = [yok("report", "revenue", "--by", by, *YEAR)["total"] for by in ("month", "service", "staff", "method",
                                                                            "provider")]
    assert all(total == totals[0] for total in totals)
    # The year's figures, added up by hand from tests/cli/_report_store.py.
    assert {k: v["amount"] for k, v in totals[0].items()} == {
        "charged": "768.00", "refunded": "93.00", "fees_kept": "50.00", "net": "675.00", "outstanding": "1219.00"}


def test_revenue_names_open_and_overdue_invoices(yok):
    report = yok("report", "revenue", *YEAR)
    assert (report["open_invoices"], report["open_invoices_total"]["amount"]) == (1, "40.00")
    assert (report["overdue_invoices"], report["overdue_invoices_total"]["amount"]) == (1, "40.00")
    later = yok("report", "revenue", extra_env=at("2026-11-10"))  # before its due date
    assert (later["open_invoices"], later["overdue_invoices"]) == (1, 0)


def test_revenue_of_a_month_holds_only_its_entries(yok):
    march = yok("report", "revenue", "--month", "2026-03", "--by", "service")
    physio = next(row for row in march["rows"] if row["group"] == PHYSIO)
    assert (physio["name"], physio["charged"]["amount"], physio["refunded"]["amount"],
            physio["fees_kept"]["amount"], physio["net"]["amount"]) == ("Physiotherapy", "65.00", "40.00", "25.00", "25.00")
    assert (march["from"], march["to"]) == ("2026-03-01", "2026-03-31")


def expected_attendance(yok) -> dict[str, dict[str, int]]:  # noqa: ANN001
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for booking in yok("export", "bookings", "--format", "json", *YEAR):
        cell = counts[booking["service_id"]]
        cell["bookings"] += 1
        cell["cancellations"] += booking["status"] == "cancelled"
        confirmed = booking["status"] == "confirmed"
        cell["checked_in"] += confirmed and booking["attendance"] == "checked_in"
        cell["no_shows"] += confirmed and booking["attendance"] == "no_show"
        cell["ended"] += confirmed and booking["end"] <= NOW
    return counts


def test_attendance_by_service_counts_every_booking(yok):
    report = yok("report", "attendance", "--by", "service", *YEAR)
    want = expected_attendance(yok)
    rows = {row["group"]: row for row in report["rows"]}
    assert set(rows) == {PHYSIO, YOGA}
    for service, row in rows.items():
        for name in ("bookings", "checked_in", "no_shows", "cancellations"):
            assert row[name] == want[service][name], (service, name)
        assert Decimal(row["no_show_rate"]) == round(Decimal(want[service]["no_shows"]) / want[service]["ended"], 4)
    # Late: the two cancellations on the morning of the appointment; the one nine days ahead is not.
    assert (rows[PHYSIO]["late_cancellations"], rows[PHYSIO]["cancellations"]) == (2, 3)
    assert rows[YOGA]["utilisation"] == "1"  # every class was full
    assert rows[PHYSIO]["utilisation"] is None  # appointments have no places to fill
    assert (rows[PHYSIO]["name"], rows[YOGA]["name"]) == ("Physiotherapy", "Yoga Flow")


def test_attendance_totals_agree_whatever_the_grouping(yok):
    reports = {by: yok("report", "attendance", "--by", by, *YEAR)
               for by in ("service", "staff", "weekday", "hour", "month", "contact")}
    counts = ("bookings", "checked_in", "no_shows", "late_cancellations", "cancellations", "no_show_rate")
    for by, report in reports.items():
        assert {k: report["total"][k] for k in counts} == {k: reports["service"]["total"][k] for k in counts}, by
        assert sum(row["bookings"] for row in report["rows"]) == report["total"]["bookings"], by
    assert [row["group"] for row in reports["month"]["rows"]] == [f"2026-{m:02d}" for m in range(1, 12)]
    assert [row["group"] for row in reports["hour"]["rows"]] == ["10:00", "15:00", "18:00"]
    weekdays = [row["group"] for row in reports["weekday"]["rows"]]
    assert weekdays == sorted(weekdays, key=["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                             "sunday"].index)
    assert reports["contact"]["total"]["utilisation"] is None


def test_attendance_rates_wait_for_the_session_to_end(ok, store):
    ada = ok("contact", "add", "--first-name", "Ada")["id"]
    ok("session", "book", "--service", PHYSIO, "--contact", ada, "--start", "2026-11-25 10:00")
    row = ok("report", "attendance", "--month", "2026-11")["rows"][0]
    assert (row["bookings"], row["no_show_rate"]) == (1, None)


def test_clients_tells_new_from_returning(yok):
    january = yok("report", "clients", "--month", "2026-01")
    assert (january["clients"], january["new_clients"], january["returning_clients"]) == (3, 3, 0)
    assert {row["name"]: row["visits"] for row in january["rows"]} == {"Bruno": 2, "Chiara": 1, "Dario": 1}
    assert january["top_by_visits"][0]["name"] == "Bruno"
    november = yok("report", "clients", "--month", "2026-11")
    assert (november["clients"], november["new_clients"], november["returning_clients"]) == (3, 0, 3)
    assert {row["status"] for row in november["rows"]} == {"returning"}


def test_clients_top_by_revenue_is_the_net_paid_in_the_period(yok):
    net: dict[str, int] = defaultdict(int)
    for entry in yok("payment", "list"):
        if entry["created_at"][:10] <= "2026-11-30":
            money = entry_cents(entry)
            net[entry["contact_id"]] += money.get("charged", 0) - money.get("refunded", 0)
    top = yok("report", "clients", *YEAR)["top_by_revenue"]
    assert [(row["contact_id"], cents(row["net"])) for row in top] == sorted(
        ((contact, minor) for contact, minor in net.items() if minor > 0), key=lambda pair: -pair[1])[:10]
    assert len({row["contact_id"] for row in top}) == len(top) > 1


def test_clients_lists_the_lapsed_with_their_last_visit(fresh_year, ok):
    feb = at("2026-02-01")
    gino = ok("contact", "add", "--first-name", "Gino", extra_env=feb)["id"]
    hana = ok("contact", "add", "--first-name", "Hana", extra_env=feb)["id"]
    came = ok("session", "book", "--service", PHYSIO, "--contact", gino, "--start", "2026-02-03 10:00",
              extra_env=feb)["id"]
    ok("session", "checkin", came, extra_env=at("2026-02-03", "10:30"))
    missed = ok("session", "book", "--service", PHYSIO, "--contact", hana, "--start", "2026-02-04 10:00",
                extra_env=feb)["id"]
    ok("session", "no-show", missed, extra_env=at("2026-02-04", "11:00"))
    report = ok("report", "clients", "--month", "2026-11", "--lapsed-days", "60")
    assert report["lapsed"] == [{"contact_id": gino, "name": "Gino", "last_visit": "2026-02-03", "days_since": 300}]
    assert report["lapsed_clients"] == 1
    assert ok("report", "clients", "--month", "2026-11", "--lapsed-days", "400")["lapsed"] == []


def test_reports_default_to_the_last_30_days(ok, store):
    for kind in ("attendance", "revenue", "clients"):
        report = ok("report", kind)
        assert (report["report"], report["from"], report["to"]) == (kind, "2026-10-25", "2026-11-23")
    assert ok("report", "revenue", "--from", "2026-11-01")["to"] == "2026-11-23"
    assert ok("report", "revenue", "--to", "2026-01-31")["from"] == "2026-01-02"


def test_csv_and_ndjson_hold_the_rows_alone(year, bookctl, yok):
    rows = yok("report", "revenue", "--by", "service", *YEAR)["rows"]
    text = bookctl("report", "revenue", "--by", "service", *YEAR, "--store", year, "--format", "csv").stdout
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert list(parsed[0]) == ["group", "name", "charged", "refunded", "fees_kept", "net", "outstanding", "currency"]
    assert [(r["group"], r["net"], r["currency"]) for r in parsed] == [(r["group"], r["net"]["amount"], "EUR") for r in rows]
    lines = bookctl("report", "revenue", "--by", "service", *YEAR, "--store", year, "--format", "ndjson").stdout
    assert [json.loads(line) for line in lines.splitlines()] == rows


def test_piped_table_is_data_alone(year, bookctl):
    text = bookctl("report", "attendance", *YEAR, "--store", year).stdout
    assert "\x1b" not in text
    assert "Physiotherapy" in text and "total" in text


@pytest.mark.parametrize("args", [
    ("attendance", "--by", "colour"),
    ("revenue", "--by", "weekday"),
    ("revenue", "--from", "2026-13-01"),
    ("revenue", "--from", "2026-11-30", "--to", "2026-11-01"),
    ("attendance", "--week", "2026-W60"),
    ("attendance", "--month", "2026-11", "--week", "2026-W48"),
    ("clients", "--lapsed-days", "0"),
    ("clients", "--output", ""),
])
def test_bad_input_is_refused_with_one_line(refused, args):
    refused(2, "report", *args)


@pytest.mark.parametrize("kind", ["attendance", "revenue", "clients"])
def test_html_page_parses_and_its_numbers_are_the_json(year, bookctl, yok, tmp_path, kind):
    import html5lib

    from tests.unit.test_report_html import Page, body_rows, tables_by_key

    page_file = tmp_path / f"{kind}.html"
    result = bookctl("report", kind, *YEAR, "--output", page_file, "--store", year)
    assert (result.exit_code, result.stdout) == (0, "")
    text = page_file.read_text(encoding="utf-8")
    html5lib.HTMLParser(strict=True).parse(text)  # a parse error raises
    assert "<script" not in text and "http" not in text
    page = Page(text)
    assert page.problems == []
    data = yok("report", kind, *YEAR)
    tables = tables_by_key(page)
    assert body_rows(tables["rows"]) == data["rows"]
    for key in ("top_by_visits", "top_by_revenue", "lapsed"):
        if key in data:
            assert body_rows(tables[key]) == data[key]
    assert len(page.root.all("svg")) >= 1


def test_output_in_another_name_gets_the_format(year, bookctl, yok, tmp_path):
    target = tmp_path / "revenue.json"
    assert bookctl("report", "revenue", *YEAR, "--output", target, "--store", year, "--format", "json").exit_code == 0
    assert json.loads(target.read_text()) == yok("report", "revenue", *YEAR)
