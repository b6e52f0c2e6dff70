"""A fuzz campaign over the whole command line: random command lines for every command
(tests/harness/fuzz_lines.py) built from hostile values (tests/harness/fuzz_values.py), run in-process
against a small studio's store, each checked against the contract's promises.

Used by tests/cli/test_fuzz.py (a few hundred lines in CI, driven by hypothesis) and bench/fuzz.py
(10,000, driven by random.Random).

Each line runs in a workspace directory (the current directory while it runs) holding `store/` (the
studio), `empty/` (a store with nothing in it, for `demo seed`), a file to attach, a symlink to it, an
existing file and a directory. The promises it checks (`Finding.invariant`) are the contract's: no
traceback, no internal error, an exit code in 0-5, a refusal is one `error:` line on stderr and leaves
every file of the workspace byte-identical, a read-only command changes no file of its store, and
`doctor` passes after every command that changed something.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import typer.testing

from bookctl.cli import app
from tests.harness.fuzz_lines import Line, command_of
from tests.harness.fuzz_rules import must_refuse
from tests.harness.fuzz_shell import abbreviate, shell_join

NOW = "2026-11-23T12:00:00+01:00"
ENV: dict[str, str | None] = {"BOOKCTL_NOW": NOW, "BOOKCTL_LOAD_PLUGINS": "", "BOOKCTL_STORE": None,
                              "BOOKCTL_DEBUG": None, "BOOKCTL_STRIPE_API_KEY": None, "BOOKCTL_SMTP_PASSWORD": None,
                              "BOOKCTL_DATABASE_URL": None, "BOOKCTL_WEBHOOK_SECRET": None}
CONTRACT_EXITS = frozenset(range(6))
SECONDS_PER_LINE = 30
# Commands that may record a provider's answer even when they fail: a decline is a `failed` entry
# (exit 1), an unreachable provider a `pending` one (exit 5), and so is a token the provider itself
# rejects (exit 2: the intent was committed before the provider was asked). The contract says so.
MONEY_MOVING = {("payment", "collect"), ("payment", "refund"), ("payment", "reconcile"), ("invoice", "pay"),
                ("session", "cancel"), ("session", "no-show")}
READ_ONLY_VERBS = {"list", "show", "attachments", "bookings", "form-responses", "get"}
READ_ONLY = {("doctor",), ("export", "bookings"), ("export", "contacts")}


@dataclass(frozen=True)
class Finding:
    """A line that broke one of the contract's promises."""

    invariant: str
    line: Line
    detail: str
    history: tuple[Line, ...] = ()  # the commands that changed the workspace before it, since it was fresh


@dataclass
class Ran:
    """What one invocation did."""

    exit_code: int
    stdout: str
    stderr: str
    escaped: str | None = None  # an exception that got out of bookctl's own handler, formatted


class TimedOut(BaseException):  # noqa: N818 - not an Exception, so that bookctl's handler cannot catch it
    """A line ran longer than SECONDS_PER_LINE."""


def invoke(args: tuple[str, ...] | list[str], extra_env: dict[str, str | None] | None = None) -> Ran:
    """bookctl in-process through typer's CliRunner, the click tree built once."""
    runner = typer.testing.CliRunner(env={**ENV, **(extra_env or {})})
    alarm = hasattr(signal, "SIGALRM")
    if alarm:
        previous = signal.signal(signal.SIGALRM, _time_out)
        signal.alarm(SECONDS_PER_LINE)
    try:
        with mock.patch.object(typer.testing, "_get_command", command_of):
            result = runner.invoke(app, list(args))
    except TimedOut:  # CliRunner lets a BaseException through, after putting stdout and stderr back
        return Ran(-1, "", "", traceback.format_exc())
    finally:
        if alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    escaped = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        escaped = "".join(traceback.format_exception(result.exception))
    return Ran(result.exit_code, result.stdout, result.stderr, escaped)


def _time_out(signum: int, frame: object) -> None:
    raise TimedOut(f"still running after {SECONDS_PER_LINE} s")


# ----------------------------------------------------------------------------------------------- the store


