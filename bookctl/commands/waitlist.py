"""`waitlist`: the clients waiting for a place in a full class, and the cron job that gives freed places."""

# No `from __future__ import annotations`: Typer evals string annotations at every start-up (see contact.py).

from typing import Annotated, Optional

import typer

from bookctl.commands import _run
from bookctl.commands._options import FormatOpt, StoreOpt, complete_with
from bookctl.output import Format, emit, emit_rows

app = typer.Typer(no_args_is_help=True, help="Waitlists of full classes: who waits, offers, and the sweep cron runs.")

BookingArg = Annotated[str, typer.Argument(help="The waitlisted (or offered) booking's id.", shell_complete=complete_with("waitlisted"))]
LIST_COLUMNS = ("id", "session_id", "start", "service_id", "contact_id", "status", "waitlist_position", "offer_expires_at")
SWEEP_COLUMNS = ("action", "booking", "session", "contact_id", "offer_expires_at")


@app.command("list")
def waitlist_list(
    session: Annotated[Optional[str], typer.Argument(help="One session (default: every meeting still to come).",
                                                     show_default=False, shell_complete=complete_with("session"))] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The clients waiting, in line order: a place offered first, then by when they joined."""
    from bookctl.commands._options import app_context
    from bookctl.services.waitlist import list_waitlist

    ctx = app_context(store)
    rows = _run.read(store, lambda uow: list_waitlist(uow, ctx.clock(), session))
    emit_rows(rows, fmt, columns=LIST_COLUMNS if fmt is Format.table else None)


@app.command("accept")
def waitlist_accept(booking: BookingArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """The client takes the place held for them: the booking is confirmed and owes its price."""
    from bookctl.services.waitlist import accept

    emit(_run.write(store, lambda uow, now: accept(uow, now, booking)), fmt)


@app.command("leave")
def waitlist_leave(booking: BookingArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Take a client off a waitlist; a place offered to them goes to the next client waiting."""
    from bookctl.services.waitlist import leave

    view = _run.write(store, lambda uow, now: leave(uow, now, booking))
    try:
        _run.send_queued(store, _run.waitlist_emails(view), f"booking {view['id']} left the waitlist")
    finally:
        emit(view, fmt)


@app.command("sweep")
def waitlist_sweep(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """For cron: let lapsed offers go and give each free place of a meeting still to come to the next
    client waiting (promoted or offered, as waitlist.mode says). Safe to run as often as cron likes.
    Exit 0, or 5 when an email could not be sent (it stays in the outbox)."""
    from bookctl.services.waitlist import sweep

    rows = _run.write(store, sweep)
    try:
        _run.send_queued(store, _run.waitlist_emails({"waitlist": rows}), "the waitlists are swept")
    finally:
        emit_rows(rows, fmt, columns=SWEEP_COLUMNS if fmt is Format.table else None)
