"""`bookctl provider list`, capabilities refusals, inline plugins and the example plugin package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bookctl.providers import manager
from bookctl.providers.base import Capabilities, ChargeRequest, ChargeResult, Provider, RefundRequest, RefundResult
from bookctl.providers.hookspecs import hookimpl
from tests.cli._payment_fixtures import (  # noqa: F401 - fixtures
    _builtin_providers_only,
    booking,
    contact,
    figures,
    ok,
    one_error_line,
    run,
)
from tests.conftest import NOW, run_process, tree_digest


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")}

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bookctl-provider-example"
COLUMNS = ["name", "card_charges", "refunds", "partial_refunds", "invoices", "in_person", "origin"]


def test_list_shows_the_builtins_with_capabilities_and_origin(bookctl):
    rows = bookctl("provider", "list", "--format", "json").json()
    assert [r["name"] for r in rows] == ["invoice", "manual", "sandbox", "stripe"]
    assert all(list(r) == COLUMNS and r["origin"] == "builtin" for r in rows)
    for card_provider in rows[2:]:
        assert (card_provider["card_charges"], card_provider["refunds"], card_provider["partial_refunds"],
                card_provider["invoices"]) == (True, True, True, False)
    assert rows[1]["refunds"] is False and rows[0]["invoices"] is True


@pytest.mark.parametrize("fmt", ["table", "csv", "ndjson", "json"])
def test_list_in_every_format(bookctl, fmt):
    result = bookctl("provider", "list", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert "sandbox" in result.stdout and "builtin" in result.stdout
    if fmt in ("table", "csv"):
        assert "partial_refunds" in result.stdout


class _CashBox(Provider):
    def charge(self, request: ChargeRequest) -> ChargeResult:
        return ChargeResult(reference=f"cashbox-{request.amount.minor}")


class _InlinePlugin:
    @hookimpl
    def bookctl_register_providers(self, register) -> None:  # noqa: ANN001
        register(_CashBox("cashbox", Capabilities(card_charges=True)))


def test_an_inline_plugin_is_listed_and_its_missing_refunds_capability_is_refused(ok, run, store, booking):
    manager.register_plugin(_InlinePlugin(), "inline-cashbox")
    try:
        rows = ok("provider", "list")
        assert {"name": "cashbox", "origin": "inline-cashbox"}.items() <= rows[-1].items()
        b = booking()
        ok("payment", "collect", b, "--method", "card", "--provider", "cashbox", "--card", "anything")
        before = tree_digest(store)
        result = run("payment", "refund", b)
        assert result.exit_code == 1
        line = one_error_line(result.stderr)
        assert "cashbox" in line and "refunds" in line and "--manual" in line
        assert tree_digest(store) == before
    finally:
        manager.reset()
    assert "cashbox" not in [r["name"] for r in ok("provider", "list")]


class _WholeRefunds(Provider):
    def charge(self, request: ChargeRequest) -> ChargeResult:
        return ChargeResult(reference=f"whole-{request.amount.minor}")

    def refund(self, request: RefundRequest) -> RefundResult:
        return RefundResult(reference=f"{request.charge_reference}-back")


class _WholeRefundsPlugin:
    @hookimpl
    def bookctl_register_providers(self, register) -> None:  # noqa: ANN001
        register(_WholeRefunds("whole", Capabilities(card_charges=True, refunds=True)))


def test_a_provider_without_partial_refunds_refunds_only_whole_charges(ok, run, store, booking):
    manager.register_plugin(_WholeRefundsPlugin(), "inline-whole")
    try:
        b = booking()
        ok("payment", "collect", b, "--method", "card", "--provider", "whole", "--card", "x")
        before = tree_digest(store)
        result = run("payment", "refund", b, "--amount", "10")
        assert result.exit_code == 1
        assert "whole" in one_error_line(result.stderr) and "partial_refunds" in result.stderr
        assert tree_digest(store) == before
        [entry] = ok("payment", "refund", b)
        assert (entry["provider"], entry["amount"]["amount"]) == ("whole", "65.00")
    finally:
        manager.reset()


def test_invoice_provider_cannot_take_cards(run, store, booking):
    b = booking()
    before = tree_digest(store)
    result = run("payment", "collect", b, "--method", "card", "--provider", "invoice", "--card", "tok_visa")
    assert result.exit_code == 1
    assert "invoice" in one_error_line(result.stderr) and "card_charges" in result.stderr
    assert tree_digest(store) == before


def install_example(site: Path) -> None:
    """Install the example package into `site` as pip would: the module plus its dist-info, whose
    metadata and entry points come from the package's own pyproject.toml."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    site.mkdir(parents=True)
    shutil.copy(EXAMPLE / "bookctl_provider_example.py", site)
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    points = "".join(f"{name} = {target}\n" for name, target in project["entry-points"]["bookctl"].items())
    (info / "entry_points.txt").write_text(f"[bookctl]\n{points}")


