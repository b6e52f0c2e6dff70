"""Crash soak: `kill -9` bookctl at random moments, hundreds of times, on one store; print what broke.

The same harness as tests/cli/test_crash.py (tests/harness/crash.py), with more trials, and every check
run as a real process. Prints one line a trial with a problem, then a summary. Exits 0 either way:
read the figures.

    python bench/crash_soak.py                 # 200 trials, about 6-8 minutes on 2 cores
    python bench/crash_soak.py --trials 50 --seed 7
    python bench/crash_soak.py --money         # kill just after a provider answered (tests/harness/money_crash.py)
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.harness.crash import bookctl, check_store, child_env, make_store, run_trial  # noqa: E402
from tests.harness.money_crash import check_money, run_money_trial  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--money", action="store_true", help="kill after a payment provider's answer instead")
    args = parser.parse_args()
    env = {**child_env(), "BOOKCTL_LOAD_PLUGINS": ""}

    def run(*argv: object) -> tuple[int, str, str]:
        done = bookctl(*argv, env=env)
        return done.returncode, done.stdout, done.stderr

    with tempfile.TemporaryDirectory(prefix="bookctl-soak-") as tmp:
        root = Path(tmp) / "store"
        make_store(root, env)
        rng = random.Random(args.seed)
        acknowledged: list[tuple[str, str]] = []
        failed = 0
        started = time.perf_counter()
        answers = 0
        for trial in range(args.trials):
            if args.money:
                answers += run_money_trial(root, seed=trial, rng=rng, env=env)
                problems = check_money(root, run)
            else:
                acknowledged += run_trial(root, seed=trial, rng=rng, env=env).acknowledged
                problems = check_store(root, acknowledged, run)
            if problems:
                failed += 1
                print(f"trial {trial}: {'; '.join(problems)}", flush=True)
            elif sys.stderr.isatty():
                sys.stderr.write(f"\rtrial {trial + 1}/{args.trials}")
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        elapsed = time.perf_counter() - started
        if args.money:
            print(f"{args.trials} trials in {elapsed:.0f} s: {failed} with problems; {answers} provider answers, "
                  "a kill just after one of them in each trial, the ledger checked against the sandbox's books after each")
            return
        bookings = sum(1 for kind, _ in acknowledged if kind == "booking")
        contacts = sum(1 for kind, _ in acknowledged if kind == "contact")
        print(f"{args.trials} trials in {elapsed:.0f} s: {failed} with problems; "
              f"{bookings} acknowledged bookings and {contacts} contacts, all checked after every kill")


if __name__ == "__main__":
    main()
