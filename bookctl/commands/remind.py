"""`remind`: reminders of bookings, each sent once, for cron."""

# No `from __future__ import annotations`: Typer evals string annotations at every start-up (see contact.py).

import sys
from typing import Annotated, Optional

import typer

from bookctl.commands._options import FormatOpt, StoreOpt, app_context
from bookctl.output import Format, emit_rows

app = typer.Typer(no_args_is_help=True, help="Reminders of bookings, each sent once (run it from cron).")

COLUMNS = ("booking", "start", "to", "offset", "message", "status")


@app.command("run")
def remind_run(
    before: Annotated[Optional[str], typer.Option(
        "--before", help="Remind bookings starting within this, e.g. 24h or 90m (default: remind.offsets).",
        show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent; change nothing.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Queue, and in smtp mode send, one reminder for every confirmed booking starting within an offset that
    has not had one for it. Safe to run as often as cron likes: a booking is reminded once per offset and start.
    Exit 0 when everything due was queued or sent; 5 when the mail server is down (the reminders stay queued,
    marked, and the next run or 'bookctl outbox send' delivers them, one copy each). On a terminal one line per
    message; piped, one summary line (or the rows, with --format json|csv|ndjson)."""
    from bookctl.services import reminders

    ctx = app_context(store)
    opened = ctx.store()
    if dry_run:
        with opened.read() as uow:
            found = reminders.due(uow, ctx.clock(), reminders.offsets(uow, before))
            rows = [reminders.row(uow, item, uow.contacts.get(item.booking.contact_id).email, None,
                                  "would send") for item in found]
        _show(rows, fmt)
        return
    with opened.write() as uow:
        now = ctx.clock()
        wanted = reminders.offsets(uow, before)
        settings = uow.settings.email
        if settings.mode == "smtp":
            from bookctl.services.mail import smtp_password, smtp_problem

            problem = smtp_problem(settings, smtp_password())
            if problem:  # before anything is marked: a mistyped setting must not eat the reminders
                from bookctl.errors import UsageError

                raise UsageError(problem)
        rows = reminders.queue(uow, now, reminders.due(uow, now, wanted))
        uow.commit()
    failures = _send(opened, settings, rows) if settings.mode == "smtp" else []
    _show(rows, fmt)
    if failures:
        from bookctl.errors import ProviderError

        kept = sum(1 for r in rows if r["status"] == "kept")
        raise ProviderError(f"{'; '.join(failures)}; {kept} reminder(s) stay in the outbox, marked: the next "
                            "'bookctl remind run' or 'bookctl outbox send' sends them")


def _send(opened, settings, rows: list) -> list:  # noqa: ANN001
    """Send every reminder in the outbox (this run's, and any an earlier run could not); update `rows`,
    adding one for each earlier one. Returns the failures."""
    from bookctl.services.delivery import deliver
    from bookctl.services.reminders import queued_reminders

    with opened.read() as uow:
        ids = queued_reminders(uow)
    if not ids:
        return []
    result = deliver(opened, settings, ids)
    ours = {r["message"]: r for r in rows if r["message"]}
    for sent in result.rows:
        if sent["id"] in ours:
            ours[sent["id"]]["status"] = sent["status"]
        else:  # queued by an earlier run whose sending failed
            rows.append({"booking": sent.get("booking"), "session_id": None, "contact_id": None, "to": sent.get("to"),
                         "start": None, "offset": None, "message": sent["id"], "status": sent["status"]})
    return result.failures


def _show(rows: list, fmt: Format) -> None:
    if fmt is Format.table and not sys.stdout.isatty():  # cron mails what it prints: one line says it all
        counts = {status: sum(1 for r in rows if r["status"] == status) for status in
                  ("would send", "queued", "sent", "kept", "no email")}
        said = ", ".join(f"{n} {status}" for status, n in counts.items() if n) or "nothing due"
        typer.echo(f"remind: {len(rows)} reminder(s): {said}")
        return
    emit_rows(rows, fmt, columns=COLUMNS if fmt is Format.table else None)
