"""The file store's outbox: `outbox/m-YYYYMMDD-HHMMSS-N.eml`, RFC 5322 with CRLF line ends, until a
server takes it. N counts every message the store ever queued."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from bookctl.domain.ids import id_order
from bookctl.errors import NotFoundError, StoreError
from bookctl.storage.repositories import Outbox

if TYPE_CHECKING:
    from bookctl.storage.files.unit import FileUnitOfWork

OUTBOX_DIR = "outbox"
_MESSAGE_ID = re.compile(r"m-\d{8}-\d{6}-\d+")


def not_queued(message_id: str) -> NotFoundError:
    return NotFoundError(f"no message {message_id!r} in the outbox; see 'bookctl outbox list'")


class FileOutbox(Outbox):
    _unit: FileUnitOfWork

    def path(self, message_id: str) -> Path:
        """The file of a message id (NotFoundError for what is not one)."""
        if not _MESSAGE_ID.fullmatch(message_id):
            raise not_queued(message_id)
        return self._unit.root / OUTBOX_DIR / f"{message_id}.eml"

    def ids(self) -> list[str]:
        directory = self._unit.root / OUTBOX_DIR
        if not directory.is_dir():
            return []
        return sorted((p.stem for p in directory.glob("m-*.eml") if _MESSAGE_ID.fullmatch(p.stem)), key=id_order)

    def read(self, message_id: str) -> bytes:
        path = self.path(message_id)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise not_queued(message_id) from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot read: {exc.strerror}") from None

    def remove(self, message_id: str) -> None:
        self._unit.require_writable()
        self._unit.journal.stage(self.path(message_id), None)

    def _put(self, message_id: str, data: bytes) -> None:
        self._unit.require_writable()
        self._unit.journal.stage(self.path(message_id), data)
