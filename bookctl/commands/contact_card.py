"""The card's parts: `contact add-field|label|unlabel|note|task|attach|attachments|attachment|bookings|
form-responses`, and the store-wide `label list` and `field list`. Registered on `contact` in contact.py."""

# No `from __future__ import annotations`: Typer would eval every string annotation while building the
# command tree at each start-up (about 15 ms for these commands); real annotations cost nothing then.

from pathlib import Path
from typing import Annotated, Optional

import typer

from bookctl.commands._options import FormatOpt, StoreOpt, app_context, complete_with
from bookctl.output import Format, emit, emit_rows

note_app = typer.Typer(no_args_is_help=True, help="Notes on a contact's card.")
task_app = typer.Typer(no_args_is_help=True, help="Tasks for staff about a contact.")
attachment_app = typer.Typer(no_args_is_help=True, help="Files kept with a contact's card.")
label_app = typer.Typer(no_args_is_help=True, help="Labels that group contacts.")
field_app = typer.Typer(no_args_is_help=True, help="Custom contact fields.")

ContactArg = Annotated[str, typer.Argument(help="Contact id, e.g. c-12.", shell_complete=complete_with("contact"))]
StaffOpt = Annotated[Optional[str], typer.Option("--assignee", help="A member of staff: id or unique name.", show_default=False, shell_complete=complete_with("staff"))]
TASK_COLUMNS = ("id", "contact_id", "due", "assignee", "open", "overdue", "text")
ATTACHMENT_COLUMNS = ("id", "contact_id", "name", "size", "media_type", "created_at")


def _contact_emit(contact, uow, fmt: Format) -> None:  # noqa: ANN001
    from bookctl.services.lookups import zone_of
    from bookctl.services.views import contact_view

    emit(contact_view(contact, zone_of(uow)), fmt)


