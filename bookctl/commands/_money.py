"""What every money-moving command shares: the --idempotency-key option and the run-commit-report shape."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from bookctl.commands._options import app_context

KeyOpt = Annotated[Optional[str], typer.Option(
    "--idempotency-key", help="Retrying with the same key and arguments returns the first result and moves no money.",
    show_default=False)]


def run_money(store: Path | None, command: str, arguments: dict[str, Any], key: str | None,
              action: Callable[..., Any]) -> Any:
    """Run a money-moving service under the store lock and carry out its plan: the intent
    committed, the provider called, its answer committed (failed attempts included), then the
    rest. Raises the error it reported, if any; returns what to print."""
    from bookctl.services.payments import idempotent

    ctx = app_context(store)
    with ctx.store().write() as uow:
        now = ctx.clock()
        outcome = idempotent(uow, now, key, command, arguments, lambda: action(uow, now))
    if outcome.error is not None:
        raise outcome.error
    return outcome.view
