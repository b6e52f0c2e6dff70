"""`schedule`: recurring classes and courses (RFC 5545 weekly rules)."""

# No `from __future__ import annotations`: Typer evals string annotations at every start-up (see contact.py).

from typing import Annotated, Optional

import typer

from bookctl.commands import _run
from bookctl.commands._options import FormatOpt, StoreOpt, complete_with
from bookctl.output import Format, emit, emit_rows

app = typer.Typer(no_args_is_help=True, help="Recurring schedules of classes and courses.")

ScheduleArg = Annotated[str, typer.Argument(help="A schedule id (sch-N).", shell_complete=complete_with("schedule"))]
NotifyOpt = Annotated[bool, typer.Option("--notify", help="Email each client whose booking changes.")]


def _days(text: str) -> list[str]:
    from bookctl.domain.hours import WEEKDAYS
    from bookctl.domain.values import shown
    from bookctl.errors import UsageError

    days = [part.strip().lower()[:3] for part in text.split(",") if part.strip()]
    wrong = [d for d in days if d not in WEEKDAYS]
    if not days or wrong:
        raise UsageError(f"--days {shown(text)} must list weekdays such as mon,wed,fri")
    if len(set(days)) != len(days):
        raise UsageError(f"--days {shown(text)} gives a weekday twice")
    return days


def _clock(text: str, option: str = "--at") -> str:
    from bookctl.domain.hours import clock_minutes
    from bookctl.domain.values import shown
    from bookctl.errors import UsageError

    try:
        clock_minutes(text.strip())
    except ValueError:
        raise UsageError(f"{option} {shown(text)} is not a time of day; use HH:MM, such as 18:30") from None
    return text.strip()


