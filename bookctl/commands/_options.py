"""Options every command shares, and how a command gets its context."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any

import typer

from bookctl.context import AppContext
from bookctl.output import Format, use_raw_csv

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="The store directory (else BOOKCTL_STORE, else the nearest ancestor holding bookctl.toml).", show_default=False),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json, csv or ndjson.", case_sensitive=False)]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Confirm an irreversible action (required when stdin is not a terminal).")]

# The period of a report or of `export ledger` (domain.reports.report_period: none given, the last 30 days).
FromOpt = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD, inclusive, in the store's time zone (alone: up to today).", show_default=False)]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day, inclusive (alone: its last 30 days).", show_default=False)]
WeekOpt = Annotated[str | None, typer.Option("--week", help="An ISO week, YYYY-Www (Monday to Sunday).", show_default=False)]
MonthOpt = Annotated[str | None, typer.Option("--month", help="A month, YYYY-MM.", show_default=False)]
KeyOpt = Annotated[str | None, typer.Option(
    "--idempotency-key", help="Retrying with the same key and arguments returns the first result and moves no money.",
    show_default=False)]

RAW_HELP = "CSV: write text cells as they are, without the ' that keeps a spreadsheet from running one as a formula."


def _raw_requested(value: bool) -> bool:
    if value:  # only ever on: the root command resets it for each invocation
        use_raw_csv(True)
    return value


# Not a parameter of the command functions: `with_raw_option` adds it to every command taking --format.
RawOpt = Annotated[bool, typer.Option("--raw", help=RAW_HELP, callback=_raw_requested, expose_value=False)]


def with_raw_option(command: Any) -> Any:  # noqa: ANN401 - a click command or group
    """`command` (and every command under it) with the shared `--raw` flag wherever it takes --format,
    so `bookctl contact list --format csv --raw` works on every command that can write CSV."""
    for sub in getattr(command, "commands", {}).values():
        with_raw_option(sub)
    given = {opt for param in command.params for opt in param.opts}
    if "--format" in given and "--raw" not in given:
        command.params.append(_raw_param())
    return command


@functools.cache
def _raw_param() -> Any:  # noqa: ANN401 - the click option
    """The click option Typer builds for RawOpt (built once, shared: it keeps no state)."""
    import typer.main

    probe = typer.Typer(add_completion=False)

    @probe.command()
    def raw_probe(raw: RawOpt = False) -> None:  # noqa: ARG001 - never run; Typer reads the signature
        """Never run."""

    [param] = typer.main.get_command(probe).params
    return param


def app_context(store: Path | None) -> AppContext:
    """The command's context: the one the root command put in Typer's `ctx.obj`, with a --store
    given after the command winning over one given before it."""
    from typer.main import get_current_context  # Typer's own (its click is vendored)

    current = get_current_context(silent=True)
    root = current.find_root().obj if current is not None else None
    return (root if isinstance(root, AppContext) else AppContext()).with_store(store)


def complete_with(kind: str) -> Any:  # noqa: ANN401 - click's shell_complete callback
    """An option's or argument's `shell_complete`: Tab offers the store's `kind` values ("contact",
    "service", "staff", "booking", "waitlisted", "session", "plan", "schedule") with what each is. A
    name typed matches too, so this is click's callback rather than Typer's `autocompletion`, which
    keeps only values starting with what was typed. Its code loads only when completing."""

    def complete(ctx: Any, param: Any, incomplete: str) -> list[Any]:  # noqa: ANN401, ARG001
        from bookctl.commands._complete import candidates

        return candidates(kind, ctx, incomplete)

    complete.__name__ = f"complete_{kind}"
    return complete
