"""The file store's webhook queue: `webhooks/wd-N.json`, one delivery a file (the body it POSTs kept as
text), written and removed through the commit journal like the outbox's messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bookctl.errors import StoreError
from bookctl.storage.io import dump_json, parse_json, validate
from bookctl.storage.repositories import WebhookDelivery, WebhookQueue

if TYPE_CHECKING:
    from bookctl.storage.files.unit import FileUnitOfWork

WEBHOOKS_DIR = "webhooks"
SCHEMA_VERSION = 1
_DELIVERY_ID = re.compile(r"wd-[1-9][0-9]*")


class FileWebhookQueue(WebhookQueue):
    _unit: FileUnitOfWork

    @property
    def directory(self) -> Path:
        return self._unit.root / WEBHOOKS_DIR

    def path(self, delivery_id: str) -> Path:
        if not _DELIVERY_ID.fullmatch(delivery_id):
            raise ValueError(f"{delivery_id!r} is not a delivery id")
        return self.directory / f"{delivery_id}.json"

    def remove(self, delivery_id: str) -> None:
        self._unit.require_writable()
        self._unit.journal.stage(self.path(delivery_id), None)

    def _put(self, delivery: WebhookDelivery) -> None:
        data = {"schema_version": SCHEMA_VERSION, **delivery.model_dump(mode="json")}
        self._unit.journal.stage(self.path(delivery.id), dump_json(data))

    def _all(self) -> Iterator[WebhookDelivery]:
        # What this unit staged wins over what is on disk: a unit sees its own changes.
        staged = {p: data for p, data in self._unit.journal.staged.items() if p.parent == self.directory}
        on_disk = set(self.directory.glob("wd-*.json")) if self.directory.is_dir() else set()
        for path in sorted(on_disk | set(staged)):
            if not _DELIVERY_ID.fullmatch(path.stem):
                continue
            if path in staged:
                raw = staged[path]
                if raw is None:
                    continue
            else:
                try:
                    raw = path.read_bytes()
                except FileNotFoundError:
                    continue  # sent and removed since the directory was listed
                except OSError as exc:
                    raise StoreError(f"{path}: cannot read: {exc.strerror}") from None
            yield _parse(raw, path)


def _parse(raw: bytes, path: Path) -> WebhookDelivery:
    data = parse_json(raw, path, SCHEMA_VERSION)
    data.pop("schema_version", None)
    return validate(WebhookDelivery, data, path)


def load_delivery(path: Path) -> WebhookDelivery:
    """The delivery in `path` (ValueError for a name that is not one; StoreError naming the file and
    where for one that does not load)."""
    if not (path.suffix == ".json" and _DELIVERY_ID.fullmatch(path.stem)):
        raise ValueError(f"{path.name} is not a delivery file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc.strerror}") from None
    return _parse(raw, path)
