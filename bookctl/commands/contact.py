"""`contact`: the clients' cards."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from bookctl.commands._confirm import confirm_irreversible
from bookctl.commands._options import FormatOpt, StoreOpt, YesOpt, app_context
from bookctl.output import Format, emit, emit_rows

app = typer.Typer(no_args_is_help=True, help="Clients: their details, labels and bookings.")

ContactArg = Annotated[str, typer.Argument(help="Contact id, e.g. c-12.")]


@app.command("add")
def contact_add(
    first_name: Annotated[str, typer.Option("--first-name")],
    last_name: Annotated[Optional[str], typer.Option("--last-name", show_default=False)] = None,
    email: Annotated[Optional[str], typer.Option("--email", show_default=False)] = None,
    phone: Annotated[Optional[str], typer.Option("--phone", show_default=False)] = None,
    address: Annotated[Optional[str], typer.Option("--address", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a contact."""
    from bookctl.services.calendar import zone_of
    from bookctl.services.contacts import add_contact
    from bookctl.services.views import contact_view

    ctx = app_context(store)
    with ctx.store().write() as uow:
        contact = add_contact(uow, ctx.clock(), first_name, last_name, email, phone, address)
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
    from bookctl.services.calendar import zone_of
    from bookctl.services.contacts import list_contacts
    from bookctl.services.views import contact_view

    with app_context(store).store().read() as uow:
        zone = zone_of(uow)
        rows = (contact_view(c, zone) for c in list_contacts(uow, label, search))
        emit_rows(rows, fmt, columns=("id", "first_name", "last_name", "email", "phone", "labels"))


@app.command("show")
def contact_show(contact_id: ContactArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Show the contact card with the contact's bookings."""
    from bookctl.services.calendar import display_rows
    from bookctl.services.contacts import contact_card

    with app_context(store).store().read() as uow:
        card = contact_card(uow, contact_id)
        if fmt is Format.table:
            card["bookings"] = display_rows(uow, card["bookings"])
    emit(card, fmt)


@app.command("edit")
def contact_edit(
    contact_id: ContactArg,
    first_name: Annotated[Optional[str], typer.Option("--first-name", show_default=False)] = None,
    last_name: Annotated[Optional[str], typer.Option("--last-name", show_default=False)] = None,
    email: Annotated[Optional[str], typer.Option("--email", show_default=False)] = None,
    phone: Annotated[Optional[str], typer.Option("--phone", show_default=False)] = None,
    address: Annotated[Optional[str], typer.Option("--address", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a contact's details."""
    from bookctl.services.calendar import zone_of
    from bookctl.services.contacts import edit_contact
    from bookctl.services.views import contact_view

    with app_context(store).store().write() as uow:
        contact = edit_contact(uow, contact_id, first_name=first_name, last_name=last_name, email=email,
                               phone=phone, address=address)
        uow.commit()
        view = contact_view(contact, zone_of(uow))
    emit(view, fmt)


@app.command("delete")
def contact_delete(contact_id: ContactArg, yes: YesOpt = False, store: StoreOpt = None,
                   fmt: FormatOpt = Format.table) -> None:
    """Delete a contact who has no bookings (irreversible)."""
    from bookctl.services.calendar import zone_of
    from bookctl.services.contacts import check_deletable, delete_contact
    from bookctl.services.views import contact_view

    target = app_context(store).store()
    with target.read() as uow:  # check before asking, and ask without holding the lock
        contact = uow.get_contact(contact_id)
        check_deletable(contact)
    confirm_irreversible(f"Delete {contact.display_name} ({contact.id})?", yes)
    with target.write() as uow:
        contact = delete_contact(uow, contact_id)
        uow.commit()
        view = contact_view(contact, zone_of(uow))
    emit(view, fmt)
