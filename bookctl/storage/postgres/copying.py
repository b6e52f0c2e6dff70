"""A PostgreSQL store's `dump()` and `load()` (see UnitOfWork.dump): what `store copy` moves.

A dump reads from server-side cursors, a day, a card or a message at a time. A load inserts rows
in batches in the order the foreign keys need: invoices go in before the calendar (a booking's
ledger entries may name one) without their booking, which is linked once the bookings are in; a
batch inserts refunds after the other entries, so the refund trigger finds what each gives back;
the counters and the days' next id numbers go in last."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from bookctl.domain.ids import home_day, id_order
from bookctl.domain.invoices import document_number
from bookctl.storage.postgres.calendar import all_days
from bookctl.storage.postgres.cards import card_fields, card_rows, read_card
from bookctl.storage.postgres.contacts import all_contacts, contact_keys
from bookctl.storage.postgres.documents import all_documents
from bookctl.storage.postgres.ledger import invoice_entries
from bookctl.storage.postgres.plans import PASS_UPSERT_SQL, PLAN_UPSERT_SQL, pass_row, plan_row, read_passes, read_plans
from bookctl.storage.postgres.replies import all_replies
from bookctl.storage.postgres.timetable import UPSERT_SQL as TIMETABLE_SQL
from bookctl.storage.postgres.timetable import read_rows, timetable_row
from bookctl.storage.postgres.webhooks import INSERT_SQL as DELIVERY_SQL
from bookctl.storage.postgres.webhooks import delivery_row
from bookctl.storage.postgres.rows import (
    BOOKINGS,
    CONTACTS,
    INVOICES,
    LEDGER,
    QUOTES,
    SESSIONS,
    card_insert_sql,
)
from bookctl.storage.unit import DUMP_KINDS

if TYPE_CHECKING:
    from bookctl.domain.payments import LedgerEntry
    from bookctl.storage.postgres.unit import PostgresUnitOfWork

ROWS_PER_BATCH = 2000
# The contacts whose card holds anything, in id order.
CARD_OWNERS_SQL = ("SELECT contact_id FROM (SELECT contact_id FROM notes UNION SELECT contact_id FROM tasks "
                   "UNION SELECT contact_id FROM attachments) AS owners ORDER BY (substr(contact_id, 3))::bigint")


def dump(unit: PostgresUnitOfWork) -> Iterator[tuple[str, Any]]:
    yield "counters", dict(unit._exec("SELECT name, value FROM counters").fetchall())
    yield "sequences", dict(unit._exec("SELECT day, next_seq FROM days").fetchall())
    for contact in all_contacts(unit):
        yield "contact", contact
    for invoice in all_documents(unit, "invoice"):
        yield "invoice", (invoice, invoice_entries(unit, invoice.id) if invoice.booking_id is None else [])
    for quote in all_documents(unit, "quote"):
        yield "quote", quote
    for day in all_days(unit):
        yield "day", day
    for (contact_id,) in unit._stream(CARD_OWNERS_SQL):
        card = read_card(unit, contact_id)
        yield "card", (contact_id, card, {a.id: unit.cards.read_bytes(a.id) for a in card.attachments})
    ids = sorted((r[0] for r in unit._exec("SELECT id FROM outbox").fetchall()), key=id_order)
    for message_id in ids:
        yield "message", (message_id, unit.outbox.read(message_id))
    for hashed, reply in all_replies(unit):
        yield "reply", (hashed, reply)
    rows = list(read_rows(unit))
    for wanted in ("schedule", "time_off"):
        found = [record for kind, record in rows if kind == wanted]
        found.sort(key=(lambda r: int(r.id.rpartition("-")[2])) if wanted == "schedule" else (lambda r: (r.start, r.id)))
        yield from ((wanted, record) for record in found)
    for plan in read_plans(unit):
        yield "plan", plan
    for sold in read_passes(unit):
        yield "pass", sold
    for delivery in unit.webhooks.all():
        yield "delivery", delivery


def load(unit: PostgresUnitOfWork, items: Iterable[tuple[str, Any]]) -> None:
    loader = _Loader(unit)
    for kind, value in items:
        if kind not in DUMP_KINDS:
            raise ValueError(f"a dump holds no {kind!r}")
        getattr(loader, "pass_" if kind == "pass" else kind)(value)
    loader.finish()


class _Loader:
    """Rows for an empty bookctl database, inserted a batch at a time, table by table in `_sql`'s order."""

    def __init__(self, unit: PostgresUnitOfWork) -> None:
        self._unit = unit
        self._sql = {"contacts": CONTACTS.insert_sql, "invoices": INVOICES.insert_sql, "quotes": QUOTES.insert_sql,
                     "sessions": SESSIONS.insert_sql, "bookings": BOOKINGS.insert_sql, "ledger": LEDGER.insert_sql,
                     "refunds": LEDGER.insert_sql}
        self._sql.update({table: card_insert_sql(table, fields) for table, fields in card_fields().items()})
        self._sql.update({"attachment_blobs": "INSERT INTO attachment_blobs (id, data) VALUES (%s, %s)",
                          "outbox": "INSERT INTO outbox (id, data) VALUES (%s, %s)",
                          "idempotency": "INSERT INTO idempotency (key_hash, arguments, result) VALUES (%s, %s, %s)",
                          "timetable": TIMETABLE_SQL, "plans": PLAN_UPSERT_SQL, "passes": PASS_UPSERT_SQL,
                          "webhook_deliveries": DELIVERY_SQL})
        self._rows: dict[str, list[list[object]]] = {name: [] for name in self._sql}
        self._links: list[list[object]] = []  # [booking id, invoice id], set once the bookings are in
        self._counters: dict[str, int] = {}
        self._next_seqs: dict[date, int] = {}

    def _insert(self) -> None:
        for name, rows in self._rows.items():
            self._unit._exec_many(self._sql[name], rows)
            rows.clear()

    def _settle(self) -> None:
        if sum(len(rows) for rows in self._rows.values()) >= ROWS_PER_BATCH:
            self._insert()

    def _entries(self, entries: Iterable[LedgerEntry]) -> None:
        for entry in entries:
            self._rows["refunds" if entry.kind == "refund" else "ledger"].append(LEDGER.row(entry))

    def _minted(self, record_id: str, prefix: str) -> None:
        """The next id minted on `record_id`'s day must come after it."""
        home = home_day(record_id, prefix)
        if home is not None:
            seq = int(record_id.rsplit("-", 1)[1]) + 1
            self._next_seqs[home] = max(self._next_seqs.get(home, 1), seq)

    # --- one method per kind of dumped item ----------------------------------------------------
    def counters(self, counters: dict[str, int]) -> None:
        self._counters = dict(counters)

    def sequences(self, next_seqs: dict[date, int]) -> None:
        for day, seq in next_seqs.items():
            self._next_seqs[day] = max(self._next_seqs.get(day, 1), seq)

    def contact(self, contact: Any) -> None:  # noqa: ANN401
        self._rows["contacts"].append(CONTACTS.row(contact, *contact_keys(contact)))
        self._settle()

    def invoice(self, item: tuple[Any, list[LedgerEntry]]) -> None:
        invoice, entries = item
        if invoice.booking_id is not None:
            self._links.append([invoice.booking_id, invoice.id])
        unlinked = invoice.model_copy(update={"booking_id": None})
        self._rows["invoices"].append(INVOICES.row(unlinked, document_number(invoice.id, "INV")))
        self._entries(entries)
        self._settle()

    def quote(self, quote: Any) -> None:  # noqa: ANN401
        self._rows["quotes"].append(QUOTES.row(quote, document_number(quote.id, "Q")))
        self._settle()

    def day(self, item: tuple[date, list[tuple[Any, list[Any]]]]) -> None:
        for session, bookings in item[1]:
            self._rows["sessions"].append(SESSIONS.row(session))
            self._minted(session.id, "s")
            for booking in bookings:
                self._rows["bookings"].append(BOOKINGS.row(booking))
                self._minted(booking.id, "b")
                self._entries(booking.ledger_entries)
                for entry in booking.ledger_entries:
                    self._minted(entry.id, "p")
        self._settle()

    def card(self, item: tuple[str, Any, dict[str, bytes]]) -> None:
        contact_id, card, blobs = item
        for table, rows in card_rows(contact_id, card).items():
            self._rows[table] += rows
        self._rows["attachment_blobs"] += [[a.id, blobs[a.id]] for a in card.attachments]
        self._settle()

    def message(self, item: tuple[str, bytes]) -> None:
        self._rows["outbox"].append(list(item))
        self._settle()

    def reply(self, item: tuple[str, Any]) -> None:
        from psycopg.types.json import Json

        hashed, reply = item
        self._rows["idempotency"].append([hashed, reply.arguments, Json(reply.result)])
        self._settle()

    def schedule(self, schedule: Any) -> None:  # noqa: ANN401
        self._rows["timetable"].append(timetable_row("schedule", schedule))
        self._settle()

    def time_off(self, time_off: Any) -> None:  # noqa: ANN401
        self._rows["timetable"].append(timetable_row("time_off", time_off))
        self._settle()

    def plan(self, plan: Any) -> None:  # noqa: ANN401
        self._rows["plans"].append(plan_row(plan))
        self._settle()

    def pass_(self, sold: Any) -> None:  # noqa: ANN401 - `pass` is Python's
        self._rows["passes"].append(pass_row(sold))
        self._settle()

    def delivery(self, delivery: Any) -> None:  # noqa: ANN401
        self._rows["webhook_deliveries"].append(delivery_row(delivery))
        self._settle()

    def finish(self) -> None:
        """The rest of the rows, the invoices' bookings, the counters and the days' next id numbers."""
        self._insert()
        self._unit._exec_many("UPDATE invoices SET booking_id = %s WHERE id = %s", self._links)
        self._unit._exec_many("INSERT INTO counters (name, value) VALUES (%s, %s)",
                              [[name, value] for name, value in sorted(self._counters.items()) if value])
        self._unit._exec_many("INSERT INTO days (day, next_seq) VALUES (%s, %s)",
                              [list(pair) for pair in sorted(self._next_seqs.items())])
