"""A memory store's plans and passes, as dumps by id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from bookctl.storage.memory.state import thaw
from bookctl.storage.repositories import Plans

if TYPE_CHECKING:
    from bookctl.domain.plans import Pass, Plan
    from bookctl.storage.memory.unit import MemoryUnitOfWork


class MemoryPlans(Plans):
    _unit: MemoryUnitOfWork

    def __init__(self, unit: MemoryUnitOfWork) -> None:
        super().__init__(unit)
        self._held_plans: dict[str, Plan] | None = None
        self._held_passes: dict[str, Pass] = {}  # the passes handed out (or made) in this unit

    def _plans(self) -> dict[str, Plan]:
        if self._held_plans is None:
            from bookctl.domain.plans import Plan

            self._held_plans = {plan_id: thaw(Plan, dump) for plan_id, dump in self._unit.state.plans.items()}
        return self._held_plans

    def _insert_plan(self, plan: Plan) -> None:
        self._plans()[plan.id] = plan

    def _load_pass(self, pass_id: str) -> Pass | None:
        found = self._held_passes.get(pass_id)
        if found is None:
            from bookctl.domain.plans import Pass

            dump = self._unit.state.passes.get(pass_id)
            if dump is None:
                return None
            found = thaw(Pass, dump)
            if self._unit.writable:  # a reader hands out fresh copies and keeps nothing
                self._held_passes[pass_id] = found
        return found

    def _all_passes(self) -> Iterator[Pass]:
        for pass_id in sorted(self._unit.state.passes.keys() | self._held_passes.keys()):
            found = self._load_pass(pass_id)
            if found is not None:
                yield found

    def _insert_pass(self, sold: Pass) -> None:
        self._held_passes[sold.id] = sold
