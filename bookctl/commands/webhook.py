"""`webhook`: POST the store's events, signed, to the URLs subscribed to them (services/webhooks.py)."""

# No `from __future__ import annotations`: Typer evals string annotations at every start-up (see contact.py).

import sys
from typing import Annotated

import typer

from bookctl.commands._options import FormatOpt, StoreOpt, app_context
from bookctl.output import Format, emit, emit_rows

app = typer.Typer(no_args_is_help=True, help="Webhooks: each event POSTed as signed JSON to the URLs subscribed to it.")

SEND_COLUMNS = ("delivery", "event", "webhook", "status", "attempts", "next_attempt_at", "error")
DELIVERY_COLUMNS = ("delivery", "webhook", "event", "status", "attempts", "next_attempt_at", "error")


@app.command("add")
def webhook_add(
    url: Annotated[str, typer.Argument(metavar="URL", help="Where to POST: an http:// or https:// URL.")],
    events: Annotated[str, typer.Option("--events", help="The events to send, comma-separated: booking-created, "
                                        "booking-cancelled, booking-rescheduled, attendance-changed, payment, "
                                        "refund, contact-created, waitlist-promoted.", show_default=False)],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Subscribe URL to events: from the next change on, each is queued in the commit that made it and
    POSTed by 'bookctl webhook send', signed with BOOKCTL_WEBHOOK_SECRET (never kept in the store)."""
    from bookctl.services.webhooks import add_webhook, check_events, check_url

    names = check_events(name.strip() for name in events.split(",") if name.strip())
    check_url(url)  # both checked before the store is opened
    with app_context(store).store().write() as uow:
        webhook = add_webhook(uow, url, names)
        uow.commit()
    emit(webhook.model_dump(mode="json"), fmt)


@app.command("list")
def webhook_list(
    deliveries: Annotated[bool, typer.Option("--deliveries", help="List the queued deliveries instead, failed "
                                             "ones too, with their attempts and last error.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The webhooks: id, url, events, and how many deliveries each has queued and failed (given up after
    the most attempts; 'bookctl webhook send --retry-failed' tries them again)."""
    from bookctl.services.webhooks import delivery_rows, webhook_rows

    with app_context(store).store().read() as uow:
        rows = delivery_rows(uow) if deliveries else webhook_rows(uow)
    emit_rows(rows, fmt, columns=(DELIVERY_COLUMNS if deliveries else None) if fmt is Format.table else None)


@app.command("remove")
def webhook_remove(
    webhook_id: Annotated[str, typer.Argument(metavar="ID", help="A webhook id from 'bookctl webhook list'.")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Unsubscribe a webhook; its queued and failed deliveries are dropped with it (the count is shown)."""
    from bookctl.services.webhooks import remove_webhook

    with app_context(store).store().write() as uow:
        removed = remove_webhook(uow, webhook_id)
        uow.commit()
    emit(removed, fmt)


@app.command("send")
def webhook_send(
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Also try the deliveries given up on, "
                                               "from their first attempt again.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """POST every delivery that is due (run it from cron), signed with BOOKCTL_WEBHOOK_SECRET. A 2xx answer
    delivers it; anything else is retried after 1 min, 2, 4 ... (6 h at most), and given up after 12
    attempts. Exit 0 when nothing failed; 5 when an attempt failed (those stay queued); 2 when deliveries
    are due and BOOKCTL_WEBHOOK_SECRET is unset. One row per delivery attempted; on a terminal, a line on
    stderr as each is done."""
    from bookctl.services.webhooks import secret_from_env, send

    ctx = app_context(store)
    told = _tell if sys.stderr.isatty() else None
    result = send(ctx.store(), ctx.clock(), secret_from_env(), retry_failed=retry_failed, told=told)
    emit_rows(result.rows, fmt, columns=SEND_COLUMNS if fmt is Format.table else None)
    failures = result.failures
    if failures:
        from bookctl.errors import ProviderError

        first = failures[0]
        queued = sum(1 for row in failures if row["status"] == "retry")
        given_up = len(failures) - queued
        said = [f"{queued} stay queued for the next 'bookctl webhook send'"] if queued else []
        if given_up:
            said.append(f"{given_up} given up ('bookctl webhook list --deliveries' shows them; "
                        "'bookctl webhook send --retry-failed' tries them again)")
        raise ProviderError(f"{len(failures)} webhook delivery(ies) failed ({first['delivery']} to {first['webhook']}: "
                            f"{first['error']}); {'; '.join(said)}")


def _tell(row: dict) -> None:
    sys.stderr.write(f"{row['delivery']} {row['event']} -> {row['webhook']}: {row['status']}"
                     + (f" ({row['error']})" if row["error"] else "") + "\n")
