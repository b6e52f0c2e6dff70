"""The file store's index of pending intents: `data/ledger/pending.json`, entry id -> booking id (or
invoice id, for an invoice with no booking) of every ledger entry whose provider has not answered.

`payment reconcile` and `doctor` read it instead of scanning the whole ledger. It is staged with the
payment files, so it commits with the entries it indexes; `doctor` reports a pending entry it lacks.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from bookctl.domain.ids import id_order
from bookctl.domain.payments import LedgerEntry, is_pending_intent

SCHEMA_VERSION = 1


@functools.cache
def pending_model() -> type:
    """The file's model, built on first use: commands that move no money never pay for it."""
    from pydantic import BaseModel, ConfigDict, Field

    class PendingIntents(BaseModel):
        """Where each pending intent lives: booking id, or invoice id for an invoice with no booking."""

        model_config = ConfigDict(extra="forbid")

        schema_version: int = SCHEMA_VERSION
        entries: dict[str, str] = Field(default_factory=dict)

    return PendingIntents


class PendingIntentFiles:
    """Mixed into FileUnitOfWork beside PaymentFiles, whose loading and staging it uses."""

    root: Path
    _pay_load: Any
    _pay_touch: Any

    def _pending_path(self) -> Path:
        return self.root / "data" / "ledger" / "pending.json"

    def _index_pending(self, entry: LedgerEntry) -> None:
        """Add `entry` while it is a pending intent; drop it once it is settled."""
        pending = self._pay_load(self._pending_path(), pending_model(), create=True)
        if is_pending_intent(entry):
            pending.entries[entry.id] = entry.booking_id or entry.invoice_id or ""
        else:
            pending.entries.pop(entry.id, None)
        self._pay_touch(self._pending_path())

    def pending_intent_homes(self) -> list[tuple[str, str]]:
        """(entry id, booking id or invoice id) of every pending intent, in id order."""
        pending = self._pay_load(self._pending_path(), pending_model())
        return [] if pending is None else sorted(pending.entries.items(), key=lambda kv: id_order(kv[0]))
