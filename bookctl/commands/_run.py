"""The one command runner. Every command runs in one of three shapes, under one context:

    read(store, action)        action(uow) in a consistent read-only view
    write(store, action)       action(uow, now) under the store lock, then one commit
    money(store, ...)          a money-moving service: intent committed, provider called, answer
                               committed (services/money.py), once per idempotency key
and, after the commit, `send_queued` sends (in smtp mode) the emails the command queued with its
change, so a mail server that fails never undoes the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from bookctl.commands._options import app_context

T = TypeVar("T")


def read(store: Path | None, action: Callable[[Any], T]) -> T:
    """`action(uow)` in a read-only unit of work of the command's store."""
    with app_context(store).store().read() as uow:
        return action(uow)


@contextmanager
def streaming() -> Iterator[None]:
    """For a command that streams many rows out (an export): no cyclic garbage collection meanwhile.
    Each row's objects are freed by reference counting once it is written, so a collection finds
    nothing to free; a year's export allocates millions of them, and the collections they would
    set off cost about a sixth of its time. Memory stays what the rows in flight hold."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write(store: Path | None, action: Callable[[Any, Any], T]) -> T:
    """`action(uow, now)` under the store lock, committed once it returns."""
    ctx = app_context(store)
    with ctx.store().write() as uow:
        result = action(uow, ctx.clock())
        uow.commit()
    return result


def money(store: Path | None, command: str, arguments: dict[str, Any], key: str | None,
          action: Callable[..., Any]) -> Any:  # noqa: ANN401
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


def send_queued(store: Path | None, records: list[tuple[str, dict[str, Any]]], done: str) -> None:
    """In smtp mode, send each queued message: `records` are (what it is, the view's email record), each
    record updated to sent or kept. A failure is exit 5 saying that `done` stands and the message
    waits in the outbox."""
    if not records:
        return
    from bookctl.errors import ProviderError
    from bookctl.services.delivery import send_after_commit

    opened = app_context(store).store()
    with opened.read() as uow:
        settings = uow.settings.email
    failures = []
    for what, record in records:
        failure = send_after_commit(opened, settings, record)
        if failure:
            failures.append(f"the {what} could not be sent ({failure}); it stays in the outbox as "
                            f"{record['message']}")
    if failures:
        raise ProviderError(f"{done}, but {'; and '.join(failures)}: 'bookctl outbox send' retries")


def waitlist_emails(view: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """`send_queued` records of the emails telling clients on a waitlist that a place freed by the
    command is theirs (or offered to them): the view's `waitlist` rows."""
    return [(f"email to {row['contact_id']} about the freed place", row["email"])
            for row in view.get("waitlist", []) if row.get("email")]
