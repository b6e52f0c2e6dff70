"""Sending, after the commit, the emails a command queued in the same unit of work as its change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bookctl.commands._options import app_context


def send_queued(store: Path | None, records: list[tuple[str, dict[str, Any]]], done: str) -> None:
    """In smtp mode, send each queued message: `records` are (what it is, the view's email record), each
    record updated to sent or kept. A failure is exit 5 saying that `done` stands and the message
    waits in the outbox."""
    if not records:
        return
    from bookctl.errors import ProviderError
    from bookctl.services.delivery import send_after_commit

    file_store = app_context(store).store()
    with file_store.read() as uow:
        settings = uow.settings.email
    failures = []
    for what, record in records:
        failure = send_after_commit(file_store, settings, record)
        if failure:
            failures.append(f"the {what} could not be sent ({failure}); it stays in the outbox as "
                            f"{record['message']}")
    if failures:
        raise ProviderError(f"{done}, but {'; and '.join(failures)}: 'bookctl outbox send' retries")
