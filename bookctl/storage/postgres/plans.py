"""Plans in the `plans` table (a few dozen rows, read whole once per unit of work) and passes in the
`passes` table, one row each: its fields as json, beside the columns its queries look into
(`contact_id`, indexed: a contact's passes; `plan_id`; `status` and `expires_at`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bookctl.errors import StoreError
from bookctl.storage.repositories import Plans

if TYPE_CHECKING:
    from bookctl.domain.plans import Pass, Plan
    from bookctl.storage.postgres.unit import PostgresUnitOfWork

PLAN_UPSERT_SQL = "INSERT INTO plans (id, data) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data"
PASS_UPSERT_SQL = ("INSERT INTO passes (id, plan_id, contact_id, status, expires_at, data) VALUES (%s, %s, %s, %s, %s, %s) "
                   "ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, expires_at = EXCLUDED.expires_at, "
                   "data = EXCLUDED.data")
_PASS_ORDER_SQL = "(substr(id, 4))::bigint"


def _data(record: Any) -> Any:  # noqa: ANN401 - a psycopg Json
    from psycopg.types.json import Json

    return Json(record.model_dump(mode="json", exclude_none=True))


def plan_row(plan: Plan) -> list[object]:
    """The row of a plan."""
    return [plan.id, _data(plan)]


def pass_row(sold: Pass) -> list[object]:
    """The row of a pass."""
    return [sold.id, sold.plan_id, sold.contact_id, sold.status, sold.expires_at, _data(sold)]


def _validated(model: type, table: str, record_id: str, data: Any) -> Any:  # noqa: ANN401
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise StoreError(f"database table {table}, row {record_id}: {exc}".splitlines()[0]) from None


def read_plans(unit: PostgresUnitOfWork) -> Iterator[Plan]:
    """Every plan, in id order; a row that does not validate is a StoreError."""
    from bookctl.domain.plans import Plan

    for record_id, data in unit._exec("SELECT id, data FROM plans ORDER BY (substr(id, 4))::bigint").fetchall():
        yield _validated(Plan, "plans", record_id, data)


def read_passes(unit: PostgresUnitOfWork, where: str = "TRUE", params: list[object] | None = None) -> Iterator[Pass]:
    """The passes `where` selects, in number order, from a server-side cursor."""
    from bookctl.domain.plans import Pass

    for record_id, data in unit._stream(f"SELECT id, data FROM passes WHERE {where} ORDER BY {_PASS_ORDER_SQL}", params):
        yield _validated(Pass, "passes", record_id, data)


class PgPlans(Plans):
    _unit: PostgresUnitOfWork

    def __init__(self, unit: PostgresUnitOfWork) -> None:
        super().__init__(unit)
        self._held_plans: dict[str, Plan] | None = None
        self._held_passes: dict[str, Pass] = {}
        self._pending: dict[str, Plan | Pass] = {}

    def _plans(self) -> dict[str, Plan]:
        if self._held_plans is None:
            self._held_plans = {plan.id: plan for plan in read_plans(self._unit)}
        return self._held_plans

    def _insert_plan(self, plan: Plan) -> None:
        self._plans()[plan.id] = plan

    def _hold(self, sold: Pass) -> Pass:
        return self._held_passes.setdefault(sold.id, sold)

    def _load_pass(self, pass_id: str) -> Pass | None:
        if pass_id not in self._held_passes:
            from bookctl.domain.plans import Pass

            row = self._unit._exec("SELECT id, data FROM passes WHERE id = %s", [pass_id]).fetchone()
            if row is None:
                return None
            self._hold(_validated(Pass, "passes", row[0], row[1]))
        return self._held_passes[pass_id]

    def passes_of(self, contact_id_: str) -> list[Pass]:
        """One query on the contact's index (the contact itself is checked first)."""
        self._unit.contacts.get(contact_id_)
        self._unit._sync()
        found = [self._hold(p) for p in read_passes(self._unit, "contact_id = %s", [contact_id_])]
        return [self._unit.seen("pass", p) for p in found]

    def _all_passes(self) -> Iterator[Pass]:
        self._unit._sync()
        for sold in read_passes(self._unit):
            yield self._hold(sold) if self._unit.writable else self._held_passes.get(sold.id, sold)

    def _insert_pass(self, sold: Pass) -> None:
        self._held_passes[sold.id] = self._pending[sold.id] = sold

    def write(self, record: Plan | Pass) -> None:
        """Write `record` at the flush."""
        self._pending[record.id] = record

    def flush(self) -> None:
        """Plans first: a pass names its plan (and its contact, flushed before)."""
        plans = [r for r in self._pending.values() if r.id.startswith("pl-")]
        passes = [r for r in self._pending.values() if r.id.startswith("ps-")]
        self._unit._exec_many(PLAN_UPSERT_SQL, [plan_row(plan) for plan in plans])  # type: ignore[arg-type]
        self._unit._exec_many(PASS_UPSERT_SQL, [pass_row(sold) for sold in passes])  # type: ignore[arg-type]
        self._pending.clear()