def build_workspace(root: Path) -> dict[str, tuple[str, ...]]:
    """Make the workspace (see the module's docstring) at `root`; return the ids of what its store holds, by
    kind. The same every time: the clock is fixed."""
    root.mkdir(parents=True)
    (root / "note.txt").write_text("a small note to attach\n", encoding="utf-8")
    (root / "link.txt").symlink_to("note.txt")
    (root / "existing.csv").write_text("keep me\n", encoding="utf-8")
    (root / "dir").mkdir()
    ids: dict[str, list[str]] = {}
    with _inside(root):
        def ok(kind: str | None, *args: str, store: str = "store", expect: int = 0) -> dict:
            done = invoke([*args, "--store", store, "--format", "json"])
            if done.exit_code != expect:
                raise RuntimeError(f"building the fuzz store: {shell_join(args)}: exit {done.exit_code}: {done.stderr}")
            record = json.loads(done.stdout) if expect == 0 else {}
            for one in record if isinstance(record, list) else [record] if kind else []:
                ids.setdefault(kind, []).append(one["id"])
            return record

        for name in ("store", "empty"):
            ok(None, "init", name, "--business", f"Fuzz {name}", "--currency", "EUR", "--timezone", "Europe/Rome",
               store=name)
        ok("service", "service", "add", "Physiotherapy", "--price", "65", "--duration", "45", "--deposit", "20",
           "--cancellation-fee", "25", "--no-show-fee", "30")
        ok("service", "service", "add", "Yoga Flow", "--kind", "class", "--capacity", "3", "--price", "18",
           "--duration", "60")
        ok("service", "service", "add", "Pilates Course", "--kind", "course", "--capacity", "4", "--price", "120",
           "--duration", "50")
        ok("staff", "staff", "add", "Giulia Romano", "--email", "giulia@studio.example")
        ok("staff", "staff", "add", "Sanne de Vries")
        zoe = ok("contact", "contact", "add", "--first-name", "Zoë", "--email", "zoe@example.org")["id"]
        ada = ok("contact", "contact", "add", "--first-name", "Ada", "--last-name", "Lovelace", "--email",
                 "ada@example.com", "--phone", "+39 333 1234567")["id"]
        noa = ok("contact", "contact", "add", "--first-name", "Noa", "--last-name", "Cohen", "--email",
                 "noa@example.com")["id"]

        def book(who: str, *how: str) -> str:
            record = ok("booking", "session", "book", "--contact", who, *how)
            ids.setdefault("session", []).append(record["session_id"])
            return record["id"]

        appointment = book(zoe, "--service", "physiotherapy", "--start", "2026-11-24 10:00", "--staff", "giulia-romano")
        in_class = book(ada, "--service", "yoga-flow", "--start", "2026-11-24 18:00")
        also_in_class = book(noa, "--session", ids["session"][-1])
        past = book(ada, "--service", "physiotherapy", "--start", "2026-11-20 10:00", "--allow-past")
        this_morning = book(noa, "--service", "physiotherapy", "--start", "2026-11-23 09:00", "--allow-past")
        paid = book(zoe, "--service", "physiotherapy", "--start", "2026-12-01 11:00")
        ok("session", "session", "add", "--service", "yoga-flow", "--start", "2026-11-25 18:00")
        ok("payment", "payment", "collect", appointment, "--method", "card", "--card", "tok_visa", "--amount", "20")
        ok("payment", "payment", "collect", paid, "--method", "card", "--card", "tok_visa")
        ok("payment", "payment", "collect", in_class, "--method", "in-person", "--yes")
        ok("payment", "payment", "refund", paid, "--amount", "10")
        ok(None, "payment", "collect", this_morning, "--method", "card", "--card", "tok_providerDown", expect=5)
        ok(None, "session", "checkin", past)
        ok("invoice", "invoice", "create", "--contact", ada, "--booking", past, "--due", "2026-12-15")
        ok("invoice", "invoice", "create", "--contact", noa, "--item", "Massage=30", "--item", "Oil=5.50")
        ok("quote", "quote", "create", "--contact", zoe, "--item", "Package=100")
        ok("note", "contact", "note", "add", zoe, "first visit")
        ok("task", "contact", "task", "add", zoe, "call back", "--due", "2026-11-25", "--assignee", "giulia-romano")
        ok("attachment", "contact", "attach", zoe, "note.txt")
        ok(None, "contact", "label", zoe, "VIP")
        ok(None, "contact", "add-field", ada, "shoe-size", "42", "--type", "number")
        ok(None, "session", "cancel", also_in_class, "--notify")
        messages = json.loads(invoke(["outbox", "list", "--store", "store", "--format", "json"]).stdout)
        ids["message"] = [m["id"] for m in messages]
    return {kind: tuple(found) for kind, found in ids.items()}


@contextlib.contextmanager
def _inside(directory: Path) -> Iterator[None]:
    """Run with `directory` as the current one: relative paths on a line land in the workspace."""
    before = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(before)


