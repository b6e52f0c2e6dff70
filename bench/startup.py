"""Start-up cost: bookctl beside a bare Typer app, run by the same interpreter.

    python bench/startup.py [--runs 21] [--warmups 2]

Seeds a small store in a temporary directory, writes a bare Typer app with one sub-command next
to it, then times whole processes (spawn to exit) round-robin so that drift on the machine hits
every case alike. Prints a table of medians and the ratio bookctl / bare Typer (goal <= 1.3x).
Figures only: it never fails on a missed goal. Uses nothing but the standard library and an
installed bookctl.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 1.3
NOW = "2026-11-23T12:00:00+01:00"

BARE_APP = '''\
"""A bare Typer app with one sub-command: the floor bookctl's start-up is compared with."""
import json

import typer

app = typer.Typer()


@app.callback()
def main() -> None:
    """A bare app."""


@app.command()
def hello(name: str = "world") -> None:
    """Print one JSON record."""
    print(json.dumps([{"hello": name}]))


if __name__ == "__main__":
    app()
'''


def bookctl_argv() -> list[str]:
    """bookctl as run by this interpreter: its console script beside sys.executable, else `-m bookctl`."""
    script = Path(sys.executable).parent / "bookctl"
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "bookctl"]


# PYTHONDONTWRITEBYTECODE would make every run compile bookctl's modules from source (about 35 ms
# here), which an installed bookctl never does: pip writes the .pyc files at install time.
DROPPED_ENV = ("BOOKCTL_STORE", "BOOKCTL_DEBUG", "PYTHONDONTWRITEBYTECODE")


def child_env() -> dict[str, str]:
    """This environment with the clock pinned, bytecode caching on, and no store or debug setting."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env["BOOKCTL_NOW"] = NOW
    return env


Measured = tuple[float, int, "int | None", "float | None"]


def run_child(argv: list[str], env: dict[str, str], out: Path, err: Path) -> Measured:
    """Run argv to completion: (wall s, exit code, peak RSS KiB, CPU s user+sys) of that child.

    posix_spawn + wait4 give the child's own rusage; elsewhere subprocess, without RSS or CPU.
    """
    if hasattr(os, "posix_spawn") and hasattr(os, "wait4"):
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, str(out), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
            (os.POSIX_SPAWN_OPEN, 2, str(err), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        ]
        started = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - started
        rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss  # bytes on macOS
        return elapsed, os.waitstatus_to_exitcode(status), rss, usage.ru_utime + usage.ru_stime
    with out.open("wb") as stdout, err.open("wb") as stderr:
        started = time.perf_counter()
        code = subprocess.call(argv, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        return time.perf_counter() - started, code, None, None


def must(argv: list[str], env: dict[str, str], work: Path) -> str:
    """Run a set-up step; stop the benchmark with its stderr if it fails."""
    out, err = work / "setup.out", work / "setup.err"
    _, code, _, _ = run_child(argv, env, out, err)
    if code != 0:
        sys.exit(f"set-up step failed (exit {code}): {' '.join(argv)}\n{err.read_text(errors='replace')}")
    return out.read_text(encoding="utf-8")


class Case:
    """One command line to time; `pair` is (group, "bookctl" | "bare") for the ratio lines."""

    def __init__(self, label: str, argv: list[str], pair: tuple[str, str] | None = None) -> None:
        self.label, self.argv, self.pair = label, argv, pair
        self.times: list[float] = []
        self.rss: list[int] = []
        self.cpu: list[float] = []

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def prepare(work: Path, bookctl: list[str], env: dict[str, str]) -> tuple[list[Case], int]:
    """Seed the small store, write the bare app; the cases to time and how many bookings the list shows."""
    store = work / "store"
    must([*bookctl, "init", str(store), "--business", "Bench Studio", "--currency", "EUR",
          "--timezone", "Europe/Rome"], env, work)
    must([*bookctl, "demo", "seed", "--store", str(store), "--contacts", "50", "--bookings", "200",
          "--seed", "1", "--start", "2026-11-23", "--days", "14", "--format", "json"], env, work)
    bare = work / "bare_typer.py"
    bare.write_text(BARE_APP, encoding="utf-8")
    listing = [*bookctl, "session", "list", "--format", "json", "--store", str(store)]
    shown = len(json.loads(must(listing, env, work)))
    py = sys.executable
    cases = [
        Case("python -c pass", [py, "-c", "pass"]),
        Case("python -c 'import typer'", [py, "-c", "import typer"]),
        Case("bare typer: hello", [py, str(bare), "hello"], ("run", "bare")),
        Case("bookctl session list --format json", listing, ("run", "bookctl")),
        Case("bare typer: --help", [py, str(bare), "--help"], ("help", "bare")),
        Case("bookctl --help", [*bookctl, "--help"], ("help", "bookctl")),
    ]
    return cases, shown


def measure(cases: list[Case], env: dict[str, str], work: Path, runs: int, warmups: int) -> None:
    """Time every case round-robin, so that drift on the machine hits every case alike."""
    out, err = work / "case.out", work / "case.err"
    for round_no in range(warmups + runs):
        for case in cases:
            elapsed, code, peak, cpu = run_child(case.argv, env, out, err)
            if code != 0:
                sys.exit(f"{case.label} failed (exit {code}):\n{err.read_text(errors='replace')}")
            if round_no >= warmups:
                case.times.append(elapsed)
                if peak is not None:
                    case.rss.append(peak)
                if cpu is not None:
                    case.cpu.append(cpu)


def print_load() -> None:
    """The machine's load at the end of a run: other work on it shows up as noise in every figure."""
    if hasattr(os, "getloadavg"):
        print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())} on "
              f"{os.cpu_count()} CPUs (other work on the machine shows up as noise)")


def print_cases(title: str, rows: list[tuple[str, Case]]) -> None:
    """One line per case: median, min and max wall ms, median CPU ms and median peak RSS."""
    width = max(len(title), *(len(name) for name, _ in rows))
    print(f"{title:<{width}}  {'median ms':>9}  {'min ms':>7}  {'max ms':>7}  {'CPU ms':>7}  {'peak RSS MiB':>12}")
    for name, case in rows:
        peak = f"{statistics.median(case.rss) / 1024:.1f}" if case.rss else "n/a"
        cpu = f"{statistics.median(case.cpu) * 1000:.1f}" if case.cpu else "n/a"
        print(f"{name:<{width}}  {statistics.median(case.times) * 1000:9.1f}  {min(case.times) * 1000:7.1f}  "
              f"{max(case.times) * 1000:7.1f}  {cpu:>7}  {peak:>12}")


def report(cases: list[Case], bookctl: list[str], shown: int, runs: int, warmups: int) -> None:
    """The table, then one ratio line per pair."""
    print(f"bookctl start-up: median wall time of {runs} runs per case after {warmups} warm-ups")
    print(f"python {sys.version.split()[0]} at {sys.executable}; bookctl run as: "
          f"{' '.join(Path(a).name if i == 0 else a for i, a in enumerate(bookctl))}")
    print(f"store: 50 contacts, 200 bookings over 14 days; session list shows {shown} bookings of {NOW[:10]}")
    print_load()
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE was unset for the runs, so .pyc files are cached as in an install")
    print()
    print_cases("case", [(case.label, case) for case in cases])
    print()
    floor = cases[0].median
    pairs: dict[str, dict[str, Case]] = {}
    for case in cases:
        if case.pair:
            pairs.setdefault(case.pair[0], {})[case.pair[1]] = case
    for name, pair in pairs.items():
        mine, base = pair["bookctl"], pair["bare"]
        ratio = mine.median / base.median
        verdict = "meets" if ratio <= GOAL else "misses"
        minimums = min(mine.times) / min(base.times)
        cpu = f"; CPU {statistics.median(mine.cpu) / statistics.median(base.cpu):.2f}x" if base.cpu else ""
        print(f"{name:>4}: bookctl / bare typer = {mine.median * 1000:.1f} / {base.median * 1000:.1f} ms = "
              f"{ratio:.2f}x (goal <= {GOAL}x: {verdict}); minimums {minimums:.2f}x{cpu}; above bare python: "
              f"{(mine.median - floor) * 1000:.1f} vs {(base.median - floor) * 1000:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs per case (default 21)")
    parser.add_argument("--warmups", type=int, default=2, help="untimed runs per case first (default 2)")
    args = parser.parse_args()
    if args.runs < 1 or args.warmups < 0:
        parser.error("--runs must be at least 1 and --warmups at least 0")
    env = child_env()
    bookctl = bookctl_argv()
    work = Path(tempfile.mkdtemp(prefix="bookctl-startup-"))
    try:
        cases, shown = prepare(work, bookctl, env)
        measure(cases, env, work, args.runs, args.warmups)
        report(cases, bookctl, shown, args.runs, args.warmups)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
