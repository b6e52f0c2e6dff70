"""`staff`: the people who run sessions, their weekly hours and their time off."""

# No `from __future__ import annotations`: Typer evals string annotations at every start-up (see contact.py).

from typing import Annotated, Optional

import typer

from bookctl.commands._options import FormatOpt, StoreOpt, app_context, complete_with
from bookctl.output import Format, emit, emit_rows

staff_app = typer.Typer(no_args_is_help=True, help="The people who run sessions.")


@staff_app.command("add")
def staff_add(
    name: Annotated[str, typer.Argument(help="Full name.")],
    email: Annotated[Optional[str], typer.Option("--email", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a member of staff."""
    from bookctl.domain import values
    from bookctl.services.setup import add_staff, check_staff_name
    from bookctl.services.views import staff_view

    with app_context(store).store().write() as uow:
        name = check_staff_name(uow, name)
        staff = add_staff(uow, name, None if email is None else values.email(email, "--email"))
        uow.commit()
    _emit_staff(staff_view(staff), fmt)


def _shown_staff(view: dict, fmt: Format) -> dict:
    """A staff view as a table or CSV shows it: `hours` as one short line."""
    if fmt is Format.json or fmt is Format.ndjson:
        return view
    from bookctl.services.staff import hours_summary

    return {**view, "hours": hours_summary(view["hours"])}


def _emit_staff(view: dict, fmt: Format) -> None:
    emit(_shown_staff(view, fmt), fmt)


@staff_app.command("list")
def staff_list(
    all_: Annotated[bool, typer.Option("--all", help="Include removed staff.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List the staff and their hours."""
    from bookctl.services.views import staff_view

    with app_context(store).store().read() as uow:
        rows = [_shown_staff(staff_view(s), fmt) for s in uow.settings.staff.values() if all_ or not s.archived]
    emit_rows(rows, fmt, columns=("id", "name", "email", "hours"))


StaffArg = Annotated[str, typer.Argument(help="Staff id or name.", shell_complete=complete_with("staff"))]


def _day_ranges(option: str, text: Optional[str]) -> Optional[str]:
    """A --mon .. --sun value, normalized ('9:00' is refused: HH:MM), or None when not given."""
    from bookctl.domain.hours import day_ranges, ranges_text
    from bookctl.errors import UsageError

    if text is None:
        return None
    try:
        return ranges_text(day_ranges(text))
    except ValueError as exc:
        raise UsageError(f"{option} {exc}") from None


def _day_option(day: str) -> object:
    return typer.Option(f"--{day}", help=f"{day.capitalize()}'s hours: 09:00-13:00,14:00-18:00 or off.",
                        show_default=False)


@staff_app.command("hours")
def staff_hours(
    staff: StaffArg,
    mon: Annotated[Optional[str], _day_option("mon")] = None,
    tue: Annotated[Optional[str], _day_option("tue")] = None,
    wed: Annotated[Optional[str], _day_option("wed")] = None,
    thu: Annotated[Optional[str], _day_option("thu")] = None,
    fri: Annotated[Optional[str], _day_option("fri")] = None,
    sat: Annotated[Optional[str], _day_option("sat")] = None,
    sun: Annotated[Optional[str], _day_option("sun")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Go back to the business hours.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Show or set a member's weekly hours. Days not given keep theirs; a member without hours of their
    own starts from the business hours. With no day given, only shows them."""
    from bookctl.errors import UsageError
    from bookctl.services.lookups import find_staff
    from bookctl.services.staff import set_hours
    from bookctl.services.views import staff_view

    given = {day: text for day, text in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                                            (mon, tue, wed, thu, fri, sat, sun)) if text is not None}
    if clear and given:
        raise UsageError("--clear goes back to the business hours; give it without day options")
    days = {day: _day_ranges(f"--{day}", text) for day, text in given.items()}
    if not days and not clear:
        with app_context(store).store().read() as uow:
            view = staff_view(find_staff(uow.settings, staff))
    else:
        with app_context(store).store().write() as uow:
            view = staff_view(set_hours(uow, staff, days, clear=clear))
            uow.commit()
    _emit_staff(view, fmt)


def _off_time(text: str, zone, option: str, end: bool):  # noqa: ANN001, ANN202 - a tzinfo, a datetime
    """--from/--to: 'YYYY-MM-DD HH:MM' (or ISO 8601 with an offset), or a date: its start for --from,
    its end (the next day's start) for --to."""
    import re

    from bookctl.timeutil import day_bounds, parse_date, parse_datetime

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        return day_bounds(parse_date(text, option), zone)[1 if end else 0]
    return parse_datetime(text, zone, option)


@staff_app.command("off")
def staff_off(
    staff: StaffArg,
    date_from: Annotated[Optional[str], typer.Option("--from", help="'YYYY-MM-DD HH:MM', or a date (from its start).", show_default=False)] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="'YYYY-MM-DD HH:MM', or a date (to its end).", show_default=False)] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help="One line, e.g. 'holiday'.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Record it even though sessions are scheduled then.")] = False,
    remove: Annotated[Optional[str], typer.Option("--remove", help="Delete this time off (OFF_ID) instead.", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record time off (a holiday, an afternoon away), or delete one with --remove."""
    from bookctl.commands import _run
    from bookctl.domain import values
    from bookctl.errors import UsageError
    from bookctl.services.lookups import find_staff, zone_of
    from bookctl.services.staff import add_time_off, remove_time_off, time_off_view

    if remove is not None:
        if date_from is not None or date_to is not None or reason is not None or force:
            raise UsageError("--remove deletes a time off; give it without --from, --to, --reason and --force")
        emit(_run.write(store, lambda uow, now: time_off_view(remove_time_off(uow, staff, remove), zone_of(uow))), fmt)
        return
    if date_from is None or date_to is None:
        raise UsageError("give --from and --to (or --remove OFF_ID)")

    def action(uow, now):  # noqa: ANN001, ANN202
        zone = zone_of(uow)
        member = find_staff(uow.settings, staff)
        start = _off_time(date_from, zone, "--from", end=False)
        end = _off_time(date_to, zone, "--to", end=True)
        if end <= start:
            raise UsageError(f"--to {values.shown(date_to)} is not after --from {values.shown(date_from)}")
        text = None if reason is None else values.line(reason, "--reason")
        return time_off_view(add_time_off(uow, now, member.id, start, end, text, force=force), zone)

    emit(_run.write(store, action), fmt)


@staff_app.command("show")
def staff_show(staff: StaffArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Show a member of staff: their hours and time off."""
    from bookctl.services.staff import staff_card

    with app_context(store).store().read() as uow:
        card = staff_card(uow, staff)
    _emit_staff(card, fmt)


@staff_app.command("edit")
def staff_edit(
    staff: StaffArg,
    name: Annotated[Optional[str], typer.Option("--name", show_default=False)] = None,
    email: Annotated[Optional[str], typer.Option("--email", help="An empty value clears it.", show_default=False)] = None,
    restore: Annotated[bool, typer.Option("--restore", help="Bring back a removed member.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a member's name or email, or bring a removed member back."""
    from bookctl.domain import values
    from bookctl.services.staff import edit_staff
    from bookctl.services.views import staff_view

    with app_context(store).store().write() as uow:
        address = None if email is None else values.email(email, "--email") if email.strip() else ""
        changed = edit_staff(uow, staff, name=name, email=address, restore=restore)
        uow.commit()
    _emit_staff(staff_view(changed), fmt)


@staff_app.command("remove")
def staff_remove(staff: StaffArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Stop scheduling a member; their past sessions keep them. Refused while sessions are scheduled for
    them from now on; 'staff edit ID --restore' undoes it."""
    from bookctl.commands import _run
    from bookctl.services.staff import remove_staff
    from bookctl.services.views import staff_view

    _emit_staff(_run.write(store, lambda uow, now: staff_view(remove_staff(uow, now, staff))), fmt)
