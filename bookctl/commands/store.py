"""`store`: the store itself: bring its schema up to date, copy it between files and PostgreSQL."""

# No `from __future__ import annotations`: Typer evals string annotations at every start-up (see contact.py).

from typing import Annotated

import typer

from bookctl.commands._options import FormatOpt, StoreOpt, app_context
from bookctl.output import Format, emit

app = typer.Typer(no_args_is_help=True, help="The store itself: schema upgrades, copies between files and PostgreSQL.")


@app.command("upgrade")
def upgrade(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Bring the store's schema up to this bookctl's (a PostgreSQL store's tables; files need nothing)."""
    target = app_context(store).store()
    before, after = target.upgrade()
    emit({"store": str(target.root.resolve()), "backend": _backend(target), "schema_before": before,
          "schema_after": after, "changed": before != after}, fmt)


def _backend(store: object) -> str:
    return "postgresql" if type(store).__name__ == "PostgresStore" else "files"


def _copy_progress(stage: str, done: int) -> None:
    import sys

    sys.stderr.write(f"\r{stage} ({done} records copied)".ljust(48))
    sys.stderr.flush()


@app.command("copy")
def store_copy(
    to: Annotated[str, typer.Option("--to", help="An empty PostgreSQL database (postgresql://user@host/db), or a directory that does not exist or is empty: it becomes a file store.", show_default=False)] = ...,  # type: ignore[assignment]
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Copy every record of the store, ids and all, into an empty database or a new directory; then check both.

    Holds the store's write lock while it copies. Both stores must pass `doctor`, and the copy must
    hold as many records and as much money as its source, or nothing is kept (exit 4). A copy into
    a database writes no bookctl.toml: to use it, copy this one and `config set storage.url`.
    """
    import sys

    from bookctl.services.doctor import diagnose
    from bookctl.storage.copy import copy_store

    from bookctl.domain import values

    if "://" not in to:
        values.path(to, "--to")
    source = app_context(store).store()
    on_terminal = sys.stderr.isatty()
    try:
        summary = copy_store(source, to, diagnose, progress=_copy_progress if on_terminal else None)
    finally:
        if on_terminal:
            sys.stderr.write("\n")  # end the progress line
    emit(summary, fmt)
