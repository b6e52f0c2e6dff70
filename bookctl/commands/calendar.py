"""`session`: the calendar, bookings and attendance."""

# No `from __future__ import annotations`: Typer evals string annotations at every start-up (see contact.py).

from typing import Annotated, Optional

import typer

from bookctl.commands import _run
from bookctl.commands._options import FormatOpt, KeyOpt, StoreOpt, app_context, complete_with
from bookctl.output import Format, emit, emit_rows

app = typer.Typer(no_args_is_help=True, help="The calendar: sessions, bookings and attendance.")

BookingArg = Annotated[str, typer.Argument(help="A booking id (or a session id with exactly one active booking).", shell_complete=complete_with("booking"))]
AllowPastOpt = Annotated[bool, typer.Option("--allow-past", help="Record a session that already happened.")]
AllowOverlapOpt = Annotated[bool, typer.Option(
    "--allow-overlap", help="Let the client hold this booking and another one at the same time.")]
StartOpt = Annotated[str, typer.Option("--start", help="'YYYY-MM-DD HH:MM' in the store's time zone, or ISO 8601 with an offset.")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Book despite the staff's hours, time off, buffers, notice or booking window (says what it overrode).")]


@app.command("add")
def session_add(
    service: Annotated[str, typer.Option("--service", help="Service id or name (a class or course).", shell_complete=complete_with("service"))],
    start: StartOpt,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Staff id or name.", show_default=False, shell_complete=complete_with("staff"))] = None,
    capacity: Annotated[Optional[int], typer.Option("--capacity", help="Places (default: the service's).", show_default=False)] = None,
    allow_past: AllowPastOpt = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Put a meeting of a class or course on the calendar."""
    from bookctl.commands._parse_calendar import capacity as checked_capacity
    from bookctl.services.calendar import add_session
    from bookctl.services.lookups import zone_of
    from bookctl.timeutil import parse_datetime

    def action(uow, now):  # noqa: ANN001, ANN202 - the options are read when the service reaches them, as ever
        zone = zone_of(uow)
        return add_session(uow, now, service, lambda: parse_datetime(start, zone, "--start"), staff,
                           lambda: checked_capacity(capacity), allow_past)

    emit(_run.write(store, action), fmt)


@app.command("book")
def session_book(
    contact: Annotated[str, typer.Option("--contact", help="Contact id.", shell_complete=complete_with("contact"))],
    service: Annotated[Optional[str], typer.Option("--service", help="Service id or name.", show_default=False, shell_complete=complete_with("service"))] = None,
    start: Annotated[Optional[str], typer.Option("--start", help="'YYYY-MM-DD HH:MM' in the store's time zone.", show_default=False)] = None,
    session: Annotated[Optional[str], typer.Option("--session", help="Join this existing session instead.", show_default=False, shell_complete=complete_with("session"))] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Staff id or name.", show_default=False, shell_complete=complete_with("staff"))] = None,
    form: Annotated[Optional[list[str]], typer.Option("--form", help="A booking-form answer KEY=VALUE (repeatable).", show_default=False)] = None,
    schedule: Annotated[Optional[str], typer.Option("--schedule", help="A course: which of its schedules to book whole.", show_default=False, shell_complete=complete_with("schedule"))] = None,
    notify: Annotated[bool, typer.Option("--notify", help="Email the client a confirmation with a calendar invitation.")] = False,
    waitlist: Annotated[bool, typer.Option("--waitlist", help="A full class: put the client on its waitlist instead of refusing.")] = False,
    pass_id: Annotated[Optional[str], typer.Option("--pass", help="Pay with a credit of this pass (ps-N).", show_default=False)] = None,
    use_pass: Annotated[bool, typer.Option("--use-pass", help="Pay with a credit of the client's pass that covers it and expires first.")] = False,
    allow_past: AllowPastOpt = False,
    allow_overlap: AllowOverlapOpt = False,
    force: ForceOpt = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Book a client: a new appointment, or a place in a class. A course is booked whole (every meeting
    of its schedule) with --service COURSE and no --start. A client's bookings may not overlap
    (--allow-overlap for the rare real case)."""
    from bookctl.commands._parse_calendar import form_answers
    from bookctl.errors import UsageError
    from bookctl.services.calendar import book
    from bookctl.services.lookups import find_contact, zone_of
    from bookctl.timeutil import parse_datetime

    def action(uow, now):  # noqa: ANN001, ANN202 - the options are read in the order they always were
        zone = zone_of(uow)
        answers = form_answers(form or ())
        if session is not None and (service or start or staff or schedule):
            raise UsageError("--session joins an existing session; leave out --service, --start, --staff and --schedule")
        if session is None and not service:
            raise UsageError("give --service and --start, or --session to join an existing one")
        if schedule is not None and start:
            raise UsageError("--schedule books a course whole; leave out --start")
        if pass_id is not None and use_pass:
            raise UsageError("give --pass ID or --use-pass, not both")
        contact_id = find_contact(uow, contact)
        if notify:
            from bookctl.services.mail import check_can_email

            check_can_email(uow, uow.contacts.get(contact_id))  # before anything is booked
        view = book(uow, now, contact_id, service_ref=service, session_id=session, staff_ref=staff, answers=answers,
                    start=None if session is not None or not start else lambda: parse_datetime(start, zone, "--start"),
                    allow_past=allow_past, allow_overlap=allow_overlap, force=force, schedule_ref=schedule,
                    waitlist=waitlist, pass_ref=pass_id, use_pass=use_pass)
        if notify and view["status"] == "confirmed":  # a client put on the waitlist is told when a place is theirs
            from bookctl.services.mail import queue_confirmation_email

            booking = uow.calendar.get_booking(view["id"])
            message_id = queue_confirmation_email(uow, now, booking, uow.calendar.get_session(booking.session_id))
            view["email"] = {"message": message_id, "to": uow.contacts.get(contact_id).email, "status": "queued"}
        return view

    view = _run.write(store, action)
    _say_overrode(view)
    try:
        _run.send_queued(store, [("confirmation email", view["email"])] if "email" in view else [],
                         f"booking {view['id']} is made")
    finally:
        emit(view, fmt)


def _say_overrode(view: dict) -> None:
    """On stderr, what --force overrode: the front desk sees it; a script reads `overrode` in the JSON."""
    if view.get("overrode"):
        typer.echo(f"note: --force overrode: {'; '.join(view['overrode'])}", err=True)


@app.command("list")
def session_list(
    day: Annotated[Optional[str], typer.Option("--day", help="One day, YYYY-MM-DD (default: today).", show_default=False)] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="First day, inclusive.", show_default=False)] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Last day, inclusive.", show_default=False)] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", show_default=False, shell_complete=complete_with("staff"))] = None,
    service: Annotated[Optional[str], typer.Option("--service", show_default=False, shell_complete=complete_with("service"))] = None,
    contact: Annotated[Optional[str], typer.Option("--contact", help="Only this contact (all their bookings when no period is given).", show_default=False, shell_complete=complete_with("contact"))] = None,
    waitlisted: Annotated[bool, typer.Option("--waitlisted", help="Show the clients on waitlists too (status waitlisted or offered).")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """One row per booking, ordered by start: today's unless a period or contact is given. Clients on
    a waitlist are left out unless --waitlisted."""
    from bookctl.commands._parse_calendar import day_or_range
    from bookctl.errors import UsageError
    from bookctl.services.calendar import display_rows, list_bookings
    from bookctl.services.lookups import find_contact, find_service, find_staff

    ctx = app_context(store)
    with ctx.store().read() as uow:
        settings = uow.settings
        contact_id = find_contact(uow, contact) if contact else None
        staff_id = find_staff(settings, staff).id if staff else None
        service_id = find_service(settings, service).id if service else None
        if day and (date_from or date_to):
            raise UsageError("give --day or --from/--to, not both")
        days = (lambda: day_or_range(day, date_from, date_to)) if day or date_from or date_to else None
        rows = list_bookings(uow, ctx.clock(), days=days, staff_id=staff_id, service_id=service_id,
                             contact_id=contact_id, waitlisted=waitlisted)  # days read after an unknown contact is refused
        if fmt is Format.table:
            rows = display_rows(uow, rows)
    emit_rows(rows, fmt)


@app.command("show")
def session_show(ref: Annotated[str, typer.Argument(help="A booking id, or a session id.", shell_complete=complete_with("booking"))], store: StoreOpt = None,
                 fmt: FormatOpt = Format.table) -> None:
    """Show a booking, or a session with its bookings."""
    from bookctl.services.calendar import show

    with app_context(store).store().read() as uow:
        view = show(uow, ref)
    emit(view, fmt)


@app.command("checkin")
def session_checkin(booking: BookingArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Mark that the client arrived."""
    from bookctl.services.calendar import set_attendance

    emit(_run.write(store, lambda uow, now: set_attendance(uow, now, booking, "checked_in")), fmt)


@app.command("no-show")
def session_no_show(
    booking: BookingArg,
    charge_fee: Annotated[bool, typer.Option("--charge-fee", help="Charge the service's no-show fee (card on file, else due).")] = False,
    idempotency_key: KeyOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Mark that the client did not come."""
    from bookctl.services.calendar import set_attendance

    if charge_fee or idempotency_key is not None:  # a key is honoured (and checked) with or without a fee
        from bookctl.services.fees import no_show
        from bookctl.services.money import Outcome

        def action(uow, now):  # noqa: ANN001, ANN202
            if charge_fee:
                return no_show(uow, now, booking)
            return Outcome(set_attendance(uow, now, booking, "no_show"))

        emit(_run.money(store, "session no-show", {"booking": booking, "charge_fee": charge_fee}, idempotency_key,
                       action), fmt)
        return
    emit(_run.write(store, lambda uow, now: set_attendance(uow, now, booking, "no_show")), fmt)


@app.command("attendance")
def session_attendance(
    booking: BookingArg,
    value: Annotated[str, typer.Argument(metavar="booked|checked_in|no_show")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Set attendance to booked, checked_in or no_show (and back)."""
    from bookctl.domain.models import ATTENDANCE_VALUES
    from bookctl.errors import UsageError
    from bookctl.services.calendar import set_attendance

    normalized = value.replace("-", "_").lower()
    if normalized not in ATTENDANCE_VALUES:
        raise UsageError(f"attendance {value!r} is not one of booked, checked_in, no_show")
    emit(_run.write(store, lambda uow, now: set_attendance(uow, now, booking, normalized)), fmt)


@app.command("cancel")
def session_cancel(
    booking: Annotated[str, typer.Argument(help="A booking id (or a session id: with --all, the whole meeting).",
                                             shell_complete=complete_with("booking"))],
    refund: Annotated[bool, typer.Option("--refund", help="Refund what was paid (less a fee kept).")] = False,
    amount: Annotated[Optional[str], typer.Option("--amount", help="Refund only this much.", show_default=False)] = None,
    charge_fee: Annotated[bool, typer.Option("--charge-fee", help="Keep the service's cancellation fee.")] = False,
    notify: Annotated[bool, typer.Option("--notify", help="Send the cancellation email.")] = False,
    refund_email: Annotated[bool, typer.Option("--refund-email", help="Send the refund email.")] = False,
    whole: Annotated[bool, typer.Option("--all", help="Cancel the whole meeting SESSION and every booking in it.")] = False,
    idempotency_key: KeyOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Cancel a booking and free its place; optionally keep the fee and refund the rest. --notify and
    --refund-email queue the emails with the change and, when email.mode is smtp, send them right after:
    if the server fails, the cancellation and refund stand, the messages stay in the outbox for
    'bookctl outbox send', and the exit code is 5. With --all, SESSION is cancelled whole: each booking
    with its refund (--refund: everything it paid, no fee kept) and emails (--notify); run it again to
    resume refunds a provider left pending."""
    from bookctl.commands._parse_money import cancel_from_options

    if whole:
        _cancel_meeting(store, booking, refund, amount, charge_fee, notify, refund_email, idempotency_key, fmt)
        return

    arguments = {"booking": booking, "refund": refund, "amount": amount, "charge_fee": charge_fee,
                 "notify": notify, "refund_email": refund_email}
    view = _run.money(store, "session cancel", arguments, idempotency_key,
                     lambda uow, now: cancel_from_options(uow, now, booking, refund, amount, charge_fee,
                                                          notify=notify, refund_email_too=refund_email))
    try:
        _run.send_queued(store, [(what, view[key]) for key, what in (("email", "cancellation email"),
                                                                 ("refund_email", "refund email")) if key in view]
                         + _run.waitlist_emails(view), f"booking {view['id']} is cancelled")
    finally:
        emit(view, fmt)


def _cancel_meeting(store, session, refund, amount, charge_fee, notify, refund_email, key, fmt) -> None:  # noqa: ANN001
    from bookctl.errors import UsageError
    from bookctl.services.meetings import cancel_meeting

    for given, option in ((amount, "--amount"), (charge_fee, "--charge-fee"), (refund_email, "--refund-email"),
                          (key, "--idempotency-key")):
        if given:
            raise UsageError(f"{option} goes with one booking, not --all (a re-run of --all resumes its pending "
                             "refunds by itself; --notify sends each client both emails)")
    if not session.startswith("s-"):
        raise UsageError(f"--all cancels a whole meeting: give its session id (s-...), not {session!r}")
    outcome = _run.write(store, lambda uow, now: cancel_meeting(uow, now, session, refund, notify))
    try:
        _run.send_queued(store, [("email", record) for record in outcome.view.get("emails", [])],
                         f"session {session} is cancelled")
    finally:
        emit(outcome.view, fmt)
    if outcome.error is not None:
        raise outcome.error


@app.command("reschedule")
def session_reschedule(
    booking: BookingArg,
    start: Annotated[Optional[str], typer.Option("--start", help="The new time, 'YYYY-MM-DD HH:MM' (a class: the time of an existing meeting).", show_default=False)] = None,
    session: Annotated[Optional[str], typer.Option("--session", help="A class booking: move to this existing meeting.", show_default=False, shell_complete=complete_with("session"))] = None,
    allow_past: AllowPastOpt = False,
    allow_overlap: AllowOverlapOpt = False,
    force: ForceOpt = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Move a booking: an appointment to a new start time, a class booking to another existing meeting
    (--session, or --start of one). Not into another of the client's bookings without --allow-overlap."""
    from bookctl.errors import UsageError
    from bookctl.services.calendar import reschedule
    from bookctl.services.lookups import zone_of
    from bookctl.timeutil import parse_datetime

    if start is not None and session is not None:
        raise UsageError("give --start or --session, not both")
    if start is None and session is None:
        raise UsageError("give --start, the new time (or --session, a class's meeting to move to)")

    def action(uow, now):  # noqa: ANN001, ANN202 - the start is read once the booking may move, as ever
        zone = zone_of(uow)
        when = None if start is None else (lambda: parse_datetime(start, zone, "--start"))
        return reschedule(uow, now, booking, when, allow_past, allow_overlap, session_id=session, force=force)

    view = _run.write(store, action)
    _say_overrode(view)
    try:
        _run.send_queued(store, _run.waitlist_emails(view), f"booking {view['id']} is moved")
    finally:
        emit(view, fmt)


@app.command("move")
def session_move(
    session: Annotated[str, typer.Argument(help="A session id: the whole meeting moves, with every booking in it.",
                                             shell_complete=complete_with("session"))],
    start: StartOpt,
    notify: Annotated[bool, typer.Option("--notify", help="Email each client that the time changed.")] = False,
    force: ForceOpt = False,
    allow_overlap: Annotated[bool, typer.Option(
        "--allow-overlap", help="Move it even where a client has another booking at the new time.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Move a whole session (a class meeting or an appointment) with its bookings; the staff's other
    sessions, hours, time off and buffers are checked."""
    from bookctl.services.meetings import move_session
    from bookctl.services.lookups import zone_of
    from bookctl.timeutil import parse_datetime

    def action(uow, now):  # noqa: ANN001, ANN202
        return move_session(uow, now, session, parse_datetime(start, zone_of(uow), "--start"), notify, force,
                            allow_overlap)

    view = _run.write(store, action)
    _say_overrode(view)
    try:
        _run.send_queued(store, [("email", record) for record in view.get("emails", [])],
                         f"session {view['id']} is moved")
    finally:
        emit(view, fmt)


@app.command("slots")
def session_slots(
    service: Annotated[str, typer.Option("--service", help="Service id or name.", shell_complete=complete_with("service"))],
    staff: Annotated[Optional[str], typer.Option("--staff", help="Only this member of staff.", show_default=False, shell_complete=complete_with("staff"))] = None,
    day: Annotated[Optional[str], typer.Option("--day", help="One day, YYYY-MM-DD (default: today).", show_default=False)] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="First day, inclusive.", show_default=False)] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Last day, inclusive.", show_default=False)] = None,
    every: Annotated[Optional[int], typer.Option("--every", help="Minutes between start times (default: the service's length).", show_default=False)] = None,
    first: Annotated[bool, typer.Option("--first", help="Only the next free slot, looking ahead.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Free start times: hours, time off, sessions and their buffers, notice and booking window kept.
    For a class or course, its meetings with places left."""
    from bookctl.commands._options import app_context
    from bookctl.commands._parse_calendar import day_or_range
    from bookctl.errors import RuleError, UsageError
    from bookctl.services.availability import slots
    from bookctl.services.lookups import zone_of

    if day and (date_from or date_to):
        raise UsageError("give --day or --from/--to, not both")
    ctx = app_context(store)
    with ctx.store().read() as uow:
        days = None
        if day or date_from or date_to:
            first_day, last_day = day_or_range(day, date_from, date_to)
            today = ctx.clock().astimezone(zone_of(uow)).date()
            days = (first_day or today, last_day or first_day or today)
        rows = slots(uow, ctx.clock(), service, staff_ref=staff, days=days, every=every, first=first)
    if first and not rows:
        raise RuleError("no free slot in the booking window; see 'bookctl staff hours' and 'bookctl service show'")
    emit_rows(rows, fmt, columns=("start", "end", "staff_id", "service_id", *(("session_id", "places_left")
                                                                               if rows and "session_id" in rows[0] else ())))
