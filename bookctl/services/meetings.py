"""Whole meetings: cancelling a session with every booking in it (each with its refund and email),
for `session cancel SESSION --all` and `schedule skip`, and moving one with its bookings, for
`session move` and `schedule edit --move-booked` (bookctl #19).

Every cancellation and every refund intent commits first, together; then each booking's refunds go
to the provider in turn, each answer committed as it comes, as `session cancel --refund` does for
one booking (services/fees.py). A provider that fails one booking's refund does not stop the others;
the error names what is left to do. Re-running it resumes the refunds left pending.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bookctl.domain.models import WAITING_STATUSES, Session
from bookctl.domain.payments import summarize
from bookctl.errors import BookctlError, ProviderError, RuleError
from bookctl.services.clashes import check_contact_free, check_staff_free, check_unassigned_capacity
from bookctl.services.lookups import zone_of
from bookctl.services.money import Outcome, Plan, send
from bookctl.services.places import cancel_place
from bookctl.services.views import session_view
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import add_elapsed


def cancel_meeting(uow: UnitOfWork, now: datetime, session_id: str, refund: bool = False,
                   notify: bool = False) -> Outcome:
    """Cancel session `session_id` and every confirmed booking in it: with `refund`, each gets back
    what it paid (no fee is kept: the business cancelled); with `notify`, each client gets the
    cancellation email, and the refund email when money went back. A place in a course keeps the
    course's money (its other meetings still stand: refund part of it with 'payment refund'), and a
    meeting that holds a course's booking itself is refused (move it instead). Refused too: a
    meeting that has begun, and one whose bookings have payments pending. Commits as it goes; the
    Outcome's view is the session with `bookings` and `emails`."""
    from bookctl.services.fees import cancel

    zone = zone_of(uow)
    session = uow.calendar.get_session(session_id)
    bookings = uow.calendar.session_bookings(session)
    pending = [b for b in bookings if b.status == "cancelled" and refund
               and any(e.kind == "refund" and e.status == "pending" for e in b.ledger_entries)]
    confirmed = [b for b in bookings if b.status == "confirmed"]
    if session.status == "cancelled" and not confirmed and not pending:
        raise RuleError(f"session {session.id} is already cancelled")
    if session.status == "scheduled":
        _check_cancellable(session, confirmed, now, zone)
    if notify:
        from bookctl.services.mail import check_can_email

        for booking in confirmed:  # every address before anything changes
            check_can_email(uow, uow.contacts.get(booking.contact_id))
    plans: list[tuple[str, Plan]] = []
    emails: list[dict[str, Any]] = []
    for booking in bookings:  # the meeting is going: so is its waitlist, before a place could free for it
        if booking.status in WAITING_STATUSES:
            cancel_place(booking, now)
    for booking in confirmed:
        gives_back = refund and booking.course_booking_id is None and summarize(booking).refundable.minor > 0
        plans.append((booking.id, _plan(cancel(uow, now, booking.id, refund=gives_back, by_business=True,
                                               refund_email_too=notify and gives_back, whole_course=False))))
        if notify:  # queued with the cancellation, so it is reported whatever becomes of the refund
            from bookctl.services.mail import queue_cancellation_email

            message_id = queue_cancellation_email(uow, now, booking, session)
            emails.append({"booking": booking.id, "message": message_id,
                           "to": uow.contacts.get(booking.contact_id).email, "status": "queued"})
    for booking in pending:  # a run before left these refunds pending: resume them with their keys
        plans.append((booking.id, _plan(cancel(uow, now, booking.id, refund=True, refund_email_too=notify))))
    session.status = "cancelled"
    uow.commit()  # every cancellation and refund intent is durable before any provider hears of one
    errors: list[BookctlError] = []
    for booking_id, plan in plans:
        answers = send(uow, now, plan.intents, replay=plan.replay) if plan.intents else None
        try:
            outcome = plan.finish(answers) if answers is not None else plan.finish(_no_answers())
        except BookctlError as exc:
            errors.append(exc)
            continue
        uow.commit()
        if outcome.error is not None:
            errors.append(outcome.error)
        view = outcome.view or {}
        emails += [{"booking": booking_id, **view[key]} for key in ("email", "refund_email") if key in view]
    view = session_view(session, uow.calendar.session_bookings(session), zone)
    view["emails"] = emails
    if errors:
        kind = ProviderError if any(isinstance(e, ProviderError) for e in errors) else RuleError
        return Outcome(view, kind(f"session {session.id} is cancelled, but " + "; ".join(str(e) for e in errors)))
    return Outcome(view)


