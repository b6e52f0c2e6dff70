"""Every `--help` ends with one example that runs as written, and a command's `--help` lists the exit
codes it can return."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer.main

from bookctl.cli import app
from bookctl.commands._help import EXAMPLES

pytestmark = pytest.mark.backends("files")


def _tree() -> dict[str, object]:
    """Every group and command of bookctl by path ("" is the root), loaded as `bookctl` loads them."""
    from typer._click.core import Context

    root = typer.main.get_command(app)
    found: dict[str, object] = {}

    def walk(command: object, path: str, ctx: Context) -> None:
        found[path] = command
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), f"{path} {name}".strip(), ctx)

    walk(root, "", Context(root, info_name="bookctl"))
    return found


TREE = _tree()
COMMANDS = sorted(path for path, command in TREE.items() if not hasattr(command, "list_commands"))
GROUPS = sorted(path for path, command in TREE.items() if hasattr(command, "list_commands"))


def _help(bookctl, path: str) -> str:  # noqa: ANN001
    result = bookctl(*path.split(), "--help")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _example(text: str) -> str:
    lines = text.splitlines()
    at = lines.index("  Example:")
    return lines[at + 1].strip()


def _exit_codes(text: str) -> list[int]:
    lines = text.splitlines()
    at = lines.index("  Exit codes:")
    codes = []
    for line in lines[at + 1:]:
        match = re.match(r"    (\d)  \S", line)
        if not match:
            break
        codes.append(int(match.group(1)))
    return codes


@pytest.mark.parametrize("path", COMMANDS + GROUPS)
def test_every_help_ends_with_an_example_of_that_command(bookctl, path: str) -> None:
    example = _example(_help(bookctl, path))
    assert example.startswith(f"bookctl {path}".strip() + " ") or example == f"bookctl {path}", example


@pytest.mark.parametrize("path", COMMANDS)
def test_every_example_parses_as_the_command_line_it_shows(path: str) -> None:
    """The example's options and arguments are ones the command takes, with values it accepts."""
    words = shlex.split(EXAMPLES[path])[1:]
    command = TREE[path]
    given = words[len(path.split()):]
    command.make_context(f"bookctl {path}", list(given))  # raises on an unknown option or a bad value


@pytest.mark.parametrize("path", COMMANDS)
def test_every_command_help_lists_its_exit_codes_in_order(bookctl, path: str) -> None:
    codes = _exit_codes(_help(bookctl, path))
    assert codes == sorted(set(codes)), codes
    assert {0, 2, 4} <= set(codes), codes


def test_the_table_names_no_command_that_does_not_exist() -> None:
    assert set(EXAMPLES) == set(TREE)


@pytest.mark.parametrize(("path", "codes"), [
    ("session checkin", [0, 1, 2, 3, 4]),
    ("payment collect", [0, 1, 2, 3, 4, 5]),
    ("outbox send", [0, 1, 2, 4, 5]),
    ("contact list", [0, 2, 4]),
    ("session list", [0, 1, 2, 3, 4]),
])
def test_exit_codes_follow_what_the_command_can_do(bookctl, path: str, codes: list[int]) -> None:
    assert _exit_codes(_help(bookctl, path)) == codes


@pytest.mark.parametrize(("path", "args", "code"), [
    ("session checkin", ["b-20990101-1"], 3),
    ("session list", ["--contact", "Nobody Atall"], 3),
    ("payment collect", ["b-20261124-1", "--method", "card", "--card", "tok_visa"], 3),
    ("contact show", ["c-999"], 3),
    ("schedule show", ["sch-9"], 3),
    ("session checkin", [], 2),
    ("contact list", ["--nope"], 2),
])
def test_a_listed_exit_code_is_the_one_the_command_returns(bookctl, store: Path, path: str, args: list[str],
                                                           code: int) -> None:
    assert code in _exit_codes(_help(bookctl, path))
    result = bookctl(*path.split(), *args, "--store", store)
    assert result.exit_code == code, result.stderr


def test_the_root_help_ends_with_an_example(bookctl) -> None:
    result = bookctl("--help")
    assert result.exit_code == 0
    assert _example(result.stdout) == "bookctl session list --day 2026-11-24"
