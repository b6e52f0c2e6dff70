"""Property: whatever clients do to one class meeting (book, join its waitlist, cancel, leave, accept
an offer, let time pass, sweep), in either waitlist mode, bookctl #20's rules hold after every step:

- the places taken (confirmed and offered) never exceed the capacity;
- the line is first come, first served: whoever gets a freed place joined before everyone still
  waiting, and the positions are 1..n in the order clients joined;
- outside the cut-off no client waits beside a free place: it is theirs (auto) or held for the
  first in line (offer);
- a client waiting owes nothing; a confirmed one owes the price.

Driven through the services on the in-memory backend (tests/services/test_on_memory.py's way), so
hundreds of sequences run in seconds; the command line runs the same rules in tests/cli/test_waitlist.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookctl.domain.models import HOLDS_PLACE
from bookctl.domain.money import Money
from bookctl.domain.payments import summarize
from bookctl.domain.settings import Business, Settings
from bookctl.errors import RuleError
from bookctl.services import calendar, waitlist
from bookctl.services.contacts import add_contact
from bookctl.services.setup import add_service
from bookctl.storage.memory import MemoryStore

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone(timedelta(hours=1)))
START = datetime(2026, 11, 25, 18, 0, tzinfo=timezone(timedelta(hours=1)))
CLIENTS = 7
CUTOFF_HOURS = 2

# Mostly books and cancels, so the line grows long enough for its order to matter and places free.
ACTIONS = ("book", "book", "book", "book", "cancel", "cancel", "leave", "accept", "wait", "sweep")
STEP = st.tuples(st.sampled_from(ACTIONS), st.integers(0, CLIENTS - 1))


def make_store(tmp_path, mode: str, capacity: int):  # noqa: ANN001, ANN201
    options = Settings(business=Business(name="Studio Verde", currency="EUR", timezone="Europe/Rome"))
    options.store.id = "0" * 32
    options.waitlist.mode = mode  # type: ignore[assignment]
    options.waitlist.hold_hours = 6
    options.waitlist.cutoff_hours = CUTOFF_HOURS
    store = MemoryStore(tmp_path, options)
    with store.write() as uow:
        add_service(uow, "Yoga Flow", Money.parse("18", "EUR"), 60, "class", capacity=capacity)
        for n in range(CLIENTS):
            add_contact(uow, NOW, f"Client{n}", email=f"client{n}@example.org")
        session = calendar.add_session(uow, NOW, "yoga-flow", START)["id"]
        uow.commit()
    return store, session


def step(uow, now: datetime, session_id: str, action: str, n: int) -> list[dict]:  # noqa: ANN001
    """One client's move; the rows of places it gave (promoted, offered, expired)."""
    contact = f"c-{n + 1}"
    bookings = uow.calendar.session_bookings(uow.calendar.get_session(session_id))
    theirs = [b for b in bookings if b.contact_id == contact and b.status != "cancelled"]
    if action == "book":
        calendar.book(uow, now, contact, session_id=session_id, waitlist=True)
        return []
    if action == "sweep":
        return waitlist.sweep(uow, now)
    if not theirs:
        return []
    booking = theirs[0]
    if action == "cancel":
        return calendar.cancel(uow, now, booking.id).get("waitlist", [])
    if action == "leave":
        return waitlist.leave(uow, now, booking.id).get("waitlist", [])
    view = waitlist.accept(uow, now, booking.id)
    assert view["status"] == "confirmed"
    return []


def check(uow, now: datetime, session_id: str, mode: str, joined: dict[str, int]) -> None:  # noqa: ANN001
    session = uow.calendar.get_session(session_id)
    bookings = uow.calendar.session_bookings(session)
    held = [b for b in bookings if b.status in HOLDS_PLACE]
    waiting = [b for b in bookings if b.status == "waitlisted"]
    assert len(held) <= session.capacity
    in_line = waitlist.queue_of(bookings)
    assert [waitlist.position(b, bookings) for b in in_line if b.status == "waitlisted"] == \
        list(range(1, len(waiting) + 1))
    assert [joined[b.id] for b in waiting] == sorted(joined[b.id] for b in waiting)
    for booking in bookings:
        due = summarize(booking).due.minor
        if booking.status in ("waitlisted", "offered"):
            assert due == 0
        elif booking.status == "confirmed":
            assert due == 1800
    before_cutoff = now.astimezone(UTC) < START.astimezone(UTC) - timedelta(hours=CUTOFF_HOURS)
    if before_cutoff and waiting:  # an offer holds its place: in either mode no place is left free
        assert len(held) == session.capacity, f"a client waits beside a free place ({mode})"


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mode=st.sampled_from(["auto", "offer"]), capacity=st.integers(1, 3), steps=st.lists(STEP, min_size=8, max_size=30))
def test_the_waitlist_rules_hold_after_every_step(tmp_path, mode, capacity, steps):
    store, session_id = make_store(tmp_path, mode, capacity)
    now = NOW
    joined: dict[str, int] = {}  # booking id -> the order it was made in
    for action, n in steps:
        if action == "wait":
            now = now + timedelta(hours=3 * n + 1)
            if now >= START:
                break
            continue
        with store.write() as uow:
            before = {b.id for b in uow.calendar.session_bookings(uow.calendar.get_session(session_id))}
            waiting_before = [b for b in waitlist.queue_of(uow.calendar.session_bookings(
                uow.calendar.get_session(session_id))) if b.status == "waitlisted"]
            try:
                given_rows = step(uow, now, session_id, action, n)
            except RuleError:
                continue  # refused: nothing is committed
            for booking in uow.calendar.session_bookings(uow.calendar.get_session(session_id)):
                if booking.id not in before:
                    joined[booking.id] = len(joined)
            promoted = [r["booking"] for r in given_rows if r["action"] in ("promoted", "offered")]
            # The places go to the front of the line, in its order.
            assert promoted == [b.id for b in waiting_before][:len(promoted)]
            uow.commit()
        with store.read() as uow:
            check(uow, now, session_id, mode, joined)
