"""`report clients`: who came in the period, who was new, who comes most or pays most, and who has
not been back for a while (bookctl #21).

- A visit is a confirmed booking of a session that has started and that was not a no-show.
- A client of the period has a visit in it. A new one has no booking at all before the period
  (the first time the calendar knows them); the others are returning.
- Lapsed, as of the period's last day: a client whose latest booking is on or before the day
  `lapsed_days` before it, with a visit (their last visit is given). A client with a booking after
  that day, even a cancelled one, is in touch and not lapsed; one who never came is not a client.
- Top clients: by visits in the period, and by net revenue in it (revenue_report.line_money).

Reads: the period's sessions once (`Calendar.stream`); each contact's booking index (the days its
booking ids name) to tell new from returning and to find the lapsed; of those, only the days of
their latest bookings (`ledger_lines.bookings_of`); and the period's ledger entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from bookctl.domain.ids import home_day, id_order
from bookctl.domain.money import money_json
from bookctl.domain.reports import Report, Table, rate
from bookctl.services.ledger_lines import bookings_of, ledger_lines
from bookctl.services.report_groups import group_names
from bookctl.services.revenue_report import line_money
from bookctl.timeutil import day_bounds, load_zone

if TYPE_CHECKING:
    from bookctl.domain.records import BookingLike, SessionLike
    from bookctl.storage.unit import UnitOfWork

DEFAULT_LAPSED_DAYS = 60
TOP = 10
# How many of a lapsed client's bookings are read in each round, newest first, to find their last visit.
_ROUNDS = (1, 4, 16, 1_000_000)


@dataclass
class _Client:
    """One client's figures in the period."""

    visits: int = 0
    no_shows: int = 0
    cancellations: int = 0
    first_visit: date | None = None
    last_visit: date | None = None


def is_visit(booking: BookingLike, session: SessionLike, now: datetime) -> bool:
    """A confirmed booking of a started session, not a no-show."""
    return booking.status == "confirmed" and booking.attendance != "no_show" and session.start <= now


def clients_report(uow: UnitOfWork, first: date, last: date, now: datetime,
                   lapsed_days: int = DEFAULT_LAPSED_DAYS) -> Report:
    """The clients of the local days `first` to `last`; `now` (aware) says which sessions have
    started; lapsed: no booking in the `lapsed_days` days up to `last`."""
    zone = load_zone(uow.settings.business.timezone)
    start = day_bounds(first, zone)[0]
    clients: dict[str, _Client] = {}
    in_period: set[str] = set()

    def count(session: SessionLike, bookings: list) -> None:
        day = session.start.astimezone(zone).date()
        for booking, _entries in bookings:
            in_period.add(booking.id)
            client = clients.setdefault(booking.contact_id, _Client())
            if booking.status == "cancelled":
                client.cancellations += 1
            elif booking.status == "confirmed" and booking.attendance == "no_show":
                client.no_shows += 1
            if is_visit(booking, session, now):
                client.visits += 1
                client.first_visit = min(client.first_visit or day, day)
                client.last_visit = max(client.last_visit or day, day)

    net: dict[str, int] = {}
    for line in ledger_lines(uow, first, last, each_session=count):  # the period's sessions, read once
        contact_id = line.entry.contact_id  # type: ignore[attr-defined]
        net[contact_id] = net.get(contact_id, 0) + line_money(line).net
    visitors = {cid: c for cid, c in clients.items() if c.visits}
    index = _booking_index(uow)
    new = {cid for cid in visitors if not _booked_before(uow, index.get(cid, []), in_period, start, first)}
    lapsed = _lapsed(uow, index, last - timedelta(days=lapsed_days), zone, now)
    return _report(uow, first, last, lapsed_days, visitors, new, net, lapsed)


def _booking_index(uow: UnitOfWork) -> dict[str, list[str]]:
    """Each client's booking ids (an erased client has none left to count)."""
    return dict(uow.contacts.booking_index())


def _booked_before(uow: UnitOfWork, booking_ids: list[str], in_period: set[str], start: datetime, first: date) -> bool:
    """Whether any of the bookings is of a session before the period. An id names the UTC day it
    was made in: a day two before the period's first is before it; the day before and the first
    day itself are looked at (a local day straddles two UTC days)."""
    unsure = []
    for booking_id in booking_ids:
        day = home_day(booking_id, "b")
        if booking_id in in_period or day is None or day > first:
            continue
        if day < first - timedelta(days=1):
            return True
        unsure.append(booking_id)
    return any(session.start < start for _, _, session in bookings_of(uow, unsure))


