"""How records become rows of the PostgreSQL tables and back (see schema.py for the tables)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from bookctl.domain.invoices import Invoice, Quote
from bookctl.domain.models import Booking, Contact, Session
from bookctl.domain.payments import LedgerEntry
from bookctl.errors import StoreError


class Table:
    """How one record type is kept: its table, its plain and json columns, its money columns.

    A Money field F is two columns, F_minor (bigint) and F_currency; field names are column names
    except where `renamed` says otherwise (a session's `start` is `start_at`)."""

    def __init__(self, name: str, model: type[BaseModel], json_fields: tuple[str, ...] = (),
                 money: tuple[str, ...] = (), renamed: dict[str, str] | None = None,
                 derived: tuple[str, ...] = (), extra: tuple[str, ...] = ()) -> None:
        self.name, self.model = name, model
        self.json_fields, self.money, self.renamed = set(json_fields), money, renamed or {}
        self.plain = tuple(f for f in model.model_fields if f not in self.money and f not in derived)
        self.columns = tuple(self.renamed.get(f, f) for f in self.plain) + \
            tuple(c for f in money for c in (f"{f}_minor", f"{f}_currency")) + extra
        quoted = ", ".join(f'"{c}"' for c in self.columns)
        updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in self.columns if c != "id")
        slots = ", ".join(["%s"] * len(self.columns))
        self.insert_sql = f"INSERT INTO {name} ({quoted}) VALUES ({slots})"
        self.upsert_sql = f"{self.insert_sql} ON CONFLICT (id) DO UPDATE SET {updates}"
        self.select = ", ".join(f'{name}."{c}"' for c in self.columns if c not in extra)

    def row(self, record: BaseModel, *extra: object) -> list[object]:
        """The column values of `record`, then `extra`."""
        as_json = record.model_dump(mode="json", include=self.json_fields) if self.json_fields else {}
        values: list[object] = [json_value(as_json[f]) if f in self.json_fields and as_json.get(f) is not None
                                else None if f in self.json_fields else getattr(record, f) for f in self.plain]
        for field in self.money:
            amount = getattr(record, field)
            values += [amount.minor, amount.currency]
        return values + list(extra)

    def record(self, row: tuple, **more: object) -> Any:  # noqa: ANN401
        """The model of a row selected with `select` (more: fields not in the row)."""
        from bookctl.domain.money import money_of

        n = len(self.plain)
        data = {f: value for f, value in zip(self.plain, row[:n], strict=True) if value is not None}
        for i, field in enumerate(self.money):
            data[field] = money_of(row[n + 2 * i], row[n + 2 * i + 1])
        data.update(more)
        try:
            return self.model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise StoreError(f"database table {self.name}, row {data.get('id')}: field {where}: {first['msg']}") from None


def read_record(table: Table, row: tuple, record_type: type) -> Any:  # noqa: ANN401
    """The read path's record (storage.read_records) of a row selected with `table.select`; a row
    that record refuses is read as the model, which accepts it or names the damage."""
    import msgspec

    n = len(table.plain)
    # NULLs stay in (the record's optional fields take None): a NULL where the record wants a value
    # is refused, and the model, which leaves NULLs out for its defaults, reads the row instead.
    data = dict(zip(table.plain, row[:n]))
    for i, field in enumerate(table.money):
        data[field] = {"minor": row[n + 2 * i], "currency": row[n + 2 * i + 1]}
    try:
        return msgspec.convert(data, record_type)
    except msgspec.ValidationError:
        return table.record(row)


CONTACTS = Table("contacts", Contact, json_fields=("emails", "phones", "addresses", "custom_fields", "labels",
                                                  "saved_card"), derived=("booking_ids", "pass_ids"), extra=("email_key", "label_keys"))
SESSIONS = Table("sessions", Session, renamed={"start": "start_at", "end": "end_at"})
BOOKINGS = Table("bookings", Booking, json_fields=("form_responses", "reminded"), money=("price",))
LEDGER = Table("ledger", LedgerEntry, json_fields=("request",), money=("amount",))
INVOICES = Table("invoices", Invoice, json_fields=("items",), money=("total",), extra=("number",))
QUOTES = Table("quotes", Quote, json_fields=("items",), money=("total",), extra=("number",))
# A contact's bookings, oldest first, as the file store keeps them on the card.
BOOKING_IDS_SQL = "ARRAY(SELECT b.id FROM bookings b WHERE b.contact_id = contacts.id ORDER BY b.created_at, b.seq)"
# A contact's passes, oldest first, as the file store keeps them on the card too.
PASS_IDS_SQL = "ARRAY(SELECT p.id FROM passes p WHERE p.contact_id = contacts.id ORDER BY (substr(p.id, 4))::bigint)"
CONTACT_ORDER_SQL = "(substr(contacts.id, 3))::bigint"


def json_value(value: object) -> Any:  # noqa: ANN401 - a psycopg Json
    """A json column's value, its keys sorted as the file store writes them (so both read back alike)."""
    import json

    from psycopg.types.json import Json

    return Json(value, dumps=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))



def card_insert_sql(table: str, fields: list[str]) -> str:
    """The INSERT of one note, task or attachment row: its contact, its place on the card, its fields."""
    columns = ", ".join(f'"{c}"' for c in ("contact_id", "position", *fields))
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (len(fields) + 2))})"


class Writes:
    """The records of one table that a unit is about to write: those it made are inserted (an id
    already taken is an error, never an overwrite), those it changed are upserted.

    A record made here is written at the first flush, whether or not `commit` has looked at it yet
    (a new booking needs its new contact's row); one written ahead so is tracked again as written."""

    def __init__(self, table: Table, kind: str, extra: Callable[[Any], tuple] = lambda record: (),
                 update: tuple[str, Callable[[Any], list[object]]] | None = None) -> None:
        self.table, self.kind, self.extra = table, kind, extra
        # How a changed record is written: an upsert of its row, unless the table allows less.
        self.update = update or (table.upsert_sql, lambda record: table.row(record, *extra(record)))
        self.made: dict[str, Any] = {}
        self.changed: dict[str, Any] = {}

    def write(self, record: Any) -> None:  # noqa: ANN401
        """A tracked change of `record`: write it at the next flush."""
        self.changed[record.id] = record

    def drop(self, record_id: str) -> None:
        """Write nothing of `record_id` (a contact removed)."""
        self.made.pop(record_id, None)
        self.changed.pop(record_id, None)

    def flush(self, unit: Any) -> None:  # noqa: ANN401 - a PostgresUnitOfWork
        made = list(self.made.values())
        changed = [r for r in self.changed.values() if r.id not in self.made]
        unit._exec_many(self.table.insert_sql, [self.table.row(r, *self.extra(r)) for r in made])
        unit._exec_many(self.update[0], [self.update[1](r) for r in changed])
        for record in made:
            if record.id not in self.changed:  # written ahead of commit's look: as written now
                unit.forget(self.kind, record.id)
                unit.seen(self.kind, record)
        self.made.clear()
        self.changed.clear()
