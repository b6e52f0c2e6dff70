"""Fuzz campaign: 10,000 random command lines over every command, from hostile values; print what broke.

The campaign of tests/cli/test_fuzz.py (tests/harness/fuzz.py), driven by random.Random instead of
hypothesis, at a size CI cannot afford. Every `--episode` lines it starts again from a fresh copy of the
workspace (a small studio's store, an empty store, a few files), so that state built by accepted lines
is exercised but a finding stays reproducible from a short history. Prints counts by exit code and by
command, then every finding grouped by cause with its shortest command line, ready for bash. Unlike
the other scripts here it exits 1 when there is a finding: a finding is a bug.

    python bench/fuzz.py                          # 10,000 lines, about 2-3 minutes on 2 cores
    python bench/fuzz.py --examples 300 --seed 7  # what CI runs
    python bench/fuzz.py --make-workspace DIR     # the workspace alone, to re-run a finding in DIR
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bookctl.providers import manager  # noqa: E402
from tests.harness.fuzz import Campaign, Finding, build_workspace, debug_traceback, describe  # noqa: E402
from tests.harness.fuzz_lines import Generator  # noqa: E402
from tests.harness.fuzz_shell import abbreviate  # noqa: E402
from tests.harness.fuzz_values import RandomChooser  # noqa: E402

_FRAME = re.compile(r'File "[^"]*/(bookctl/[^"]+)", line (\d+), in (\S+)')


def cause_of(finding: Finding, traceback_text: str | None) -> str:
    """What findings of one cause share: where bookctl raised, or the shape of what it said or changed."""
    if traceback_text:
        frames = _FRAME.findall(traceback_text)
        last = traceback_text.strip().splitlines()[-1].split(":")[0]
        if frames:
            path, number, function = frames[-1]
            return f"{last} at {path}:{number} in {function}"
        return last
    detail = finding.detail
    if finding.invariant in ("hostile value accepted", "hang"):
        return detail
    if finding.invariant == "internal error":
        detail = detail[detail.find("internal error"):].split(":")[1]
    if finding.invariant == "refused but changed files":
        detail = detail[detail.find("(exit"):]
    return _shape(abbreviate(detail))[:100]


def _shape(text: str) -> str:
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    return re.sub(r"\d+", "N", text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="command lines to run (default 10000)")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--episode", type=int, default=25, help="lines between fresh copies of the workspace")
    parser.add_argument("--make-workspace", type=Path, metavar="DIR", help="only make the workspace in DIR")
    args = parser.parse_args()
    manager.reset()
    if args.make_workspace:
        build_workspace(args.make_workspace)
        print(f"workspace made in {args.make_workspace}; cd there and run a finding's line")
        return 0

    with tempfile.TemporaryDirectory(prefix="bookctl-fuzz-") as tmp:
        base, workspace, scratch = Path(tmp) / "base", Path(tmp) / "workspace", Path(tmp) / "scratch"
        generator = Generator(build_workspace(base))
        chooser = RandomChooser(args.seed)
        by_exit: collections.Counter[int] = collections.Counter()
        by_command: dict[tuple[str, ...], collections.Counter[int]] = collections.defaultdict(collections.Counter)
        groups: dict[tuple[str, tuple[str, ...], str], list[Finding]] = collections.defaultdict(list)
        tracebacks: dict[int, str] = {}  # id(finding) -> its traceback
        started = time.perf_counter()
        campaign = Campaign(workspace)
        doctor_runs = 0
        for number in range(args.examples):
            if number % args.episode == 0:
                doctor_runs += campaign.doctor_runs
                shutil.rmtree(workspace, ignore_errors=True)
                shutil.copytree(base, workspace, symlinks=True)
                campaign = Campaign(workspace)
            line = generator.line(chooser)
            ran, findings = campaign.run(line)
            by_exit[ran.exit_code] += 1
            by_command[line.command][ran.exit_code] += 1
            for finding in findings:
                traceback_text = None
                if finding.invariant in ("internal error", "traceback"):
                    traceback_text = debug_traceback(base, scratch, finding)
                elif finding.invariant in ("exception escaped", "hang"):
                    traceback_text = finding.detail
                key = (finding.invariant, line.command, cause_of(finding, traceback_text))
                groups[key].append(finding)
                if traceback_text:
                    tracebacks[id(finding)] = traceback_text
            if sys.stderr.isatty() and number % 50 == 0:
                sys.stderr.write(f"\r{number}/{args.examples} lines, {sum(map(len, groups.values()))} findings")
        elapsed = time.perf_counter() - started
        doctor_runs += campaign.doctor_runs
        if sys.stderr.isatty():
            sys.stderr.write("\n")

    print(f"fuzz: {args.examples} command lines, seed {args.seed}, a fresh workspace every {args.episode}; "
          f"{elapsed:.1f} s ({args.examples / elapsed:.0f} lines/s)")
    print(f"doctor ran after {doctor_runs} lines that changed a store")
    print("\nexit  lines")
    for code, count in sorted(by_exit.items()):
        print(f"{code:>4}  {count:>5}")
    print(f"\n{'command':<28} {'lines':>5} " + " ".join(f"{'exit ' + str(c):>6}" for c in range(6)))
    for command, counts in sorted(by_command.items()):
        print(f"{' '.join(command):<28} {sum(counts.values()):>5} " + " ".join(f"{counts[c]:>6}" for c in range(6)))
    found = sum(map(len, groups.values()))
    print(f"\nfindings: {found} lines broke a promise, {len(groups)} distinct causes")
    for (invariant, command, cause), members in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1])):
        shortest = min(members, key=lambda f: (len(f.history), len(f.line.shell())))
        print(f"\n[{invariant}] {' '.join(command)}: {cause}  ({len(members)} line{'s' * (len(members) > 1)})")
        print("  " + describe(shortest).replace("\n", "\n  "))
        if id(shortest) in tracebacks and invariant != "hang":
            raised = tracebacks[id(shortest)].strip().splitlines()[-1]
            print(f"    raised (BOOKCTL_DEBUG=1): {abbreviate(raised)[:300]}")
    if found:
        print("\nRe-run a line in `python bench/fuzz.py --make-workspace DIR`, after the earlier commands it lists.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
