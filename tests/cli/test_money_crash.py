"""Crash safety for money (issue 15): `kill -9` bookctl right after a provider answered, again and again.

Each trial kills a child that pays and refunds through the sandbox just after the sandbox reports
an answer; then every charge and refund in the sandbox's own books must have a ledger entry with
its key, and after `payment reconcile` the sums must agree to the cent. bench/crash_soak.py --money
runs the same harness for many more trials.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.harness.crash import child_env, make_store
from tests.harness.money_crash import check_money, run_money_trial

TRIALS = int(os.environ.get("BOOKCTL_MONEY_CRASH_TRIALS", "12"))


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
