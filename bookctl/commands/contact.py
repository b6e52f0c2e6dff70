"""`contact`: the clients' cards."""

# No `from __future__ import annotations`: Typer would eval every string annotation while building the
# command tree at each start-up (about 15 ms for these commands); real annotations cost nothing then.

from typing import Annotated, Optional

import typer

from bookctl.commands import contact_card as card_commands
from bookctl.commands import plan as plan_commands
from bookctl.commands._confirm import confirm_irreversible
from bookctl.commands._options import FormatOpt, StoreOpt, YesOpt, app_context, complete_with
from bookctl.output import Format, emit, emit_rows

app = typer.Typer(no_args_is_help=True, help="Clients: their details, labels, notes, tasks, files, bookings and passes.")

ContactArg = Annotated[str, typer.Argument(help="Contact id, e.g. c-12.", shell_complete=complete_with("contact"))]
AllowDuplicateOpt = Annotated[bool, typer.Option("--allow-duplicate", help="Keep a second contact with the same primary email.")]


def _opt(name: str, help_text: str | None = None):  # noqa: ANN202 - a Typer option annotation
    return Annotated[Optional[str], typer.Option(name, help=help_text, show_default=False)]


@app.command("add")
def contact_add(
    first_name: Annotated[str, typer.Option("--first-name")],
    last_name: _opt("--last-name") = None,
    email: _opt("--email") = None,
    phone: _opt("--phone") = None,
    address: _opt("--address") = None,
    company: _opt("--company") = None,
    position: _opt("--position") = None,
    language: _opt("--language", "BCP 47 tag, e.g. fr or pt-BR.") = None,
    tax_id: _opt("--tax-id") = None,
    birthday: _opt("--birthday", "YYYY-MM-DD, not in the future.") = None,
    allow_duplicate: AllowDuplicateOpt = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a contact."""
    from bookctl.commands._parse_contact import contact_fields
    from bookctl.services.calendar import today
    from bookctl.services.lookups import zone_of
    from bookctl.services.contacts import add_contact
    from bookctl.services.views import contact_view

    ctx = app_context(store)
    now = ctx.clock()
    with ctx.store().write() as uow:
        fields = contact_fields(today(now, zone_of(uow)), first_name=first_name, last_name=last_name, email=email,
                                phone=phone, address=address, company=company, position=position,
                                language=language, tax_id=tax_id, birthday=birthday)
        contact = add_contact(uow, now, **fields, allow_duplicate=allow_duplicate)
        uow.commit()
        view = contact_view(contact, zone_of(uow))
    emit(view, fmt)


@app.command("list")
def contact_list(
    label: Annotated[Optional[list[str]], typer.Option("--label", help="Only contacts with this label (repeat: all of them).", show_default=False)] = None,
    search: Annotated[Optional[str], typer.Option("--search", help="Match name, email, phone or company, ignoring case and accents.", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List contacts."""
    from bookctl.services.lookups import zone_of
    from bookctl.services.contacts import list_contacts
    from bookctl.services.views import contact_view

    with app_context(store).store().read() as uow:
        zone = zone_of(uow)
        rows = (contact_view(c, zone) for c in list_contacts(uow, label, search))
        emit_rows(rows, fmt, columns=("id", "first_name", "last_name", "email", "phone", "labels"))


@app.command("show")
def contact_show(contact_id: ContactArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Show the whole contact card: details, fields, labels, notes, tasks, attachments, bookings."""
    from bookctl.output import emit_sections
    from bookctl.services.contacts import card_sections, contact_card

    ctx = app_context(store)
    now = ctx.clock()
    with ctx.store().read() as uow:
        card = contact_card(uow, now, contact_id)
        if fmt is Format.table:
            emit_sections(card_sections(uow, card, now))
            return
    emit(card, fmt)


@app.command("edit")
def contact_edit(
    contact_id: ContactArg,
    first_name: _opt("--first-name") = None,
    last_name: _opt("--last-name") = None,
    email: _opt("--email") = None,
    phone: _opt("--phone") = None,
    address: _opt("--address") = None,
    company: _opt("--company") = None,
    position: _opt("--position") = None,
    language: _opt("--language", "BCP 47 tag, e.g. fr or pt-BR.") = None,
    tax_id: _opt("--tax-id") = None,
    birthday: _opt("--birthday", "YYYY-MM-DD, not in the future.") = None,
    allow_duplicate: AllowDuplicateOpt = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a contact's details."""
    from bookctl.commands._parse_contact import contact_fields
    from bookctl.services.calendar import today
    from bookctl.services.lookups import live_contact, zone_of
    from bookctl.services.contacts import edit_contact
    from bookctl.services.views import contact_view

    ctx = app_context(store)
    now = ctx.clock()
    with ctx.store().write() as uow:
        day = today(now, zone_of(uow))
        live_contact(uow, contact_id)  # an unknown or erased contact is refused before the values are read
        changes = contact_fields(day, company=company, position=position, language=language, tax_id=tax_id,
                                 birthday=birthday, first_name=first_name, last_name=last_name, email=email,
                                 phone=phone, address=address)
        contact = edit_contact(uow, contact_id, allow_duplicate, **changes)
        uow.commit()
        view = contact_view(contact, zone_of(uow))
    emit(view, fmt)


@app.command("delete")
def contact_delete(
    contact_id: ContactArg,
    erase: Annotated[bool, typer.Option("--erase", help="Remove the personal data but keep the bookings (anonymise).")] = False,
    yes: YesOpt = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Delete a contact who has no bookings, or --erase one who has (irreversible)."""
    from bookctl.services.lookups import zone_of
    from bookctl.services.erase import check_deletable, check_erasable, delete_contact, erase_contact
    from bookctl.services.views import contact_view

    ctx = app_context(store)
    target = ctx.store()
    with target.read() as uow:  # check before asking, and ask without holding the lock
        contact = uow.contacts.get(contact_id)
        if erase:
            check_erasable(contact)
        else:
            check_deletable(uow, contact)
    if erase:
        confirm_irreversible(f"Erase {contact.display_name} ({contact.id})? Their details, notes, attachments "
                             "and form answers are removed for good; bookings stay, anonymised.", yes)
    else:
        confirm_irreversible(f"Delete {contact.display_name} ({contact.id})?", yes)
    with target.write() as uow:
        contact = erase_contact(uow, ctx.clock(), contact_id) if erase else delete_contact(uow, contact_id)
        uow.commit()
        view = contact_view(contact, zone_of(uow))
    emit(view, fmt)


app.command("add-field")(card_commands.contact_add_field)
app.command("remove-field")(card_commands.contact_remove_field)
app.command("label")(card_commands.contact_label)
app.command("unlabel")(card_commands.contact_unlabel)
app.add_typer(card_commands.note_app, name="note")
app.add_typer(card_commands.task_app, name="task")
app.command("attach")(card_commands.contact_attach)
app.command("attachments")(card_commands.contact_attachments)
app.add_typer(card_commands.attachment_app, name="attachment")
app.command("bookings")(card_commands.contact_bookings)
app.command("form-responses")(card_commands.contact_form_responses)
app.command("passes")(plan_commands.contact_passes)