@app.command("add")
def schedule_add(
    service: Annotated[str, typer.Option("--service", help="Service id or name (a class or course).", shell_complete=complete_with("service"))],
    days: Annotated[str, typer.Option("--days", help="Weekdays, e.g. mon,wed.")],
    at: Annotated[str, typer.Option("--at", help="Local start time, HH:MM (kept across daylight saving).")],
    date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    until: Annotated[Optional[str], typer.Option("--until", help="Last day, YYYY-MM-DD.", show_default=False)] = None,
    count: Annotated[Optional[int], typer.Option("--count", help="Or: this many meetings.", show_default=False)] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Staff id or name.", show_default=False, shell_complete=complete_with("staff"))] = None,
    capacity: Annotated[Optional[int], typer.Option("--capacity", help="Places (default: the service's).", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a recurring schedule; its meetings go on the calendar up to schedule.horizon_weeks ahead
    (all of a course's at once)."""
    from bookctl.commands._parse_calendar import capacity as checked_capacity
    from bookctl.errors import UsageError
    from bookctl.services.schedules import add_schedule
    from bookctl.timeutil import parse_date

    def action(uow, now):  # noqa: ANN001, ANN202
        first = parse_date(date_from, "--from")
        last = parse_date(until, "--until") if until is not None else None
        if count is not None and not 1 <= count <= 10_000:
            raise UsageError("--count must be between 1 and 10000")
        if (last is None) == (count is None):
            raise UsageError("give --until D or --count N: when the schedule ends")
        return add_schedule(uow, now, service, _days(days), _clock(at), first, last, count, staff,
                            checked_capacity(capacity))

    view = _run.write(store, action)
    _say_notes(view["notes"])
    emit(view, fmt)


def _say_notes(lines: list[str]) -> None:
    """On stderr, the meetings made that the desk should look at (in time off, at a time the clocks skip)."""
    for line in lines:
        typer.echo(f"note: {line}; 'bookctl session move' or 'bookctl schedule skip' it", err=True)


@app.command("list")
def schedule_list(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Every schedule."""
    from bookctl.services.schedules import schedule_view

    rows = _run.read(store, lambda uow: [schedule_view(s) for s in uow.timetable.schedules()])
    emit_rows(rows, fmt, columns=("id", "service_id", "staff_id", "days", "at", "from", "until", "count",
                                  "capacity", "rrule", "exdates", "materialized_through"))


@app.command("show")
def schedule_show(schedule: ScheduleArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """A schedule with its meetings from today on."""
    from bookctl.commands._options import app_context
    from bookctl.services.schedules import show

    ctx = app_context(store)
    with ctx.store().read() as uow:
        view = show(uow, ctx.clock(), schedule)
    emit(view, fmt)


@app.command("extend")
def schedule_extend(
    weeks: Annotated[Optional[int], typer.Option("--weeks", help="How far ahead (default: schedule.horizon_weeks).", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Put every schedule's meetings on the calendar up to the horizon: safe to run from cron, it
    makes nothing twice. A meeting that would clash with its staff's other sessions stops that
    schedule there (exit 1, naming it); the next run tries it again."""
    from bookctl.errors import RuleError
    from bookctl.services.schedules import extend

    rows, clashes = _run.write(store, lambda uow, now: extend(uow, now, weeks))
    _say_notes([line for row in rows for line in row["notes"]])
    emit_rows(rows, fmt, columns=("schedule_id", "service_id", "made", "through"))
    if clashes:
        raise RuleError("; ".join(clashes))


@app.command("skip")
def schedule_skip(
    schedule: ScheduleArg,
    day: Annotated[str, typer.Argument(metavar="DATE", help="The day to skip, YYYY-MM-DD (a holiday).")],
    refund: Annotated[bool, typer.Option("--refund", help="Refund what each booking paid.")] = False,
    notify: NotifyOpt = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Skip one meeting: it is cancelled with its bookings, as 'session cancel SESSION --all' does."""
    from bookctl.services.meetings import cancel_meeting
    from bookctl.services.money import Outcome
    from bookctl.services.schedules import check_skip, schedule_view, skip
    from bookctl.timeutil import parse_date

    def action(uow, now):  # noqa: ANN001, ANN202
        found, meeting = check_skip(uow, now, schedule, parse_date(day, "DATE"))
        skip(found, parse_date(day, "DATE"))
        outcome = cancel_meeting(uow, now, meeting.id, refund, notify) if meeting is not None else Outcome(None)
        view = schedule_view(found)
        view["cancelled"] = outcome.view
        return Outcome(view, outcome.error)

    outcome = _run.write(store, action)
    _finish_meeting(store, outcome, fmt)


def _finish_meeting(store, outcome, fmt) -> None:  # noqa: ANN001
    """Print what a whole-meeting change did, send its emails in smtp mode, then report its error."""
    meeting = outcome.view.get("cancelled") if "cancelled" in outcome.view else outcome.view
    emails = (meeting or {}).get("emails", []) if isinstance(meeting, dict) else []
    try:
        _run.send_queued(store, [("email", record) for record in emails], "the meeting is cancelled")
    finally:
        emit(outcome.view, fmt)
    if outcome.error is not None:
        raise outcome.error


@app.command("edit")
def schedule_edit(
    schedule: ScheduleArg,
    at: Annotated[Optional[str], typer.Option("--at", help="New local start time, HH:MM.", show_default=False)] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Staff id or name.", show_default=False, shell_complete=complete_with("staff"))] = None,
    capacity: Annotated[Optional[int], typer.Option("--capacity", show_default=False)] = None,
    move_booked: Annotated[bool, typer.Option("--move-booked", help="Move meetings that have bookings too.")] = False,
    notify: NotifyOpt = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a schedule and its meetings to come; a booked meeting moves only with --move-booked."""
    from bookctl.commands._parse_calendar import capacity as checked_capacity
    from bookctl.services.schedules import edit

    def action(uow, now):  # noqa: ANN001, ANN202
        return edit(uow, now, schedule, None if at is None else _clock(at), staff, checked_capacity(capacity),
                    move_booked, notify)

    view = _run.write(store, action)
    _say_notes(view["notes"])
    try:
        _run.send_queued(store, [("email", record) for record in view.get("emails", [])],
                         f"schedule {view['id']} is changed")
    finally:
        emit(view, fmt)


@app.command("end")
def schedule_end(
    schedule: ScheduleArg,
    after: Annotated[str, typer.Option("--after", help="The last day it meets, YYYY-MM-DD.")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Stop a schedule after a day; its later meetings are cancelled (refused while any has bookings)."""
    from bookctl.services.schedules import end
    from bookctl.timeutil import parse_date

    emit(_run.write(store, lambda uow, now: end(uow, now, schedule, parse_date(after, "--after"))), fmt)
