"""The read path's records are the models' twins: the same fields, and never laxer.

`storage.read_records` decodes day files and contact shards with msgspec instead of the pydantic
models. A file it accepts must be one the models accept, with the same values; a file it refuses goes
to the models, which accept it (pydantic coerces a few more forms) or name the damage.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from bookctl.domain.models import Booking, Contact, SavedCard, Session
from bookctl.domain.money import Money
from bookctl.domain.payments import LedgerEntry
from bookctl.storage.files.calendar import DayFile
from bookctl.storage.files.contacts import ContactShard
from bookctl.storage.read_records import (
    BookingRecord,
    ContactRecord,
    ContactShardRecords,
    DayRecords,
    EntryRecord,
    MoneyRecord,
    SavedCardRecord,
    SessionRecord,
    decode_contact_shard,
    decode_day,
)

TWINS = [(MoneyRecord, Money), (SessionRecord, Session), (BookingRecord, Booking), (EntryRecord, LedgerEntry),
         (DayRecords, DayFile), (SavedCardRecord, SavedCard), (ContactRecord, Contact),
         (ContactShardRecords, ContactShard)]


def _default(field: Any) -> Any:  # noqa: ANN401 - a pydantic FieldInfo's default, made
    return field.default_factory() if field.default_factory is not None else field.default


@pytest.mark.parametrize(("record", "model"), TWINS, ids=[model.__name__ for _, model in TWINS])
def test_each_record_has_its_models_fields_in_order_with_the_same_defaults(record: type, model: type[BaseModel]) -> None:
    fields = msgspec.structs.fields(record)
    assert [f.name for f in fields] == list(model.model_fields)
    for f in fields:
        declared = model.model_fields[f.name]
        if f.name == "schema_version":  # load_json requires it in the file, so the record does
            assert f.required
            continue
        assert f.required == declared.is_required(), f.name
        if not f.required:
            made = f.default_factory() if f.default_factory is not msgspec.NODEFAULT else f.default
            assert made == _default(declared), f.name


def _bounds(schema: Any, defs: dict[str, Any]) -> set[tuple[str, Any]]:  # noqa: ANN401
    """The bounds and choices anywhere in a JSON schema fragment (refs followed)."""
    found: set[tuple[str, Any]] = set()
    if isinstance(schema, dict):
        if "$ref" in schema:
            found |= _bounds(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
        for key, value in schema.items():
            if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength"):
                found.add((key, value))
            elif key == "enum" or key == "const":
                found |= {("choice", v) for v in (value if key == "enum" else [value])}
            elif key != "properties":
                found |= _bounds(value, defs)
    elif isinstance(schema, list):
        for item in schema:
            found |= _bounds(item, defs)
    return found


@pytest.mark.parametrize(("record", "model"), TWINS, ids=[model.__name__ for _, model in TWINS])
def test_each_record_field_has_its_models_bounds_and_choices(record: type, model: type[BaseModel]) -> None:
    """ge/le and Literal choices, as each library writes them in its JSON schema (nested records are
    their own case; Money's currency check is a validator in the model, so the examples below test it)."""
    ours = msgspec.json.schema(record)
    ours_defs = ours.get("$defs", {})
    ours_fields = ours_defs[ours["$ref"].rsplit("/", 1)[1]]["properties"]
    theirs = model.model_json_schema()
    for name, declared in theirs["properties"].items():
        if name == "currency":
            continue
        nested = {"$ref"} & set(declared) or any("$ref" in option for option in declared.get("anyOf", []))
        if nested:
            continue
        assert _bounds(ours_fields[name], ours_defs) == _bounds(declared, theirs.get("$defs", {})), name


ENTRY = {"id": "p-20261123-3", "booking_id": "b-20261123-2", "contact_id": "c-1", "kind": "charge",
         "method": "card", "provider": "sandbox", "amount": {"minor": 6500, "currency": "EUR"},
         "status": "succeeded", "reference": "ch_1", "created_at": "2026-11-23T10:00:00+01:00",
         "deposit": False, "card_brand": "visa", "card_last4": "4242", "idempotency_key": "k:1",
         "request": {"call": "charge", "token": "tok_visa"}, "settled_at": "2026-11-23T10:00:01+01:00"}
DAY = {
    "schema_version": 1, "day": "2026-11-23", "next_seq": 4,
    "sessions": {"s-20261123-1": {"id": "s-20261123-1", "service_id": "physiotherapy", "staff_id": "giulia-romano",
                                  "start": "2026-11-23T15:00:00+01:00", "end": "2026-11-23T15:45:00+01:00",
                                  "capacity": 1, "status": "scheduled", "created_at": "2026-11-20T09:00:00+01:00"}},
    "bookings": {"b-20261123-2": {"id": "b-20261123-2", "session_id": "s-20261123-1", "contact_id": "c-1",
                                  "status": "confirmed", "attendance": "booked",
                                  "price": {"minor": 6500, "currency": "EUR"}, "form_responses": {"notes": "knee"},
                                  "created_at": "2026-11-20T09:00:00+01:00", "revision": 0}},
    "moved": {"b-20261120-1": "2026-11-23"},
    "ledger": {"p-20261123-3": ENTRY},
}
CONTACT_SHARD = {
    "schema_version": 1,
    "contacts": {"c-1": {"id": "c-1", "first_name": "Zoë", "last_name": "Martin", "email": "zoe@example.org",
                         "phone": "+33 6 12", "emails": ["z@example.org"], "labels": ["VIP"],
                         "custom_fields": {"size": "M"}, "birthday": "1990-02-03",
                         "created_at": "2026-01-01T09:00:00+01:00", "booking_ids": ["b-20261123-2"],
                         "saved_card": {"provider": "sandbox", "method": "pm_1", "brand": "visa", "last4": "4242"}}},
}

# Values a hand edit might leave where another was: the forms a decoder could read differently.
ODD_VALUES = st.sampled_from([
    None, True, False, 0, 1, -1, 1.0, 1.5, 2**63, 10_001, "", "1", "x", "EUR", "XXX", [], {}, ["a"], {"a": "b"},
    "2026-11-23", "2026-11-23T15:00:00", "2026-11-23T15:00:00Z", "2026-11-23 15:00:00+01:00",
    "2026-11-23T15:00+01:00", "2026-11-23T15:00:00.123456789+01:00", "2026-11-23t15:00:00+01:00",
    "20261123T150000Z", "2026-11-23T24:00:00+01:00", "2026-11-23T15:00:00+01", "2026-11-23T15:00:00+0100",
    "2026-11-23T15:00:60+01:00", "2026-11-23T15:00:00-00:00", "2026-11-23T15:00:00+24:00", "2026-02-30",
    "2026-W48-1", "1764000000", "confirmed", "cancelled", "booked", "no_show", "charge", "kept",
])


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:  # noqa: ANN401
    """Every key path in `data` (dicts and lists)."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def damaged(draw: st.DrawFn, valid: dict[str, Any]) -> bytes:
    """`valid` with one to three hand edits: a value replaced, a key dropped or an unknown key added."""
    data = json.loads(json.dumps(valid))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        *parents, last = path
        holder = data
        for key in parents:
            holder = holder[key]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        value = json.loads(json.dumps(draw(ODD_VALUES)))  # a copy: the samples are shared
        if action == "replace" or isinstance(holder, list):
            holder[last] = value
        elif action == "drop":
            del holder[last]
        elif isinstance(holder[last], dict):
            holder[last]["unexpected"] = value
    return json.dumps(data).encode()


def _same(fast: Any, model: BaseModel) -> None:  # noqa: ANN401
    assert msgspec.to_builtins(fast, builtin_types=(datetime, date)) == model.model_dump()


def test_the_sample_day_and_shard_decode_as_the_models_read_them() -> None:
    _same(decode_day(json.dumps(DAY).encode()), DayFile.model_validate(DAY))
    _same(decode_contact_shard(json.dumps(CONTACT_SHARD).encode()), ContactShard.model_validate(CONTACT_SHARD))


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(damaged(DAY))
def test_a_day_file_the_fast_decoder_accepts_the_models_accept_with_the_same_values(raw: bytes) -> None:
    fast = decode_day(raw)
    if fast is None:
        return  # refused: read again through the models (tests/cli/test_store.py)
    try:
        model = DayFile.model_validate(json.loads(raw))
    except ValidationError as exc:
        pytest.fail(f"the fast decoder accepted what the models refuse: {exc.errors()[0]}\n{raw.decode()}")
    _same(fast, model)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(damaged(CONTACT_SHARD))
def test_a_contact_shard_the_fast_decoder_accepts_the_models_accept_with_the_same_values(raw: bytes) -> None:
    fast = decode_contact_shard(raw)
    if fast is None:
        return
    try:
        model = ContactShard.model_validate(json.loads(raw))
    except ValidationError as exc:
        pytest.fail(f"the fast decoder accepted what the models refuse: {exc.errors()[0]}\n{raw.decode()}")
    _same(fast, model)


def test_a_record_has_the_contacts_display_name() -> None:
    shard = decode_contact_shard(json.dumps(CONTACT_SHARD).encode())
    assert shard is not None
    assert shard.contacts["c-1"].display_name == Contact.model_validate(CONTACT_SHARD["contacts"]["c-1"]).display_name


@settings(max_examples=500, derandomize=True, database=None, deadline=None)
@given(st.from_regex(r"[sbpx]-[0-9\u0660-\u0669]{8}-[0-9]{0,11}", fullmatch=True)
       | st.sampled_from(["b-20261123-1", "b-20261123-01", "s-20261123-999999999", "p-20261123-1000000000",
                          "b-20261122-5", "b-2026112-35", "b-20261123-", "x-20261123-4"]))
def test_the_day_check_finds_the_ids_homed_in_a_file_as_home_day_does(record_id: str) -> None:
    from datetime import date as day_of

    from bookctl.domain.ids import home_day
    from bookctl.storage.files.calendar import _seq_homed_on

    day = day_of(2026, 11, 23)
    expected = int(record_id.rsplit("-", 1)[1]) if home_day(record_id, record_id[0]) == day else 0
    assert _seq_homed_on(record_id, day, "-20261123-") == expected