def test_the_example_package_is_found_by_entry_point_and_named_as_origin(bookctl, tmp_path, monkeypatch):
    install_example(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delenv("BOOKCTL_LOAD_PLUGINS")
    manager.reset()
    try:
        rows = bookctl("provider", "list", "--format", "json").json()
        voucher = next(r for r in rows if r["name"] == "voucher")
        assert voucher["origin"] == "bookctl-provider-example"
        assert (voucher["card_charges"], voucher["refunds"], voucher["partial_refunds"]) == (True, True, False)
        manager.reset()
        monkeypatch.setenv("BOOKCTL_LOAD_PLUGINS", "")
        assert "voucher" not in [r["name"] for r in bookctl("provider", "list", "--format", "json").json()]
        manager.reset()
        monkeypatch.setenv("BOOKCTL_LOAD_PLUGINS", "bookctl-provider-example")
        assert "voucher" in [r["name"] for r in bookctl("provider", "list", "--format", "json").json()]
    finally:
        manager.reset()


def test_the_example_provider_takes_a_payment_in_a_real_process(tmp_path, store):
    install_example(tmp_path / "site")
    env = {"PYTHONPATH": str(tmp_path / "site")}
    booked = run_process("contact", "add", "--first-name", "Ada", "--store", store, "--format", "json", env=env)
    assert booked.returncode == 0, booked.stderr
    b = run_process("session", "book", "--service", "physiotherapy", "--contact", "c-1", "--start", "2026-11-24 10:00",
                    "--store", store, "--format", "json", env=env)
    booking_id = __import__("json").loads(b.stdout)["id"]
    paid = run_process("payment", "collect", booking_id, "--method", "card", "--provider", "voucher", "--card",
                       "GIFT-1234", "--store", store, "--format", "json", env=env)
    assert paid.returncode == 0, paid.stderr
    assert '"provider": "voucher"' in paid.stdout
    hidden = run_process("provider", "list", "--format", "csv", env={**env, "BOOKCTL_LOAD_PLUGINS": ""})
    assert "voucher" not in hidden.stdout


def test_load_plugins_naming_an_unknown_distribution_is_exit_2(bookctl, monkeypatch):
    monkeypatch.setenv("BOOKCTL_LOAD_PLUGINS", "no-such-plugin")
    manager.reset()
    result = bookctl("provider", "list")
    assert result.exit_code == 2
    assert "no-such-plugin" in one_error_line(result.stderr)


def test_commands_that_move_no_money_through_stripe_never_import_it(store):
    """The Stripe SDK costs start-up; only a command that calls Stripe may load it."""
    probe = "import runpy, sys; sys.argv = ['bookctl', *sys.argv[1:]]; "
    probe += "import atexit; atexit.register(lambda: sys.stderr.write('stripe loaded\\n' if 'stripe' in sys.modules else ''))"
    probe += "; runpy.run_module('bookctl', run_name='__main__')"

    def without_stripe(*args: str) -> str:
        done = subprocess.run([sys.executable, "-c", probe, *args, "--store", str(store), "--format", "json"],
                              capture_output=True, text=True, timeout=60, env={**_clean_env(), "BOOKCTL_NOW": NOW})
        assert done.returncode == 0, done.stderr
        assert "stripe loaded" not in done.stderr, args
        return done.stdout

    contact_id = json.loads(without_stripe("contact", "add", "--first-name", "Ada"))["id"]
    booked = without_stripe("session", "book", "--service", "physiotherapy", "--contact", contact_id,
                            "--start", "2026-11-23 15:00")
    booking_id = json.loads(booked)["id"]
    without_stripe("payment", "collect", booking_id, "--method", "card", "--card", "tok_visa")  # the sandbox provider
    without_stripe("session", "checkin", booking_id)
    without_stripe("session", "list", "--day", "2026-11-23")
    without_stripe("contact", "show", contact_id)
    without_stripe("export", "bookings", "--week", "2026-W48")
    without_stripe("provider", "list")
