"""Crash safety: `kill -9` a bookctl in the middle of its writes, again and again, on one store.

Each trial starts a child that makes contacts and bookings in a loop and kills it at a random moment;
then a fresh bookctl must read the store, find every change the child saw acknowledged, and write.
bench/crash_soak.py runs the same harness for hundreds of trials.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from tests.harness.crash import check_store, child_env, make_store, run_trial

TRIALS = int(os.environ.get("BOOKCTL_CRASH_TRIALS", "20"))


def test_kill_9_at_random_moments_loses_no_acknowledged_change(bookctl, tmp_path: Path):  # noqa: ANN001
    def run(*args: object) -> tuple[int, str, str]:
        done = bookctl(*args)
        return done.exit_code, done.stdout, done.stderr

    env = child_env()
    root = tmp_path / "store"
    make_store(root, env)
    rng = random.Random(20261123)
    acknowledged: list[tuple[str, str]] = []
    for trial in range(TRIALS):
        acknowledged += run_trial(root, seed=trial, rng=rng, env=env).acknowledged
        problems = check_store(root, acknowledged, run)
        assert problems == [], f"after trial {trial}: {problems}"
    # The harness must have exercised something: kills that land before any write prove nothing.
    assert sum(1 for kind, _ in acknowledged if kind == "booking") >= TRIALS