def move_meeting(uow: UnitOfWork, now: datetime, session: Session, start: datetime, staff_id: str | None = None,
                 notify: bool = False, force: bool = False, allow_overlap: bool = False) -> list[dict[str, Any]]:
    """Move a session, with every booking in it, to `start` (and `staff_id`, when given), checking its
    staff's other sessions (never overridden) and their hours, time off and buffers (unless `force`);
    with `notify`, each client is emailed. Returns the email records queued. Every address is checked
    before anything moves."""
    from bookctl.services.availability import enforce, time_problems

    service = uow.settings.services[session.service_id]
    zone = zone_of(uow)
    if start < now:
        raise RuleError(f"{start.astimezone(zone):%Y-%m-%d %H:%M} is in the past; a session moves to a time to come")
    end = add_elapsed(start, session.end - session.start)
    staff_id = session.staff_id if staff_id is None else staff_id
    check_staff_free(uow, staff_id, start, end, ignore=session.id)
    if staff_id is None:
        check_unassigned_capacity(uow, service, start, end, ignore=session.id)
    enforce(time_problems(uow, service, uow.settings.staff.get(staff_id or ""), start, end, ignore=session.id), force)
    bookings = [b for b in uow.calendar.session_bookings(session) if b.status == "confirmed"]
    if not allow_overlap:
        for booking in bookings:  # each client's other bookings, as rescheduling one would check
            check_contact_free(uow, uow.contacts.get(booking.contact_id), start, end, ignore=booking.id,
                               to="move the meeting anyway")
    addresses = {}
    if notify:
        from bookctl.services.mail import check_can_email

        addresses = {b.id: check_can_email(uow, uow.contacts.get(b.contact_id)) for b in bookings}
    before = session.start
    session.staff_id = staff_id
    for booking in uow.calendar.session_bookings(session):
        booking.revision += 1
    uow.calendar.move_session(session, start, end)
    emails = []
    if notify:
        from bookctl.services.mail import queue_rescheduled_email

        for booking in bookings:
            message_id = queue_rescheduled_email(uow, now, booking, session, before)
            emails.append({"booking": booking.id, "message": message_id, "to": addresses[booking.id], "status": "queued"})
    return emails


def move_session(uow: UnitOfWork, now: datetime, session_id: str, start: datetime, notify: bool = False,
                 force: bool = False, allow_overlap: bool = False) -> dict[str, Any]:
    """`session move`: the whole session to `start`, with its bookings (move_meeting); the session's
    view, with `emails` and, when --force overrode a rule, `overrode`."""
    from bookctl.services.availability import time_problems

    zone = zone_of(uow)
    session = uow.calendar.get_session(session_id)
    if session.status != "scheduled":
        raise RuleError(f"session {session.id} is cancelled")
    if start < now:
        raise RuleError(f"{start.astimezone(zone):%Y-%m-%d %H:%M} is in the past; a session moves to a time to come")
    service = uow.settings.services[session.service_id]
    end = add_elapsed(start, session.end - session.start)
    overrode = time_problems(uow, service, uow.settings.staff.get(session.staff_id or ""), start, end,
                             ignore=session.id) if force else []
    emails = move_meeting(uow, now, session, start, notify=notify, force=force, allow_overlap=allow_overlap)
    view = session_view(session, uow.calendar.session_bookings(session), zone)
    view["emails"] = emails
    if overrode:
        view["overrode"] = overrode
    return view


def _check_cancellable(session: Session, confirmed: list[Any], now: datetime, zone: Any) -> None:  # noqa: ANN401
    """Refuse, before anything changes, a whole-meeting cancel that would lose money or history."""
    if session.start <= now:
        raise RuleError(f"session {session.id} began at {session.start.astimezone(zone):%Y-%m-%d %H:%M}; a meeting "
                        "that has begun is not cancelled whole: cancel its bookings one by one")
    for booking in confirmed:
        if any(e.status == "pending" for e in booking.ledger_entries):
            raise RuleError(f"booking {booking.id} has payments pending; run 'bookctl payment reconcile {booking.id}' "
                            "first, then cancel the meeting")
        if booking.course_booking_id == booking.id:
            raise RuleError(f"session {session.id} holds booking {booking.id}, which holds its course's price and "
                            f"ledger; move the meeting ('bookctl session move {session.id} --start ...') or cancel "
                            f"the course ('bookctl session cancel {booking.id}')")


def _plan(decided: Plan | Outcome) -> Plan:
    if isinstance(decided, Plan):
        return decided
    return Plan([], lambda answers: decided)


def _no_answers() -> Any:  # noqa: ANN401 - an Answers
    from bookctl.services.money import Answers

    return Answers()
