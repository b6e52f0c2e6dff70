"""`outbox`: the email bookctl queued, and sending it over SMTP."""

from __future__ import annotations

from typing import Annotated

import typer

from bookctl.commands._options import FormatOpt, StoreOpt, app_context
from bookctl.output import Format, emit, emit_rows

app = typer.Typer(no_args_is_help=True, help="Queued email: list, show and send it.")


@app.command("list")
def outbox_list(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """The queued messages, oldest first: id, date, to, subject, kind, booking."""
    from bookctl.services.mail import list_outbox

    with app_context(store).store().read() as uow:
        rows = list_outbox(uow)
    emit_rows(rows, fmt, columns=["id", "to", "subject", "kind", "booking"] if fmt is Format.table else None)


@app.command("show")
def outbox_show(
    message: Annotated[str, typer.Argument(metavar="MSG", help="A message id from 'bookctl outbox list'.")],
    raw: Annotated[bool, typer.Option("--raw", help="Print the message as stored (RFC 5322, the .eml file).")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """One queued message: its headers, language and plain text."""
    from bookctl.services.mail import show_message

    with app_context(store).store().read() as uow:
        if raw:
            from bookctl.output.files import bytes_to_stdout

            bytes_to_stdout(uow.outbox.read(message))
            return
        view = show_message(uow, message)
    emit(view, fmt)


@app.command("send")
def outbox_send(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Send every queued message over SMTP (email.mode smtp), removing each once the server accepted it.

    Each goes out From email.sender as it is set now. Messages the server did not take (an address
    that needs SMTPUTF8 the server does not offer, say) stay queued; the command then exits 5 and says why."""
    from bookctl.errors import ProviderError
    from bookctl.services.delivery import deliver

    opened = app_context(store).store()
    with opened.read() as uow:
        settings = uow.settings.email
    result = deliver(opened, settings)
    emit_rows(result.rows, fmt, columns=["id", "to", "subject", "status"] if fmt is Format.table else None)
    if not result.ok:
        kept = sum(1 for row in result.rows if row["status"] == "kept")
        raise ProviderError(f"{'; '.join(result.failures)}; {kept} message(s) stay in the outbox")
