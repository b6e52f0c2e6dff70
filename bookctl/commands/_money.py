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
    from bookctl.domain import values
    from bookctl.services.payments import idempotent

    ctx = app_context(store)
    with ctx.store().write() as uow:
        now = ctx.clock()
        typed = arguments
        if key is not None:  # the key's fingerprint compares what the arguments mean, not how they were typed
            key = values.line(key, "--idempotency-key", 255)
            arguments = _as_parsed(arguments, uow.settings.business.currency)
        outcome = idempotent(uow, now, key, command, arguments, lambda: action(uow, now), as_typed=typed)
    if outcome.error is not None:
        raise outcome.error
    return outcome.view


def _as_parsed(arguments: dict[str, Any], currency: str) -> dict[str, Any]:
    """The arguments as the values they mean, for the idempotency fingerprint: `--amount 10` and
    `--amount 10.00` are one amount, kept in minor units (the commands pass methods normalized). A
    value that does not parse is kept as written, for the command itself to refuse."""
    from bookctl.domain.money import Money
    from bookctl.errors import BookctlError

    amount = arguments.get("amount")
    if not isinstance(amount, str):
        return arguments
    try:
        return {**arguments, "amount": Money.parse(amount, currency).minor}
    except BookctlError:
        return arguments
