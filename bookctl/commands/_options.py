"""Options every command shares, and how a command gets its context."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bookctl.context import AppContext, root_context
from bookctl.output import Format

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="The store directory (else BOOKCTL_STORE, else the nearest ancestor holding bookctl.toml).", show_default=False),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json, csv or ndjson.", case_sensitive=False)]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Confirm an irreversible action (required when stdin is not a terminal).")]


def app_context(store: Path | None) -> AppContext:
    """The command's context; a --store given after the command wins over one given before it."""
    ctx = root_context()
    if store is not None:
        ctx = AppContext(store_option=store, clock=ctx.clock)
    return ctx
