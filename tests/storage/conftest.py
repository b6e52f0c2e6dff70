"""The unit-of-work contract suite: every test runs once on each backend (memory, files, PostgreSQL).

`store` is an empty store of the backend under test; `make_store(backend)` makes more (a copy's
target). PostgreSQL never skips: if its server cannot start, the fixture fails. Helpers here build
records with the fields the services give them, and read a store back whole (`dumped`) to compare.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bookctl.domain.models import Booking, Contact, Service, Session
from bookctl.domain.money import Money
from bookctl.domain.settings import Business, Settings

BACKENDS = ("memory", "files", "postgres")
# A Monday in Rome, 12:00 local.
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
DAY = date(2026, 11, 23)


def eur(minor: int) -> Money:
    return Money(minor=minor, currency="EUR")


def new_settings() -> Settings:
    """What `bookctl init --business 'Studio Verde' --currency EUR --timezone Europe/Rome` writes,
    with one service."""
    settings = Settings(business=Business(name="Studio Verde", currency="EUR", timezone="Europe/Rome"))
    settings.store.id = uuid.uuid4().hex
    settings.services["yoga"] = Service(id="yoga", name="Yoga Flow", kind="class", price=eur(1800),
                                        duration_minutes=60, capacity=3)
    return settings


@pytest.fixture
def make_store(tmp_path: Path, new_database: Callable[[], str]) -> Callable[[str], Any]:
    """make_store("memory" | "files" | "postgres") -> a new empty store of that backend."""
    made = 0

    def make(backend: str) -> Any:
        nonlocal made
        made += 1
        root = tmp_path / f"store-{made}"
        settings = new_settings()
        if backend == "memory":
            from bookctl.storage.memory import MemoryStore

            return MemoryStore(root, settings)
        if backend == "files":
            from bookctl.storage.files import FileStore

            return FileStore.create(root, settings)
        if backend == "postgres":
            from bookctl.storage.postgres import PostgresStore

            url = new_database()
            settings.storage.url = url
            return PostgresStore.create(root, settings, url)
        raise AssertionError(backend)

    return make


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def store(backend: str, make_store: Callable[[str], Any]) -> Any:
    """An empty store of the backend under test (overrides the CLI suite's `store`)."""
    return make_store(backend)


# --- records as the services make them ----------------------------------------------------------------
def add_contact(uow: Any, first_name: str = "Ada", **fields: Any) -> Contact:
    return uow.contacts.add(first_name=first_name, created_at=fields.pop("created_at", NOW), **fields)


def add_session(uow: Any, start: datetime = NOW, minutes: int = 60, **fields: Any) -> Session:
    return uow.calendar.add_session(service_id="yoga", start=start, end=start + timedelta(minutes=minutes),
                                    capacity=fields.pop("capacity", 3), created_at=fields.pop("created_at", NOW),
                                    **fields)


def add_booking(uow: Any, session: Session, contact: Contact, created_at: datetime = NOW,
                **fields: Any) -> Booking:
    return uow.calendar.add_booking(session, contact_id=contact.id, price=fields.pop("price", eur(1800)),
                                    created_at=created_at, **fields)


def charge(uow: Any, home: Any, minor: int = 1800, created_at: datetime = NOW, **fields: Any) -> Any:
    fields.setdefault("status", "succeeded")
    return uow.ledger.add(home, kind=fields.pop("kind", "charge"), amount=eur(minor), created_at=created_at,
                          **fields)


def add_invoice(uow: Any, contact: Contact, minor: int = 5000, **fields: Any) -> Any:
    from bookctl.domain.invoices import LineItem

    return uow.documents.add_invoice(contact_id=contact.id, items=[LineItem(text="Course", amount=eur(minor))],
                                     total=eur(minor), created_at=fields.pop("created_at", NOW), **fields)


def add_quote(uow: Any, contact: Contact, minor: int = 5000) -> Any:
    from bookctl.domain.invoices import LineItem

    return uow.documents.add_quote(contact_id=contact.id, items=[LineItem(text="Course", amount=eur(minor))],
                                   total=eur(minor), created_at=NOW)


def add_plan(uow: Any, name: str = "Ten classes", **fields: Any) -> Any:
    values = dict(name=name, kind="pack", price=eur(15000), sessions=10, valid_days=90, service_ids=["yoga"],
                  created_at=NOW)
    values.update(fields)
    return uow.plans.add_plan(**values)


def add_pass(uow: Any, plan: Any, contact: Contact, starts_at: datetime = NOW) -> Any:
    from zoneinfo import ZoneInfo

    from bookctl.domain.plans import pass_fields

    return uow.plans.add_pass(**pass_fields(plan, contact.id, starts_at, ZoneInfo("Europe/Rome"), NOW))


# --- a store read back whole -------------------------------------------------------------------------
def dumped(store: Any) -> list[tuple[str, Any]]:
    """`dump()` of a store in a form two backends can be compared in: records stay pydantic models
    (their datetimes compare as instants, whatever the zone a backend returns them in), counters never
    used and days that minted no id are left out, bytes are bytes, and a day's sessions are in id order."""
    found: list[tuple[str, Any]] = []
    with store.read() as uow:
        for kind, value in uow.dump():
            if kind == "counters":
                value = {name: n for name, n in value.items() if n}
            elif kind == "sequences":
                value = {_as_day(day): seq for day, seq in value.items() if seq > 1}  # 1: none minted yet
            elif kind == "day":
                day, sessions = value
                value = (_as_day(day), sorted(sessions, key=lambda pair: pair[0].id))
            elif kind == "card":
                contact_id, card, blobs = value
                value = (contact_id, card, {k: bytes(v) for k, v in blobs.items()})
            elif kind == "message":
                value = (value[0], bytes(value[1]))
            found.append((kind, value))
    return found


def _as_day(day: date | str) -> date:
    return day if isinstance(day, date) else date.fromisoformat(day)


def fill(store: Any) -> dict[str, str]:
    """A bit of everything, over two commits; the ids made, by name."""
    from bookctl.domain.cards import Attachment, Note, Task
    from bookctl.domain.payments import settle

    ids: dict[str, str] = {}
    with store.write() as uow:
        ada = add_contact(uow, "Ada", email="ada@example.org", custom_fields={"level": "2"})
        bea = add_contact(uow, "Bea", last_name="Rossi", labels=["VIP"])
        gone = add_contact(uow, "Gone")
        morning = add_session(uow, NOW)
        late = add_session(uow, datetime(2026, 11, 24, 23, 30, tzinfo=UTC), capacity=1)  # the 25th in Rome
        first = add_booking(uow, morning, ada)
        second = add_booking(uow, morning, bea, created_at=NOW + timedelta(minutes=5), status="cancelled",
                             cancelled_at=NOW + timedelta(minutes=9))
        third = add_booking(uow, late, ada)
        charge(uow, first, method="card", provider="sandbox", reference="ch_1", card_brand="visa", card_last4="4242")
        intent = charge(uow, second, status="pending", method="card", provider="sandbox", idempotency_key="k-2",
                        request={"description": "Yoga", "tags": ["a", "b"]}, created_at=NOW + timedelta(minutes=6))
        charge(uow, third, status="pending", method="card", provider="sandbox", idempotency_key="k-3")
        booked = add_invoice(uow, ada, 1800, booking_id=first.id)
        loose = add_invoice(uow, bea, 5000, due=date(2026, 12, 1))
        charge(uow, loose, 5000, status="pending", method="invoice")
        add_quote(uow, bea)
        card = uow.cards.get(ada.id)
        card.notes.append(Note(id=uow.cards.new_id("n"), text="Knee", created_at=NOW))
        card.tasks.append(Task(id=uow.cards.new_id("t"), text="Call", assignee="giulia", due=DAY, created_at=NOW))
        attachment_id = uow.cards.new_id("a")
        card.attachments.append(Attachment(id=attachment_id, name="x.pdf", size=3, media_type="application/pdf",
                                           sha256="a" * 64, created_at=NOW))
        uow.cards.put_bytes(attachment_id, b"%PD")
        uow.outbox.add(NOW, b"Subject: hi\r\n\r\nhello\r\n")
        uow.webhooks.add("wh-1", "booking-created", "evt_1", b'{"event":"booking-created"}', NOW)
        uow.replies.add("key-1", "collect b-1", {"entry": "p-1", "amounts": [1, 2]})
        weekly = uow.timetable.add_schedule(service_id="yoga", staff_id="giulia", days=["wed", "mon"], at="18:00",
                                            first_day=DAY, count=10, capacity=8, created_at=NOW)
        morning.schedule_id = weekly.id
        away = uow.timetable.add_time_off(staff_id="giulia", start=NOW + timedelta(days=3),
                                          end=NOW + timedelta(days=4), reason="conference", created_at=NOW)
        uow.timetable.add_time_off(staff_id="giulia", start=NOW + timedelta(days=1), end=NOW + timedelta(days=2),
                                   created_at=NOW)
        pack = add_plan(uow)
        sold = add_pass(uow, pack, ada)
        uow.commit()
        ids.update(plan=pack.id, sold=sold.id)
        ids.update(schedule=weekly.id, away=away.id, ada=ada.id, bea=bea.id, gone=gone.id, morning=morning.id, late=late.id, first=first.id,
                   second=second.id, third=third.id, intent=intent.id, booked=booked.id, loose=loose.id,
                   attachment=attachment_id)
    with store.write() as uow:
        settle(uow.calendar.get_booking(ids["second"]).ledger_entries[0], "failed", NOW + timedelta(minutes=7),
               failure="declined")
        uow.calendar.move_session(uow.calendar.get_session(ids["late"]), datetime(2026, 11, 26, 9, tzinfo=UTC),
                                  datetime(2026, 11, 26, 10, tzinfo=UTC))
        uow.contacts.remove(uow.contacts.get(ids["gone"]))
        uow.timetable.schedule(ids["schedule"]).exdates.append(DAY + timedelta(days=7))
        uow.plans.get_pass(ids["sold"]).move("used", NOW + timedelta(minutes=8))
        uow.plans.plan(ids["plan"]).archived = True
        uow.commit()
    return ids
