"""The file store's plans and passes:
    data/plans.json            every plan (a few dozen, read whole, like data/timetable.json)
    data/passes/NNNNN.json     passes ps-(N*256) .. ps-(N*256+255), by number
A contact's passes are named on its contact (`pass_ids`), so a contact's passes cost the shards they
are in, whatever the number of passes sold. Both are written with the rest of a commit through the
journal."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookctl.errors import StoreError
from bookctl.storage.repositories import Plans

if TYPE_CHECKING:
    from bookctl.domain.plans import Pass, Plan  # noqa: F401 - the fields below name them
    from bookctl.storage.files.unit import FileUnitOfWork

PASS_SHARD_SIZE = 256


@cache
def plan_files() -> tuple[Any, Any]:  # noqa: ANN401 - the model classes
    """The models of `data/plans.json` and of a passes shard, built on first use: a command that never
    reads plans never imports their module."""
    from pydantic import BaseModel, ConfigDict, Field

    from bookctl.domain.plans import Pass, Plan  # noqa: F401 - the fields below name them

    class PlansFile(BaseModel):
        """`data/plans.json`."""

        model_config = ConfigDict(extra="forbid")

        schema_version: int = 1
        plans: dict[str, Plan] = Field(default_factory=dict)

    class PassShard(BaseModel):
        """Up to PASS_SHARD_SIZE passes, by number."""

        model_config = ConfigDict(extra="forbid")

        schema_version: int = 1
        passes: dict[str, Pass] = Field(default_factory=dict)

    return PlansFile, PassShard


def pass_number(pass_id: str) -> int:
    """12 for `ps-12`."""
    return int(pass_id.removeprefix("ps-"))


def check_plans(found: Any, path: Path) -> None:  # noqa: ANN401 - a PlansFile
    """A plan under another plan's key is damage (it would be lost)."""
    for key, plan in found.plans.items():
        if key != plan.id:
            raise StoreError(f"{path}: field plans.{key}: holds plan {plan.id}; the file is damaged")


def check_passes(shard: Any, path: Path) -> None:  # noqa: ANN401 - a PassShard
    """A pass under another pass's key, or in another shard, is damage (it would be lost)."""
    for key, sold in shard.passes.items():
        if key != sold.id or f"{pass_number(key) // PASS_SHARD_SIZE:05d}" != path.stem:
            raise StoreError(f"{path}: field passes.{key}: does not belong in this file")


class FilePlans(Plans):
    _unit: FileUnitOfWork

    @property
    def path(self) -> Path:
        return self._unit.root / "data" / "plans.json"

    def _folder(self) -> Path:
        return self._unit.root / "data" / "passes"

    def shard_path(self, pass_id: str) -> Path:
        """The shard file that holds pass `pass_id`."""
        return self._folder() / f"{pass_number(pass_id) // PASS_SHARD_SIZE:05d}.json"

    def _file(self) -> Any:  # noqa: ANN401 - a PlansFile
        found = self._unit.load_file(self.path, plan_files()[0], create=True, check=check_plans)
        assert found is not None
        return found

    def _shard(self, path: Path, create: bool = False) -> Any:  # noqa: ANN401 - a PassShard or None
        return self._unit.load_file(path, plan_files()[1], create=create, check=check_passes)

    def _plans(self) -> dict[str, Plan]:
        return self._file().plans

    def _insert_plan(self, plan: Plan) -> None:
        plans = self._file().plans
        if plan.id in plans:
            raise StoreError(f"{self._unit.root / 'data' / 'counters.json'}: field plans: is behind {plan.id}; "
                             "the file is damaged")
        plans[plan.id] = plan

    def _load_pass(self, pass_id: str) -> Pass | None:
        shard = self._shard(self.shard_path(pass_id))
        return None if shard is None else shard.passes.get(pass_id)

    def _all_passes(self) -> Iterator[Pass]:
        folder = self._folder()
        on_disk = {p for p in folder.glob("*.json") if p.stem.isdigit()} if folder.is_dir() else set()
        for path in sorted(on_disk | set(self._unit.loaded(folder))):
            shard = self._shard(path)
            if shard is not None:
                yield from shard.passes.values()

    def _insert_pass(self, sold: Pass) -> None:
        passes = self._shard(self.shard_path(sold.id), create=True).passes
        if sold.id in passes:
            raise StoreError(f"{self._unit.root / 'data' / 'counters.json'}: field passes: is behind {sold.id}; "
                             "the file is damaged")
        passes[sold.id] = sold

    def write(self, record: Plan | Pass) -> None:
        """Stage the file that holds `record`."""
        self._unit.touch(self.shard_path(record.id) if record.id.startswith("ps-") else self.path)
