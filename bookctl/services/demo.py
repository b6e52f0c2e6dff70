"""`demo seed`: a realistic studio, deterministic for the same arguments.

Everything random comes from one `random.Random(seed)`, and every timestamp from the `start` day, so
the same arguments write byte-identical files.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from math import ceil
from typing import Any

from bookctl.domain.ids import slug
from bookctl.errors import RuleError
from bookctl.services.setup import add_service, add_staff
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import add_elapsed, load_zone

# (first names, last names, phone prefix, language) for the seeds' five languages and English.
PEOPLE = [
    (["Giulia", "Marco", "Chiara", "Luca", "Francesca", "Matteo"], ["Rossi", "Bianchi", "Esposito", "Romano", "Ricci"], "+39 3", "it"),
    (["Sanne", "Daan", "Femke", "Jeroen", "Lotte", "Bram"], ["de Vries", "Jansen", "van Dijk", "Bakker", "Visser"], "+31 6", "nl"),
    (["Camille", "Léa", "Hugo", "Chloé", "Théo", "Zoë"], ["Lefèvre", "Martin", "Dubois", "Moreau", "Girard"], "+33 6", "fr"),
    (["נועה", "יונתן", "מאיה", "איתי", "Noa", "Yael"], ["כהן", "לוי", "מזרחי", "Cohen", "Levi"], "+972 5", "he"),
    (["Анна", "Дмитрий", "Ольга", "Сергей", "Мария", "Иван"], ["Смирнова", "Иванов", "Кузнецова", "Попов", "Соколова"], "+7 9", "ru"),
    (["Emma", "Oliver", "Amelia", "Jack", "Isla", "Noah"], ["Smith", "Taylor", "Brown", "Wilson", "Evans"], "+44 7", "en"),
]
STAFF_NAMES = ["Giulia Romano", "Sanne de Vries", "Camille Lefèvre", "Noa Cohen", "Анна Смирнова",
               "Marco Ricci", "Femke Bakker", "Hugo Girard", "Yael Levi", "Ольга Попова"]
# name, kind, price (major units), minutes, capacity, deposit, cancellation fee, no-show fee, window h, weight
SERVICES = [
    ("Yoga Flow", "class", 18, 60, 14, None, 5, 8, 12, 5),
    ("Pilates Reformer", "class", 32, 50, 6, 10, 10, 15, 24, 3),
    ("Physiotherapy", "appointment", 65, 45, 1, 20, 25, 30, 24, 4),
    ("Sports Massage", "appointment", 70, 60, 1, None, None, None, 24, 2),
    ("Prenatal Yoga Course", "course", 120, 75, 10, 40, 30, None, 48, 1),
]
FORMS = {
    "Physiotherapy": [("injury", ["knee", "lower back", "shoulder", "ankle", "ginocchio", "rug", "épaule", "спина"]),
                      ("first_visit", ["yes", "no"])],
    "Yoga Flow": [("experience", ["beginner", "intermediate", "advanced"])],
    "Prenatal Yoga Course": [("due_date_month", ["2027-01", "2027-02", "2027-03", "2027-04"])],
}
SLOT_STARTS = [time(7, 0), time(8, 30), time(10, 0), time(11, 30), time(13, 0), time(14, 30), time(16, 0),
               time(17, 30), time(19, 0)]
# Staff enough that a day's bookings fit in their slots with room to spare: a slot holds about 4.6
# bookings on average (9 slots, about 41 a day), and the last days must absorb any shortfall.
BOOKINGS_PER_STAFF_DAY = 30


def default_days(bookings: int) -> int:
    """A calendar dense enough to look real: 14 days for a small demo, a year for 100k bookings."""
    return min(365, max(14, ceil(bookings / 30)))


def seed(uow: UnitOfWork, *, contacts: int, bookings: int, seed_value: int, start: date, days: int | None,
         progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Fill an empty store with a studio's services, staff, contacts and a calendar of bookings:
    `contacts` (1 to 1000000) and `bookings` (0 to 10000000) over `days` days (1 to 3660; None or 0:
    `default_days`), half of them before `start`. The caller has checked the ranges.

    The days may hold fewer bookings than asked for: the summary's `bookings` says how many were
    made, and the caller refuses a short calendar before it commits."""
    span = max(days or default_days(bookings), ceil(bookings / (BOOKINGS_PER_STAFF_DAY * len(STAFF_NAMES))))
    if uow.calendar.span() is not None or next(uow.contacts.all(), None) is not None:
        raise RuleError("demo seed fills an empty store; this one already has contacts or sessions")
    rng = random.Random(seed_value)
    zone = load_zone(uow.settings.business.timezone)
    first_day = start - timedelta(days=span // 2)
    reference = datetime.combine(start, time(12, 0), zone)  # "now" for the seeded history

    services = _ensure_services(uow)
    per_day = ceil(bookings / span) if bookings else 0
    staff = _ensure_staff(uow, max(3, min(len(STAFF_NAMES), ceil(per_day / BOOKINGS_PER_STAFF_DAY))))
    contact_ids = [_add_contact(uow, rng, n, first_day, zone).id for n in range(contacts)]

    made = 0
    weights = [entry[-1] for entry in SERVICES]
    for offset in range(span):
        day = first_day + timedelta(days=offset)
        target = min(bookings - made, ceil((bookings - made) / (span - offset)))
        slots = [(member, slot) for member in staff for slot in SLOT_STARTS]
        rng.shuffle(slots)
        day_made = 0
        for member, slot in slots:
            if day_made >= target:
                break
            service = rng.choices(services, weights=weights)[0]
            start_at = datetime.combine(day, slot, zone)
            end_at = add_elapsed(start_at, timedelta(minutes=service.duration_minutes))
            created = start_at - timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 10))
            session = uow.calendar.add_session(service_id=service.id, staff_id=member.id, start=start_at, end=end_at,
                                      capacity=service.capacity, created_at=created)
            size = 1 if service.capacity == 1 else rng.randint(max(1, service.capacity // 3), service.capacity)
            size = min(size, target - day_made, len(contact_ids))
            for contact_id in rng.sample(contact_ids, size):
                _add_booking(uow, rng, session, service, contact_id, created, reference)
            day_made += size
        made += day_made
        uow.spill()
        if progress:
            progress(made, bookings)
    return {"contacts": contacts, "bookings": made, "days": span, "first_day": first_day.isoformat(),
            "last_day": (first_day + timedelta(days=span - 1)).isoformat(), "services": len(services),
            "staff": len(staff)}


def _ensure_services(uow: UnitOfWork) -> list:
    from bookctl.domain.money import Money

    currency = uow.settings.business.currency
    existing = {s.name: s for s in uow.settings.services.values()}
    made = []

    def money(major: int | None) -> Money | None:
        return None if major is None else Money.parse(str(major), currency)

    for name, kind, price, minutes, capacity, deposit, cancel_fee, no_show_fee, window, _ in SERVICES:
        service = existing.get(name) or add_service(
            uow, name, Money.parse(str(price), currency), minutes, kind, None if kind == "appointment" else capacity,
            money(deposit), money(cancel_fee), money(no_show_fee), window)
        made.append(service)
    return made


def _ensure_staff(uow: UnitOfWork, count: int) -> list:
    existing = {s.name: s for s in uow.settings.staff.values()}
    members = []
    for name in STAFF_NAMES[:count]:
        email = f"{slug(name) or 'staff-' + str(len(members) + 1)}@studio.example"
        members.append(existing.get(name) or add_staff(uow, name, email))
    return members


def _add_contact(uow: UnitOfWork, rng: random.Random, n: int, first_day: date, zone) -> Any:  # noqa: ANN001
    firsts, lasts, phone_prefix, language = PEOPLE[rng.randrange(len(PEOPLE))]
    first, last = rng.choice(firsts), rng.choice(lasts)
    handle = slug(f"{first} {last}").replace("-", ".") or f"client{n + 1}"
    digits = "".join(str(rng.randrange(10)) for _ in range(8))
    created = datetime.combine(first_day - timedelta(days=rng.randint(1, 700)), time(9, 0), zone)
    contact = uow.contacts.add(
        first_name=first, last_name=last, email=f"{handle}.{n + 1}@example.com",
        phone=f"{phone_prefix}{digits[:2]} {digits[2:5]} {digits[5:]}", language=language, created_at=created,
        company=rng.choice([None, None, None, "Studio Verde", "Acme BV", "Atelier Lumière"]),
    )
    return contact


def _add_booking(uow: UnitOfWork, rng: random.Random, session: Any, service: Any, contact_id: str,  # noqa: ANN401
                 created: datetime, reference: datetime) -> None:
    answers = {key: rng.choice(values) for key, values in FORMS.get(service.name, [])}
    booking = uow.calendar.add_booking(session, contact_id=contact_id, price=service.price, form_responses=answers,
                              created_at=created)
    roll = rng.random()
    if roll < 0.04:
        booking.status = "cancelled"
        booking.cancelled_at = min(created + timedelta(hours=rng.randint(1, 48)), session.start - timedelta(hours=1))
        if service.kind == "appointment":
            session.status = "cancelled"
    elif session.end <= reference:
        booking.attendance = "checked_in" if roll < 0.82 else "no_show" if roll < 0.94 else "booked"
    contact = uow.contacts.get(contact_id)
    if service.name not in contact.labels:
        contact.labels.append(service.name)
