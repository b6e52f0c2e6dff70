"""`doctor`: check that every file of the store loads and that its records agree."""

from __future__ import annotations

from bookctl.commands._options import FormatOpt, StoreOpt, app_context
from bookctl.output import Format, emit, emit_rows


def doctor(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Check every file and cross-reference, every amount (not negative, in the store's currency) and
    every attachment's bytes (against their sha256), and find payments pending for over an hour; list
    the problems and exit 4 if there are any."""
    from bookctl.errors import StoreError
    from bookctl.services.doctor import diagnose

    ctx = app_context(store)
    with ctx.store().read() as uow:
        problems, counts = diagnose(uow, ctx.clock())
    if problems:
        emit_rows(problems, fmt)
        raise StoreError(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found in the store; "
                         "nothing was changed")
    emit({"status": "ok", **counts}, fmt)
