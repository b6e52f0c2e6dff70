"""Shell completion: Typer's protocol (`_BOOKCTL_COMPLETE=complete_bash|complete_zsh|complete_fish`),
the scripts `--show-completion` prints and `--install-completion` installs, and the callbacks that
offer ids from the store (services/completion.py). Imported only when completing or printing a
script: a command's start-up never pays for it.

Completing never writes and never takes the store lock, and a missing or broken store completes
nothing, silently: a Tab key must not print errors into the user's command line.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer._click.shell_completion import CompletionItem, add_completion_class
from typer._completion_classes import BashComplete, FishComplete, ZshComplete, completion_init
from typer._completion_shared import get_completion_script

COMPLETE_VAR = "_BOOKCTL_COMPLETE"
SHELLS = ("bash", "zsh", "fish")

# Bash shows no descriptions of its own: the candidates come as "value<TAB>description" lines, a single
# one is inserted bare, several are listed as "value  -- description" (which keeps their common
# prefix the ids'). When several match the typed word by name rather than by id, the word itself is
# offered too, so that bash keeps it instead of replacing it with the ids' common prefix. A lone empty
# candidate (NOTHING) means an id that has no candidates: no file names either.
BASH_SCRIPT = r"""
_bookctl_completion() {
    local IFS=$'\n' item cur="${COMP_WORDS[COMP_CWORD]}" by_name=0
    local -a found
    found=( $( env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD _BOOKCTL_COMPLETE=complete_bash "$1" 2>/dev/null ) )
    COMPREPLY=()
    if (( ${#found[@]} == 1 )) && [[ ${found[0]} == $'\t' ]]; then
        compopt +o default 2>/dev/null
        return 0
    fi
    if (( ${#found[@]} == 1 )); then
        COMPREPLY=( "${found[0]%%$'\t'*}" )
        return 0
    fi
    compopt -o nosort 2>/dev/null
    for item in "${found[@]}"; do
        [[ ${item%%$'\t'*} == "$cur"* ]] || by_name=1
        COMPREPLY+=( "${item/$'\t'/  -- }" )
    done
    if (( by_name && ${#COMPREPLY[@]} )); then
        COMPREPLY+=( "$cur" )
    fi
    return 0
}

complete -o default -F _bookctl_completion bookctl
""".strip()


# What an id completes to when the store offers none (or there is no store): nothing at all, where a
# shell would otherwise offer the file names of the working directory.
NOTHING = CompletionItem("", type="nothing")


def _nothing(items: list[CompletionItem]) -> bool:
    return bool(items) and all(item.type == NOTHING.type for item in items)


class BookctlBash(BashComplete):
    """Typer's bash completion, with each candidate's description after a tab (BASH_SCRIPT shows it)."""

    def format_completion(self, item: CompletionItem) -> str:
        if item.type == NOTHING.type:
            return "\t"
        return f"{item.value}\t{_one_line(item.help)}" if item.help else item.value


class BookctlZsh(ZshComplete):
    """Typer's zsh completion, without its rich markup pass (the descriptions are plain text)."""

    def format_completion(self, item: CompletionItem) -> str:
        def escape(text: str) -> str:
            return (text.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`")
                    .replace(":", r"\\:"))

        if item.help:
            return f'"{escape(item.value)}":"{escape(_one_line(item.help))}"'
        return f'"{escape(item.value)}"'

    def complete(self) -> str:
        """As Typer's, but NOTHING answers nothing rather than `_files`."""
        items = self.get_completions(*self.get_completion_args())
        if _nothing(items):
            return ""
        if not items:
            return "_files"
        return "_arguments '*: :((" + "\n".join(self.format_completion(item) for item in items) + "))'"


class BookctlFish(FishComplete):
    """Typer's fish completion, without its rich markup pass; NOTHING keeps file names out."""

    def format_completion(self, item: CompletionItem) -> str:
        return f"{item.value}\t{_one_line(item.help)}" if item.help else item.value

    def complete(self) -> str:
        items = self.get_completions(*self.get_completion_args())
        if os.getenv("_TYPER_COMPLETE_FISH_ACTION", "") == "is-args":
            sys.exit(0 if items else 1)  # 0: these are the arguments (no files); 1: let fish offer files
        return "\n".join(self.format_completion(item) for item in items if item.type != NOTHING.type)


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def run_completion(cli: Any, ctx_args: Any, prog_name: str, instruction: str) -> int:  # noqa: ANN401
    """Answer one completion request (`complete_bash` ...) on stdout; 0, or 1 for an instruction
    that is none. Whatever goes wrong prints nothing (BOOKCTL_DEBUG=1 raises it)."""
    from typer.completion import shell_complete

    completion_init()
    for cls in (BookctlBash, BookctlZsh, BookctlFish):
        add_completion_class(cls, cls.name)
    try:
        with warnings.catch_warnings():  # a warning on stderr would land in the user's command line
            warnings.simplefilter("ignore")
            return shell_complete(cli, ctx_args, prog_name, COMPLETE_VAR, instruction)
    except Exception:
        if os.environ.get("BOOKCTL_DEBUG") == "1":
            raise
        return 0


def script(shell: str) -> str:
    """The completion script for `shell` (bash, zsh or fish)."""
    if shell == "bash":
        return BASH_SCRIPT
    return get_completion_script(prog_name="bookctl", complete_var=COMPLETE_VAR, shell=shell)


def chosen_shell(value: str) -> str:
    """The shell named (bash, zsh, fish), or, when none is, the one bookctl runs under."""
    from bookctl.errors import UsageError

    shell = value.strip().lower()
    if not shell:
        from typer._completion_shared import _get_shell_name

        shell = (_get_shell_name() or "").lower()
        if shell not in SHELLS:
            raise UsageError("cannot tell which shell this is; name it: --show-completion bash|zsh|fish")
    if shell not in SHELLS:
        raise UsageError(f"no completion for the shell {value!r}; choose bash, zsh or fish")
    return shell


def install(shell: str) -> Path:
    """Install the completion script for `shell` where that shell reads it; the path written."""
    if shell != "bash":
        from typer._completion_shared import install as typer_install

        return typer_install(shell=shell, prog_name="bookctl", complete_var=COMPLETE_VAR)[1]
    # As Typer installs it, with bookctl's script: ~/.bash_completions/bookctl.sh, sourced from ~/.bashrc.
    target = Path.home() / ".bash_completions" / "bookctl.sh"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(BASH_SCRIPT + "\n")
    rc = Path.home() / ".bashrc"
    line = f"source '{target}'"
    existing = rc.read_text() if rc.is_file() else ""
    if line not in existing.splitlines():
        with rc.open("a") as out:
            out.write(("" if not existing or existing.endswith("\n") else "\n") + line + "\n")
    return target


# What each kind of value completes from: a query of services/completion.py, given the read-only unit,
# what was typed, and the store's zone and "now" for those about a day.
def _queries() -> dict[str, Callable[..., list[tuple[str, str]]]]:
    from bookctl.services import completion as c

    return {
        "contact": lambda uow, typed, zone, now: c.contacts(uow, typed),
        "service": lambda uow, typed, zone, now: c.services(uow, typed),
        "staff": lambda uow, typed, zone, now: c.staff(uow, typed),
        "plan": lambda uow, typed, zone, now: c.plans(uow, typed),
        "schedule": lambda uow, typed, zone, now: c.schedules(uow, typed),
        "booking": c.bookings,
        "waitlisted": lambda uow, typed, zone, now: c.bookings(uow, typed, zone, now, ("waitlisted", "offered")),
        "session": c.sessions,
    }


def candidates(kind: str, ctx: Any, incomplete: str) -> list[CompletionItem]:  # noqa: ANN401 - a click context
    """The `kind` values the store holds that `incomplete` may start, each with what it is; NOTHING
    when there are none, or no store, or one that cannot be read."""
    try:
        found = [CompletionItem(value, help=about) for value, about in _query(kind, ctx, incomplete)]
    except Exception:
        if os.environ.get("BOOKCTL_DEBUG") == "1":
            raise
        found = []
    return found or [NOTHING]


def _query(kind: str, ctx: Any, incomplete: str) -> list[tuple[str, str]]:  # noqa: ANN401
    from bookctl.context import clock_from_env, find_store
    from bookctl.services.lookups import zone_of
    from bookctl.storage.stores import open_store

    query = _queries()[kind]
    root = find_store(_store_option(ctx))
    now = clock_from_env()()
    with open_store(root).peek() as uow:
        return query(uow, incomplete, zone_of(uow), now)


def _store_option(ctx: Any) -> Path | None:  # noqa: ANN401
    """The --store given on the command line being completed: after the command, else before it."""
    while ctx is not None:
        given = (ctx.params or {}).get("store")
        if given:
            return Path(given)
        ctx = ctx.parent
    return None


def main_completion(cli: Any, ctx_args: Any, prog_name: str) -> None:  # noqa: ANN401
    """The completion entry of bookctl's root group: answers and exits when the shell asks."""
    instruction = os.environ.get(COMPLETE_VAR)
    if instruction:
        sys.stdout.flush()
        sys.exit(run_completion(cli, ctx_args, prog_name, instruction))
