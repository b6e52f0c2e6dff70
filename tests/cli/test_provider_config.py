"""`bookctl config set providers.NAME.OPTION`: a payment provider's options in bookctl.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.conftest import tree_digest


def read_toml(root: Path) -> dict:
    return tomllib.loads((root / "bookctl.toml").read_text())


def test_config_set_stripe_api_base_saves_it_and_config_show_lists_it(bookctl, store):
    result = bookctl("config", "set", "providers.stripe.api_base", "http://127.0.0.1:8420/", "--store", store,
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["providers.stripe.api_base"] == "http://127.0.0.1:8420"
    assert read_toml(store)["providers"] == {"stripe": {"api_base": "http://127.0.0.1:8420"}}
    shown = bookctl("config", "show", "--store", store, "--format", "json")
    assert shown.json()["providers.stripe.api_base"] == "http://127.0.0.1:8420"


def test_config_set_provider_currency_is_normalised(bookctl, store):
    result = bookctl("config", "set", "providers.stripe.currency", "eur", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert read_toml(store)["providers"]["stripe"] == {"currency": "EUR"}


def test_config_set_an_empty_value_removes_the_option(bookctl, store):
    assert bookctl("config", "set", "providers.stripe.api_base", "https://stripe-proxy.example", "--store",
                   store).exit_code == 0
    result = bookctl("config", "set", "providers.stripe.api_base", "", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "providers.stripe.api_base" not in result.json()
    assert read_toml(store)["providers"] == {}


@pytest.mark.parametrize(("key", "value", "message"), [
    ("providers.stripe.api_base", "127.0.0.1:8420",
     "providers.stripe.api_base must be an http:// or https:// URL with a host, not '127.0.0.1:8420'"),
    ("providers.stripe.api_base", "ftp://files.example",
     "providers.stripe.api_base must be an http:// or https:// URL with a host, not 'ftp://files.example'"),
    ("providers.stripe.api_base", "https://",
     "providers.stripe.api_base must be an http:// or https:// URL with a host, not 'https://'"),
    ("providers.stripe.currency", "XXX", "unknown currency 'XXX'; use an ISO 4217 code such as EUR, USD, GBP, JPY"),
    ("providers.stripe.timeout_seconds", "0", "providers.stripe.timeout_seconds must be more than 0 and at most 600"),
    ("providers.stripe.timeout_seconds", "soon", "providers.stripe.timeout_seconds must be a number, not 'soon'"),
    ("providers.stripe.api_key", "sk_test_1",
     "unknown setting 'providers.stripe.api_key'; a provider takes api_base, currency, timeout_seconds (e.g. providers.stripe.api_base)"),
    ("providers.stripe", "x",
     "unknown setting 'providers.stripe'; a provider takes api_base, currency, timeout_seconds (e.g. providers.stripe.api_base)"),
])
def test_config_set_refuses_a_bad_provider_option_and_changes_nothing(bookctl, store, key, value, message):
    before = tree_digest(store)
    result = bookctl("config", "set", key, value, "--store", store)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    assert tree_digest(store) == before


def test_config_set_for_a_provider_that_is_not_installed_names_the_installed_ones(bookctl, store):
    before = tree_digest(store)
    result = bookctl("config", "set", "providers.strype.api_base", "http://127.0.0.1:8420", "--store", store)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown setting 'providers.strype.api_base': no payment provider "
                                    "'strype'; installed: invoice, manual, sandbox, stripe")
    assert tree_digest(store) == before
