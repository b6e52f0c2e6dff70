"""Bad input over every command: hypothesis builds command lines from each command's own options.

Whatever the line, bookctl answers with an exit code from the contract (0-5), never a traceback or an
internal error; a refusal is one `error:` line on stderr, and it leaves every file byte-identical.
The commands are read from the CLI itself, so a command added later is covered without editing this.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookctl.cli import app
from tests.conftest import tree_digest

TOMORROW = "2026-11-24"


def _leaves(command, path=()):  # noqa: ANN001, ANN202
    if hasattr(command, "list_commands"):  # a group, whose sub-commands may load lazily
        ctx = typer.Context(command)
        for name in sorted(command.list_commands(ctx)):
            yield from _leaves(command.get_command(ctx, name), (*path, name))
    else:
        yield path, command


COMMANDS = list(_leaves(typer.main.get_command(app)))

# Values that get a command past parsing into its rules: ids that exist, real dates, amounts.
PLAUSIBLE = ["c-1", "c-2", "physiotherapy", "yoga-flow", "giulia-romano", "Giulia Romano", f"{TOMORROW}",
             f"{TOMORROW} 10:00", "2026-11-23 09:00", "2026-11-23", "2026-11", "2026-W48", "20", "19.90", "65",
             "1", "3", "json", "csv", "ndjson", "table", "ics", "vcf", "card", "invoice", "in-person", "sandbox",
             "manual", "tok_visa", "tok_chargeDeclined", "tok_providerDown", "booked", "checked_in", "no_show",
             "note", "text", "number", "date", "url", "email", "phone", "company", "birthday", "Yoga Flow",
             "Zoë", "zoe@example.org", "+39 333 123 4567", "injury=knee", "Massage=30", "key-1", "VIP",
             "business.name", "email.mode", "smtp", "outbox", "Europe/Rome", "EUR"]
# Values that should be refused cleanly.
NASTY = ["", " ", "-1", "0", "-0", "1e999", "1e-999", "1e999999999", "99999999999999999999999", "NaN", "inf",
         "19.999", "0.001", "2026-02-30", "2026-13-01", "2026-11-24 25:00", "2027-03-28 02:30", "24:00",
         "2026-W54", "2026-00", "../../etc/passwd", "../outside", "/", ".", "c-0", "c-01", "c-999999",
         "b-20261124-999", "s-20991231-1", "b-20261124-1\n", "INV-0001", "Q-9999", "p-1", "t-1", "n-1", "a-1",
         "%s%n", "\u202eevil", "Zoë\u0301", "🙂", "a" * 300, "=", "x=", "=y", "KEY", "-", "Mars/Olympus", "XXX",
         "http://", "ftp://x", "not an email", "+", "--", "true", "null", "{}", "[]", "\t"]
RANDOM_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@st.composite
def values(draw):  # noqa: ANN001, ANN201
    """Mostly plausible, so that lines reach the rules and the writes; often nasty; sometimes random."""
    pick = draw(st.integers(0, 9))
    if pick < 6:
        return draw(st.sampled_from(PLAUSIBLE))
    return draw(st.sampled_from(NASTY)) if pick < 9 else draw(RANDOM_TEXT)


VALUES = values()


@st.composite
def command_lines(draw):  # noqa: ANN001, ANN201
    """One command with a random selection of its own options and arguments, values good and bad."""
    path, command = draw(st.sampled_from(COMMANDS))
    args: list[str] = list(path)
    for param in command.params:
        if param.name == "store":
            continue
        if type(param).__name__ == "TyperArgument":
            if param.required or draw(st.booleans()):
                args.append(draw(VALUES))
            continue
        if getattr(param, "is_flag", False):
            if draw(st.integers(0, 3)) == 0:
                args.append(param.opts[0])
            continue
        if draw(st.integers(0, 9)) < (1 if param.required else 7):
            continue
        for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
            args += [param.opts[0], draw(VALUES)]
    return args


@pytest.fixture
def template(bookctl, tmp_path: Path) -> Path:  # noqa: ANN001
    """A small studio: services with every policy, staff, two contacts, bookings today and tomorrow."""
    root = tmp_path / "template" / "store"
    steps = [
        ("init", root, "--business", "Fuzz Studio", "--currency", "EUR", "--timezone", "Europe/Rome"),
        ("service", "add", "Physiotherapy", "--price", "65", "--duration", "45", "--deposit", "20",
         "--cancellation-fee", "25", "--no-show-fee", "30"),
        ("service", "add", "Yoga Flow", "--kind", "class", "--capacity", "3", "--price", "18", "--duration", "60"),
        ("staff", "add", "Giulia Romano", "--email", "giulia@studio.example"),
        ("contact", "add", "--first-name", "Zoë", "--email", "zoe@example.org"),
        ("contact", "add", "--first-name", "Ada"),
        ("session", "book", "--service", "physiotherapy", "--contact", "c-1", "--start", "2026-11-23 09:00",
         "--allow-past"),
        ("session", "book", "--service", "yoga-flow", "--contact", "c-2", "--start", f"{TOMORROW} 18:00"),
    ]
    for step in steps:
        extra = () if step[0] == "init" else ("--store", root)
        done = bookctl(*step, *extra)
        assert done.exit_code == 0, (step, done.stderr)
    return root.parent


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(line=command_lines())
def test_no_command_line_gets_a_traceback_and_a_refusal_changes_nothing(bookctl, template, tmp_path, monkeypatch,
                                                                        line):  # noqa: ANN001
    workspace = tmp_path / "workspace"
    shutil.rmtree(workspace, ignore_errors=True)
    shutil.copytree(template, workspace)
    monkeypatch.chdir(workspace)  # relative paths a command writes land here, inside what is compared
    before = tree_digest(workspace)

    done = bookctl(*line, "--store", workspace / "store")

    shown = " ".join(repr(a) for a in line)
    assert done.exit_code in (0, 1, 2, 3, 4, 5), f"{shown}: exit {done.exit_code}"
    assert "Traceback" not in done.stdout + done.stderr, shown
    assert "internal error" not in done.stderr, f"{shown}: {done.stderr}"
    if done.exit_code != 0:
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, f"{shown}: {done.stderr!r}"
        assert tree_digest(workspace) == before, f"{shown} was refused but changed files"