def digest(root: Path) -> dict[str, str]:
    """Every file (sha256), symlink and directory under `root`, the store's lock file aside."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[name] = "dir"
        elif path.name != ".bookctl.lock":
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def changed_paths(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """What differs between two digests: `+new`, `-gone`, `~changed`."""
    return ([f"+{p}" for p in after.keys() - before.keys()] + [f"-{p}" for p in before.keys() - after.keys()]
            + [f"~{p}" for p in before.keys() & after.keys() if before[p] != after[p]])


# ------------------------------------------------------------------------------------------------ the checks


@dataclass
class Campaign:
    """Runs lines in one workspace and checks each; `history` is what changed it since it was fresh."""

    workspace: Path
    history: list[Line] = field(default_factory=list)
    doctor_runs: int = 0

    def run(self, line: Line) -> tuple[Ran, list[Finding]]:
        """Run one line and return what it did and the promises it broke."""
        before = digest(self.workspace)
        with _inside(self.workspace):
            ran = invoke(line.args)
        after = digest(self.workspace)
        changed = changed_paths(before, after)
        found = [Finding(name, line, detail, tuple(self.history)) for name, detail in self._broken(line, ran, changed)]
        if changed:
            self.history.append(line)
        return ran, found

    def _broken(self, line: Line, ran: Ran, changed: list[str]) -> Iterator[tuple[str, str]]:
        output = ran.stdout + ran.stderr
        if ran.escaped is not None:
            yield ("hang" if "TimedOut" in ran.escaped else "exception escaped"), ran.escaped[-1500:]
            return
        if ran.exit_code not in CONTRACT_EXITS:
            yield "exit code outside the contract", f"exit {ran.exit_code}: {ran.stderr[-300:]}"
        if "Traceback" in output:
            yield "traceback", output[output.index("Traceback"):]
        elif "internal error" in ran.stderr:
            yield "internal error", ran.stderr.strip()
        elif ran.exit_code != 0 and not (ran.stderr.startswith("error: ") and ran.stderr.count("\n") == 1
                                         and ran.stderr.endswith("\n")):
            yield "refusal is not one error line", repr(ran.stderr)
        provider_answered = line.command in MONEY_MOVING and (
            ran.exit_code == 5 or (ran.exit_code == 1 and "declined" in ran.stderr)
            or (ran.exit_code == 2 and "does not know card token" in ran.stderr))
        if changed and ran.exit_code != 0 and not provider_answered:
            yield "refused but changed files", ", ".join(changed[:8]) + f" (exit {ran.exit_code}: {ran.stderr.strip()})"
        if ran.exit_code == 0:
            zone_changed = any(h.command == ("config", "set") and dict(h.values).get("key") == "business.timezone"
                               for h in self.history)
            names_changed = any(h.command[0] in ("service", "staff") for h in self.history)
            reasons = must_refuse(line, zone_changed=zone_changed, names_changed=names_changed)
            if reasons:
                yield "hostile value accepted", "; ".join(reasons)
        in_store = [p for p in changed if p[1:].startswith(line.store + os.sep)]
        read_only = line.command in READ_ONLY or line.command[-1] in READ_ONLY_VERBS
        if ran.exit_code == 0 and read_only and in_store:
            yield "read-only command changed the store", ", ".join(in_store[:8])
        if changed and (ran.exit_code == 0 or provider_answered) and (self.workspace / line.store / "bookctl.toml").is_file():
            self.doctor_runs += 1
            with _inside(self.workspace):
                doctor = invoke(["doctor", "--store", line.store, "--format", "json"])
            if doctor.exit_code != 0:
                yield "doctor fails after an accepted command", doctor.stdout.strip() + " " + doctor.stderr.strip()


def debug_traceback(base: Path, scratch: Path, finding: Finding) -> str | None:
    """The traceback a finding's line raises with BOOKCTL_DEBUG=1: in `scratch`, a fresh copy of the
    workspace `base`, after the earlier lines of its history (the clock is fixed: the same state)."""
    import shutil

    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(base, scratch, symlinks=True)
    with _inside(scratch):
        for earlier in finding.history:
            invoke(earlier.args)
        return invoke(finding.line.args, {"BOOKCTL_DEBUG": "1"}).escaped


def describe(finding: Finding) -> str:
    """A finding as a few lines a person can act on: the promise, the line to re-run, what it did."""
    text = [f"{finding.invariant}: {finding.line.shell()}"]
    if any("\x00" in a for a in finding.line.args):
        text.append("    (holds NUL, which no real argv can: only an in-process call reaches this)")
    if finding.history:
        text.append(f"    after {len(finding.history)} earlier command(s) that changed the workspace:")
        text += [f"      {earlier.shell()}" for earlier in finding.history[-10:]]
    text.append("    " + abbreviate(finding.detail.strip())[:700].replace("\n", "\n    "))
    return "\n".join(text)
