"""Files kept with a contact's card (seed 003: documents a client shared, such as a medical waiver).

The bytes are stored under a name made from the attachment id alone (data/attachments/NNNNN/a-N.bin),
written through the journal with the metadata, so a crash never leaves metadata pointing at half a
file. The original name is only metadata, and only ever a plain file name.
"""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

from bookctl.domain.cards import Attachment
from bookctl.errors import NotFoundError, RuleError, StoreError, UsageError
from bookctl.services.contacts import live_contact
from bookctl.storage.base import UnitOfWork
from bookctl.storage.cards import card_number


def check_attachment_name(name: str) -> str:
    """A plain file name: no directories, no `..`, not absolute, no control characters."""
    cleaned = name.strip()
    if not cleaned or cleaned in (".", ".."):
        raise UsageError(f"attachment name {name!r} is not a file name")
    if "/" in cleaned or "\\" in cleaned or (len(cleaned) > 1 and cleaned[1] == ":"):
        raise UsageError(f"attachment name {name!r} must be a plain file name, without directories or a drive")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned):
        raise UsageError(f"attachment name {name!r} must not contain control characters")
    if len(cleaned) > 255:
        raise UsageError("attachment name is longer than 255 characters")
    return cleaned


def _read_source(path: Path, limit: int) -> bytes:
    """The file's bytes; a symlink, a non-regular file or one over `limit` is refused."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise UsageError(f"FILE {str(path)!r} does not exist") from None
    except OSError as exc:
        raise UsageError(f"FILE {str(path)!r} cannot be read: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(f"FILE {str(path)!r} is a symlink; attach the file it points to")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"FILE {str(path)!r} is not a regular file")
    _check_size(path, info.st_size, limit)
    try:  # O_NOFOLLOW: the path cannot be swapped for a symlink between the check and the read
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise UsageError(f"FILE {str(path)!r} cannot be read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UsageError(f"FILE {str(path)!r} is not a regular file")
        data = handle.read(limit + 1)
    _check_size(path, len(data), limit)
    return data


def _check_size(path: Path, size: int, limit: int) -> None:
    if size > limit:
        raise RuleError(f"FILE {str(path)!r} is {size} bytes, over the limit of {limit} "
                        "(bookctl config set contacts.attachment_max_bytes N)")


def attach(uow: UnitOfWork, now: datetime, contact_id: str, source: Path, name: str | None = None) -> dict[str, Any]:
    """Copy `source` into the store as an attachment of the contact's card."""
    import hashlib
    import mimetypes

    from bookctl.services.views import attachment_view
    from bookctl.timeutil import load_zone

    kept_name = check_attachment_name(name if name is not None else source.name)
    contact = live_contact(uow, contact_id)
    data = _read_source(source, uow.settings.contacts.attachment_max_bytes)
    attachment = Attachment(id=uow.mint("a"), name=kept_name, size=len(data),
                            media_type=mimetypes.guess_type(kept_name)[0] or "application/octet-stream",
                            sha256=hashlib.sha256(data).hexdigest(), created_at=now)
    uow.put_blob(attachment.id, data)
    uow.get_card(contact.id).attachments.append(attachment)
    uow.save_card(contact.id)
    uow.card_index().attachments[attachment.id] = contact.id
    uow.save_card_index()
    return attachment_view(attachment, contact.id, load_zone(uow.settings.business.timezone))


def list_attachments(uow: UnitOfWork, contact_id: str) -> list[dict[str, Any]]:
    """The card's attachments, oldest first."""
    from bookctl.services.views import attachment_view
    from bookctl.timeutil import load_zone

    contact = uow.get_contact(contact_id)
    zone = load_zone(uow.settings.business.timezone)
    return [attachment_view(a, contact.id, zone) for a in uow.get_card(contact.id).attachments]


def find_attachment(uow: UnitOfWork, attachment_id: str) -> tuple[Attachment, str]:
    """(the attachment, its contact id), or NotFoundError."""
    owner = uow.card_index().attachments.get(attachment_id) if card_number(attachment_id, "a") else None
    found = None if owner is None else next((a for a in uow.get_card(owner).attachments if a.id == attachment_id), None)
    if owner is None or found is None:
        raise NotFoundError(f"no attachment {attachment_id!r}")
    return found, owner


def save_attachment(uow: UnitOfWork, attachment_id: str, output: Path) -> dict[str, Any]:
    """Write the attachment's bytes to `output` atomically, after checking them against their sha256."""
    import hashlib

    from bookctl.services.views import attachment_view
    from bookctl.storage.files import write_atomic
    from bookctl.timeutil import load_zone

    attachment, owner = find_attachment(uow, attachment_id)
    data = uow.read_blob(attachment.id)
    if len(data) != attachment.size or hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise StoreError(f"{uow.blob_path(attachment.id)}: does not match its sha256; the file is damaged")  # type: ignore[attr-defined]
    root = getattr(uow, "root", None)  # a store kept in files: writing into it would bypass the journal
    if root is not None and output.resolve().is_relative_to(Path(root).resolve()):
        raise UsageError(f"--output {str(output)!r} is inside the store; write the attachment somewhere else")
    if output.is_dir():
        raise UsageError(f"--output {str(output)!r} is a directory; name the file to write")
    if not output.parent.is_dir():
        raise UsageError(f"--output {str(output)!r}: the directory {str(output.parent)!r} does not exist")
    try:
        write_atomic(output, data)
    except OSError as exc:
        raise UsageError(f"--output {str(output)!r} cannot be written: {exc.strerror}") from None
    return {**attachment_view(attachment, owner, load_zone(uow.settings.business.timezone)), "output": str(output)}