def contact_add_field(
    contact_id: ContactArg,
    field: Annotated[str, typer.Argument(help="email, phone, address (adds another), company, position, language, "
                                              "tax-id, birthday, or a custom field's name.")],
    value: Annotated[str, typer.Argument()],
    kind: Annotated[Optional[str], typer.Option("--type", help="text, number, date or url: defines a new custom field.", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a field to the card: another email/phone/address, a detail, or a custom field."""
    from bookctl.domain.models import FIELD_TYPES
    from bookctl.errors import UsageError
    from bookctl.services.calendar import today
    from bookctl.services.contact_fields import BUILTIN_FIELDS, add_field, builtin_key, custom_field
    from bookctl.services.lookups import live_contact, zone_of

    ctx = app_context(store)
    now = ctx.clock()
    with ctx.store().write() as uow:
        day = today(now, zone_of(uow))
        if kind is not None and kind not in FIELD_TYPES:
            raise UsageError(f"--type {kind!r} is not one of {', '.join(FIELD_TYPES)}")
        live_contact(uow, contact_id)  # an unknown or erased contact is refused first
        key = builtin_key(field)
        if key is not None and kind is not None:
            raise UsageError(f"{key} is a built-in field; --type is only for custom fields")
        if key is None and kind is None:
            name, defined = custom_field(uow, field)
            if defined is None:
                raise UsageError(f"no field {name!r}: define it with --type text|number|date|url "
                                 f"(built-in fields: {', '.join(BUILTIN_FIELDS)})")
        contact = add_field(uow, day, contact_id, field, value, kind)
        uow.commit()
        _contact_emit(contact, uow, fmt)


def contact_remove_field(
    contact_id: ContactArg,
    field: Annotated[str, typer.Argument(help="email, phone, address (one of the extra ones), company, position, "
                                              "language, tax-id, birthday, or a custom field's name.")],
    value: Annotated[Optional[str], typer.Argument(help="Which extra email/phone/address, when there are several.", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Take a field off the card (the primary email, phone and address change with `contact edit`)."""
    from bookctl.services.contact_fields import remove_field

    with app_context(store).store().write() as uow:
        contact = remove_field(uow, contact_id, field, value)
        uow.commit()
        _contact_emit(contact, uow, fmt)


def contact_label(contact_id: ContactArg, labels: Annotated[list[str], typer.Argument(help="One or more labels.")],
                  store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Add labels to a contact."""
    from bookctl.services.labels import label_contact

    with app_context(store).store().write() as uow:
        contact = label_contact(uow, contact_id, labels)
        uow.commit()
        _contact_emit(contact, uow, fmt)


def contact_unlabel(contact_id: ContactArg, labels: Annotated[list[str], typer.Argument(help="One or more labels.")],
                    store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Remove labels from a contact."""
    from bookctl.services.labels import unlabel_contact

    with app_context(store).store().write() as uow:
        contact = unlabel_contact(uow, contact_id, labels)
        uow.commit()
        _contact_emit(contact, uow, fmt)


@label_app.command("list")
def label_list(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Every label in use, with how many contacts have it."""
    from bookctl.services.labels import label_counts

    with app_context(store).store().read() as uow:
        emit_rows(label_counts(uow), fmt, columns=("label", "contacts"))


@field_app.command("list")
def field_list(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """The custom contact field definitions: name and type."""
    from bookctl.services.contact_fields import field_rows

    with app_context(store).store().read() as uow:
        emit_rows(field_rows(uow), fmt, columns=("name", "type"))


@note_app.command("add")
def note_add(
    contact_id: ContactArg,
    text: Annotated[str, typer.Argument(help="What to note.")],
    kind: Annotated[str, typer.Option("--type", help="note, meeting-summary or call-summary.")] = "note",
    author: Annotated[Optional[str], typer.Option("--author", help="A member of staff: id or unique name.", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Write a note on a contact's card."""
    from bookctl.domain.cards import NOTE_TYPES
    from bookctl.errors import UsageError
    from bookctl.services.lookups import zone_of
    from bookctl.services.notes import add_note
    from bookctl.services.views import note_view

    ctx = app_context(store)
    with ctx.store().write() as uow:
        now = ctx.clock()
        if kind not in NOTE_TYPES:
            raise UsageError(f"--type {kind!r} is not one of {', '.join(NOTE_TYPES)}")
        note = add_note(uow, now, contact_id, text, kind, author)
        uow.commit()
        emit({"contact_id": contact_id, **note_view(note, zone_of(uow))}, fmt)


@note_app.command("list")
def note_list(contact_id: ContactArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """A contact's notes, newest first."""
    from bookctl.services.notes import list_notes

    with app_context(store).store().read() as uow:
        emit_rows(list_notes(uow, contact_id), fmt, columns=("id", "created_at", "type", "author", "text"))


@task_app.command("add")
def task_add(
    contact_id: ContactArg,
    text: Annotated[str, typer.Argument(help="What to do.")],
    assignee: StaffOpt = None,
    due: Annotated[Optional[str], typer.Option("--due", help="YYYY-MM-DD, in the store's time zone.", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Give a member of staff a task about a contact."""
    from bookctl.services.notes import check_body
    from bookctl.services.tasks import add_task
    from bookctl.timeutil import parse_date

    ctx = app_context(store)
    with ctx.store().write() as uow:
        now = ctx.clock()
        body = check_body(text, "task")
        due_day = None if due is None else parse_date(due, "--due")
        view = add_task(uow, now, contact_id, body, assignee, due_day)
        uow.commit()
    emit(view, fmt)


@task_app.command("list")
def task_list(
    contact_id: Annotated[Optional[str], typer.Argument(help="Only this contact's tasks.", show_default=False, shell_complete=complete_with("contact"))] = None,
    assignee: StaffOpt = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open tasks due before today.")] = False,
    open_only: Annotated[bool, typer.Option("--open", help="Only tasks not done yet.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Tasks by due day, across contacts or for one."""
    from bookctl.services.tasks import list_tasks

    ctx = app_context(store)
    with ctx.store().read() as uow:
        rows = list_tasks(uow, ctx.clock(), contact_id, assignee, overdue, open_only)
    emit_rows(rows, fmt, columns=TASK_COLUMNS)


@task_app.command("done")
def task_done(task_id: Annotated[str, typer.Argument(help="Task id, e.g. t-3.")], store: StoreOpt = None,
              fmt: FormatOpt = Format.table) -> None:
    """Mark a task done."""
    from bookctl.services.tasks import complete_task

    ctx = app_context(store)
    with ctx.store().write() as uow:
        view = complete_task(uow, ctx.clock(), task_id)
        uow.commit()
    emit(view, fmt)


def contact_attach(
    contact_id: ContactArg,
    file: Annotated[Path, typer.Argument(help="The regular file to copy into the store (not a symlink, directory, "
                                              "FIFO or device, nothing under /proc, /sys or /dev).")],
    name: Annotated[Optional[str], typer.Option("--name", help="The name to keep (default: FILE's own name).", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Copy a file into the store as an attachment of a contact's card."""
    from bookctl.domain import values
    from bookctl.services.attachments import attach

    values.path(str(file), "FILE")
    ctx = app_context(store)
    with ctx.store().write() as uow:
        view = attach(uow, ctx.clock(), contact_id, file, name)
        uow.commit()
    emit(view, fmt)


def contact_attachments(contact_id: ContactArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """A contact's attachments."""
    from bookctl.services.attachments import list_attachments

    with app_context(store).store().read() as uow:
        emit_rows(list_attachments(uow, contact_id), fmt, columns=ATTACHMENT_COLUMNS)


@attachment_app.command("get")
def attachment_get(
    attachment_id: Annotated[str, typer.Argument(help="Attachment id, e.g. a-4.")],
    output: Annotated[str, typer.Option("--output", "-o", help="The file to write (atomically), or - for stdout. "
                                                               "An existing file is kept (exit 1) unless --force.")],
    force: Annotated[bool, typer.Option("--force", help="Replace the --output file if it exists.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Write an attachment's bytes to a file (then show its metadata), or with --output - to stdout
    (the bytes alone)."""
    from bookctl.errors import UsageError

    if not output.strip():
        raise UsageError("--output must name a file, or - for stdout")
    if output == "-":
        from bookctl.output.files import bytes_to_stdout
        from bookctl.services.attachments import attachment_bytes

        with app_context(store).store().read() as uow:
            data = attachment_bytes(uow, attachment_id)[2]
        bytes_to_stdout(data)
        return
    from bookctl.domain import values
    from bookctl.services.attachments import attachment_bytes, write_attachment

    values.path(output, "--output")
    target = Path(output)
    with app_context(store).store().read() as uow:
        attachment, owner, data = attachment_bytes(uow, attachment_id)  # found and whole, before --output is judged
        _check_output(uow, target, force)
        try:
            view = write_attachment(uow, attachment, owner, data, target)
        except OSError as exc:
            raise UsageError(f"--output {str(target)!r} cannot be written: {exc.strerror}") from None
    emit(view, fmt)


def _check_output(uow, output: Path, force: bool) -> None:  # noqa: ANN001
    """--output names a file outside the store, in a directory that exists; an existing one needs --force."""
    import os

    from bookctl.errors import RuleError, UsageError
    from bookctl.services.attachments import inside_store

    if inside_store(uow, output):  # writing into a store kept in files would bypass the journal
        raise UsageError(f"--output {str(output)!r} is inside the store; write the attachment somewhere else")
    if output.is_dir():
        raise UsageError(f"--output {str(output)!r} is a directory; name the file to write")
    if not output.parent.is_dir():
        raise UsageError(f"--output {str(output)!r}: the directory {str(output.parent)!r} does not exist")
    if not force and os.path.lexists(output):  # lexists: a dangling symlink is something to keep too
        raise RuleError(f"--output {str(output)!r} already exists; add --force to replace it")


def contact_bookings(
    contact_id: ContactArg,
    upcoming: Annotated[bool, typer.Option("--upcoming", help="Sessions from now on, soonest first.")] = False,
    past: Annotated[bool, typer.Option("--past", help="Sessions already started, latest first.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Every booking, by start (the default).")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """A contact's bookings with attendance and payment status."""
    from bookctl.errors import UsageError
    from bookctl.services.calendar import display_rows
    from bookctl.services.contact_history import contact_bookings as rows_of

    if upcoming + past + all_ > 1:
        raise UsageError("give one of --upcoming, --past or --all")
    which = "upcoming" if upcoming else "past" if past else "all"
    ctx = app_context(store)
    with ctx.store().read() as uow:
        rows = rows_of(uow, ctx.clock(), contact_id, which)
        if fmt is Format.table:
            rows = display_rows(uow, rows)
    emit_rows(rows, fmt)


def contact_form_responses(
    contact_id: ContactArg,
    booking: Annotated[Optional[str], typer.Option("--booking", help="Only this booking's answers.", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The answers a contact gave with --form when booking, newest booking first."""
    from bookctl.services.contact_history import form_responses

    ctx = app_context(store)
    with ctx.store().read() as uow:
        rows = form_responses(uow, ctx.clock(), contact_id, booking)
    emit_rows(rows, fmt, columns=("booking_id", "service_id", "start", "key", "value"))
