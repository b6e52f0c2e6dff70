"""Crash safety for money (issue 15): `kill -9` bookctl right after a provider answered, again and again.

Each trial kills a child that pays and refunds through the sandbox, or through Stripe (localstripe),
just after the provider answered; then every charge and refund the provider holds (the sandbox's
books; localstripe's list endpoints) must have a ledger entry with its key, and after `payment
reconcile` the sums must agree to the cent. bench/crash_soak.py --money
runs the same harness for many more trials.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.harness.crash import child_env, make_store
from tests.harness.money_crash import check_money, run_money_trial, stripe_records
from tests.stripe_server import TEST_KEY, LocalStripe

TRIALS = int(os.environ.get("BOOKCTL_MONEY_CRASH_TRIALS", "12"))
STRIPE_TRIALS = 8  # localstripe's lists are read in one page of 100


@pytest.fixture
def server_for_crash(tmp_path: Path):  # noqa: ANN201
    """A Stripe-compatible server of this test's own, replaying keys as Stripe does."""
    server = LocalStripe(tmp_path / "stripe", replay_keys=True)
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.backends("files")
def test_kill_9_after_the_providers_answer_never_leaves_money_without_an_entry(bookctl, tmp_path: Path, backend):  # noqa: ANN001
    def run(*args: object) -> tuple[int, str, str]:
        done = bookctl(*args)
        return done.exit_code, done.stdout, done.stderr

    env = {**child_env(), "BOOKCTL_LOAD_PLUGINS": ""}
    root = tmp_path / "store"
    make_store(root, env)
    rng = random.Random(15)
    answers = 0
    for trial in range(TRIALS):
        answers += run_money_trial(root, seed=trial, rng=rng, env=env)
        problems = check_money(root, run)
        assert problems == [], f"after trial {trial}: {problems}"
    assert answers >= TRIALS  # every trial's kill followed a provider answer


@pytest.mark.backends("files")
def test_kill_9_after_stripes_answer_leaves_every_intent_and_refund_stripe_holds_in_the_ledger(
        bookctl, tmp_path: Path, backend, server_for_crash, monkeypatch):  # noqa: ANN001
    monkeypatch.setenv("BOOKCTL_STRIPE_API_KEY", TEST_KEY)  # for the checks' own reconcile

    def run(*args: object) -> tuple[int, str, str]:
        done = bookctl(*args)
        return done.exit_code, done.stdout, done.stderr

    env = {**child_env(), "BOOKCTL_LOAD_PLUGINS": "", "BOOKCTL_STRIPE_API_KEY": TEST_KEY}
    root = tmp_path / "store"
    make_store(root, env)
    assert bookctl("config", "set", "providers.stripe.api_base", server_for_crash.api_base, "--store", root).exit_code == 0
    records = stripe_records(server_for_crash.client())
    rng = random.Random(9)
    answers = 0
    for trial in range(STRIPE_TRIALS):
        answers += run_money_trial(root, seed=trial, rng=rng, env=env, provider="stripe")
        problems = check_money(root, run, records, provider="stripe")
        assert problems == [], f"after trial {trial}: {problems}"
    assert answers >= STRIPE_TRIALS
    assert records()["charges"] and records()["refunds"]  # Stripe really holds money to check