def _lapsed(uow: UnitOfWork, index: dict[str, list[str]], cutoff: date, zone: tzinfo,
            now: datetime) -> dict[str, date]:
    """The lapsed clients and their last visit: latest booking on or before `cutoff` (local)."""
    latest: dict[str, str] = {}
    for contact_id, booking_ids in index.items():
        newest = max(booking_ids, key=_id_key)
        day = home_day(newest, "b")
        if day is not None and day <= cutoff + timedelta(days=1):  # the UTC day may be the local one after
            latest[contact_id] = newest
    found: dict[str, date] = {}
    # Newest first, in rounds of growing size: the latest booking is most often the last visit.
    queue = {cid: sorted(index[cid], key=_id_key, reverse=True) for cid in latest}
    for size in _ROUNDS:
        if not queue:
            break
        batch = {booking_id: cid for cid, ids in queue.items() for booking_id in ids[:size]}
        queue = {cid: ids[size:] for cid, ids in queue.items() if ids[size:]}
        for booking, _entries, session in bookings_of(uow, batch):
            day = session.start.astimezone(zone).date()
            contact_id = booking.contact_id
            if booking.id == latest.get(contact_id) and day > cutoff:
                queue.pop(contact_id, None)  # booked after the cutoff after all: not lapsed
                del latest[contact_id]
            elif contact_id in latest and is_visit(booking, session, now):
                found[contact_id] = max(found.get(contact_id, day), day)
                queue.pop(contact_id, None)
    return {contact_id: day for contact_id, day in found.items() if contact_id in latest}


def _id_key(booking_id: str) -> tuple[date, tuple[str, int]]:
    return home_day(booking_id, "b") or date.min, id_order(booking_id)


def _report(uow: UnitOfWork, first: date, last: date, lapsed_days: int, visitors: dict[str, _Client],
            new: set[str], net: dict[str, int], lapsed: dict[str, date]) -> Report:
    currency = uow.settings.business.currency
    top_paying = sorted((cid for cid, minor in net.items() if minor > 0), key=lambda cid: (-net[cid], id_order(cid)))[:TOP]
    names = group_names(uow, "contact", {*visitors, *top_paying, *lapsed})
    rows = [{"contact_id": cid, "name": names[cid], "status": "new" if cid in new else "returning",
             "visits": c.visits, "no_shows": c.no_shows, "cancellations": c.cancellations,
             "first_visit": c.first_visit.isoformat() if c.first_visit else None,
             "last_visit": c.last_visit.isoformat() if c.last_visit else None,
             "net": money_json(net.get(cid, 0), currency)}
            for cid, c in sorted(visitors.items(), key=lambda item: id_order(item[0]))]
    by_visits = sorted(rows, key=lambda row: (-row["visits"], id_order(row["contact_id"])))[:TOP]
    by_revenue = [{"contact_id": cid, "name": names[cid], "net": money_json(net[cid], currency),
                   "visits": visitors[cid].visits if cid in visitors else 0} for cid in top_paying]
    lapsed_rows = [{"contact_id": cid, "name": names[cid], "last_visit": day.isoformat(),
                    "days_since": (last - day).days}
                   for cid, day in sorted(lapsed.items(), key=lambda item: (item[1], id_order(item[0])))]
    columns = ("contact_id", "name", "status", "visits", "no_shows", "cancellations", "first_visit", "last_visit", "net")
    visits = sum(c.visits for c in visitors.values())
    summary = {"clients": len(visitors), "new_clients": len(new), "returning_clients": len(visitors) - len(new),
               "visits": visits, "visits_per_client": rate(visits, len(visitors)),
               "lapsed_days": lapsed_days, "lapsed_clients": len(lapsed)}
    tables = [Table("rows", "Clients of the period", columns, rows, label="name", bar="visits"),
              Table("top_by_visits", "Top clients by visits", ("contact_id", "name", "visits"),
                    [{k: row[k] for k in ("contact_id", "name", "visits")} for row in by_visits],
                    label="name", bar="visits"),
              Table("top_by_revenue", "Top clients by revenue", ("contact_id", "name", "net", "visits"), by_revenue,
                    label="name", bar="net"),
              Table("lapsed", f"Lapsed: no booking in the {lapsed_days} days up to {last}",
                    ("contact_id", "name", "last_visit", "days_since"), lapsed_rows, label="name")]
    return Report("clients", first, last, None, tables, summary=summary)
