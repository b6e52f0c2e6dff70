"""`import`: contacts and bookings from the files other tools (and bookctl's exports) write."""

# No `from __future__ import annotations`: Typer evals string annotations at every start-up (see contact.py).

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from bookctl.commands._options import StoreOpt, app_context

app = typer.Typer(no_args_is_help=True, help="Import contacts and bookings from other tools' files or bookctl's exports.")


class ContactSource(str, Enum):
    """What `import contacts` reads."""

    wix = "wix"
    square = "square"
    google = "google"
    outlook = "outlook"
    csv = "csv"
    vcard = "vcard"


class BookingSource(str, Enum):
    """What `import bookings` reads."""

    json = "json"
    ndjson = "ndjson"
    ics = "ics"


class OnDuplicate(str, Enum):
    """What `import contacts` does with a row that names a contact the store has."""

    skip = "skip"
    update = "update"
    fail = "fail"


class SummaryFormat(str, Enum):
    """How an import's summary is shown: one record, so a table or JSON."""

    table = "table"
    json = "json"


SummaryFormatOpt = Annotated[SummaryFormat, typer.Option("--format", "-f", help="table (the summary line) or json ({created, updated, skipped, rejected}).", case_sensitive=False)]
FileArg = Annotated[Path, typer.Argument(help="The file to import.", show_default=False)]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would be imported; change nothing.")]
SkipInvalidOpt = Annotated[bool, typer.Option("--skip-invalid", help="Import the valid records and list the rejected ones (by default one invalid record stops the whole import).")]


def _read(path: Path) -> bytes:
    """FILE's bytes, or one error line saying why it cannot be read."""
    _readable(path)
    return path.read_bytes()


def _readable(path: Path) -> None:
    """Refuse a FILE that names nothing readable, before the store is opened."""
    from bookctl.domain import values
    from bookctl.errors import UsageError

    values.path(str(path), "FILE")
    try:
        with path.open("rb"):
            pass
    except FileNotFoundError:
        raise UsageError(f"no file {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory; give a file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _progress(done: int) -> None:
    sys.stderr.write(f"\rimporting: {done} records")
    sys.stderr.flush()


def _report(summary, fmt: SummaryFormat, dry_run: bool) -> None:  # noqa: ANN001 - an ImportSummary
    """The summary: one line (with a line per record on a dry run, rejects on stderr), or its JSON."""
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")  # end the progress line
    if fmt is SummaryFormat.table:
        if dry_run:
            for action in summary.actions:
                if action["action"] != "rejected":
                    sys.stdout.write(f"line {action['line']}: would be {action['action']}: {action['id']} "
                                     f"{action['detail']}\n")
        for reject in summary.rejected:
            sys.stderr.write(f"rejected line {reject['line']}: {reject['reason']}\n")
        sys.stdout.write(("dry run, nothing changed: would have " if dry_run else "") + summary.line() + "\n")
        return
    from bookctl.output import Format, emit

    record = summary.record()
    if dry_run:
        record["dry_run"] = True
        record["actions"] = summary.actions
    emit(record, Format.json)


@app.command("contacts")
def import_contacts(
    file: FileArg,
    source: Annotated[Optional[ContactSource], typer.Option("--from", help="The file's layout: google, outlook, wix, square (their CSV exports), csv (any CSV, by its headers and --map) or vcard (vCard 3 or 4). Default: recognised from the file.", case_sensitive=False, show_default=False)] = None,
    maps: Annotated[Optional[list[str]], typer.Option("--map", help="COLUMN=FIELD: COLUMN fills FIELD (first_name, last_name, name, email, phone, address, company, position, language, tax_id, birthday, labels), or the custom field FIELD[:text|number|date|url]; COLUMN= leaves a column out. Repeatable.", show_default=False)] = None,
    dry_run: DryRunOpt = False,
    on_duplicate: Annotated[OnDuplicate, typer.Option("--on-duplicate", help="A row whose email (else phone) a contact has: skip it, update (fill in what the contact lacks) or fail (import nothing).", case_sensitive=False)] = OnDuplicate.skip,
    skip_invalid: SkipInvalidOpt = False,
    store: StoreOpt = None,
    fmt: SummaryFormatOpt = SummaryFormat.table,
) -> None:
    """Import contacts from a CSV file (Google Contacts, Outlook, Wix, Square or any CSV) or a vCard file.

    Every value is checked as `contact add` checks it; a value written over several lines is joined
    into one. A duplicate is found by email, then phone, so importing a file again adds nothing. One
    invalid row imports nothing (exit 2) unless --skip-invalid. The whole import is one commit."""
    from bookctl.services.calendar import today
    from bookctl.services.importing.contacts import import_contacts as run_import
    from bookctl.services.importing.readers import contact_drafts
    from bookctl.services.lookups import zone_of

    data = _read(file)
    ctx = app_context(store)
    now = ctx.clock()
    with ctx.store().write() as uow:
        drafts = contact_drafts(data, source.value if source else None, maps or [], file.name)
        summary = run_import(uow, now, today(now, zone_of(uow)), drafts, on_duplicate=on_duplicate.value,
                             skip_invalid=skip_invalid, detailed=dry_run,
                             progress=_progress if sys.stderr.isatty() else None)
        if not dry_run:
            uow.commit()
    _report(summary, fmt, dry_run)


@app.command("bookings")
def import_bookings(
    file: FileArg,
    source: Annotated[Optional[BookingSource], typer.Option("--from", help="json or ndjson (bookctl's export bookings) or ics (each VEVENT a booking). Default: recognised from the file.", case_sensitive=False, show_default=False)] = None,
    service: Annotated[Optional[str], typer.Option("--service", help="The service of every booking (id or name); default: the file's service, or an ICS event's CATEGORIES or SUMMARY.", show_default=False)] = None,
    dry_run: DryRunOpt = False,
    skip_invalid: SkipInvalidOpt = False,
    store: StoreOpt = None,
    fmt: SummaryFormatOpt = SummaryFormat.table,
) -> None:
    """Import bookings from bookctl's own export (json, ndjson) or an ICS calendar.

    Each booking's client is found by email (then phone), else made from the file's name and
    email; services and staff must exist already. Past bookings keep their attendance; a booking
    carries its price, and a payment only where the file says it was paid. A booking the store
    already has (same client, service and start) is skipped, so a re-run adds nothing. Ids are kept
    where they are free: an export imported into an empty store with the same services exports the
    same bytes. One invalid booking imports nothing (exit 2) unless --skip-invalid."""
    from bookctl.commands._run import streaming
    from bookctl.services.calendar import today
    from bookctl.services.importing.bookings import import_bookings as run_import
    from bookctl.services.importing.readers import booking_drafts
    from bookctl.services.lookups import zone_of

    _readable(file)
    ctx = app_context(store)
    now = ctx.clock()
    with ctx.store().write() as uow, streaming():
        drafts = booking_drafts(file, source.value if source else None)
        summary = run_import(uow, now, today(now, zone_of(uow)), drafts, service_ref=service,
                             skip_invalid=skip_invalid, detailed=dry_run,
                             progress=_progress if sys.stderr.isatty() else None)
        if not dry_run:
            uow.commit()
    _report(summary, fmt, dry_run)
