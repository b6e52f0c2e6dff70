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

from bookctl.domain import values
from bookctl.domain.cards import Attachment
from bookctl.errors import NotFoundError, RuleError, StoreError, UsageError
from bookctl.services.lookups import live_contact
from bookctl.storage.unit import UnitOfWork
from bookctl.domain.ids import card_number


def check_attachment_name(name: str) -> str:
    """A plain file name: no directories, no `..`, not absolute, no control characters."""
    cleaned = name.strip()
    if not cleaned or cleaned in (".", ".."):
        raise UsageError(f"attachment name {values.shown(name)} is not a file name")
    if "/" in cleaned or "\\" in cleaned or (len(cleaned) > 1 and cleaned[1] == ":"):
        raise UsageError(f"attachment name {values.shown(name)} must be a plain file name, without directories or a drive")
    values.name(cleaned, "the attachment name", 255)  # no control, separator or bidi character (a spoofed .exe)
    if len(cleaned.encode()) > values.PATH_PART_LIMIT:
        raise UsageError("the attachment name is longer than 255 bytes")
    return cleaned


# Kernel views, not documents: /proc/self/environ would copy the environment's secrets into the store.
SYSTEM_TREES = ("/proc", "/sys", "/dev")


def _system_tree(path: Path) -> str | None:
    """The system tree (/proc, /sys, /dev) that `path` is in, as given or once every link is resolved."""
    for candidate in (os.path.abspath(path), os.path.realpath(path)):
        for tree in SYSTEM_TREES:
            if candidate == tree or candidate.startswith(tree + "/"):
                return tree
    return None


def _system_devices() -> set[int]:
    """The devices of the mounted /proc, /sys and /dev: a bind mount elsewhere is caught by them."""
    try:
        root = os.stat("/").st_dev
    except OSError:
        return set()
    found = set()
    for tree in SYSTEM_TREES:
        try:
            device = os.stat(tree).st_dev
        except OSError:
            continue
        if device != root:  # a tree that is only a directory of the root file system holds documents too
            found.add(device)
    return found


def _read_source(path: Path, limit: int) -> bytes:
    """The file's bytes; a symlink, a non-regular file, a system file or one over `limit` is refused."""
    tree = _system_tree(path)
    if tree is not None:
        raise UsageError(f"FILE {str(path)!r} is under {tree}, a view of the system rather than a document; "
                         "attach a regular file")
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise UsageError(f"FILE {str(path)!r} does not exist") from None
    except OSError as exc:
        raise UsageError(f"FILE {str(path)!r} cannot be read: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(f"FILE {str(path)!r} is a symlink; attach the file it points to")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"FILE {str(path)!r} is not a regular file (a directory, FIFO or device); "
                         "attach a regular file")
    _check_size(path, info.st_size, limit)
    try:  # O_NOFOLLOW: the path cannot be swapped for a symlink between the check and the read
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise UsageError(f"FILE {str(path)!r} cannot be read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if not stat.S_ISREG(opened.st_mode):
            raise UsageError(f"FILE {str(path)!r} is not a regular file (a directory, FIFO or device); "
                             "attach a regular file")
        if opened.st_dev in _system_devices():
            raise UsageError(f"FILE {str(path)!r} is on a system file system (/proc, /sys or /dev); "
                             "attach a regular file")
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
    attachment = Attachment(id=uow.cards.new_id("a"), name=kept_name, size=len(data),
                            media_type=mimetypes.guess_type(kept_name)[0] or "application/octet-stream",
                            sha256=hashlib.sha256(data).hexdigest(), created_at=now)
    uow.cards.put_bytes(attachment.id, data)
    uow.cards.get(contact.id).attachments.append(attachment)
    return attachment_view(attachment, contact.id, load_zone(uow.settings.business.timezone))


def list_attachments(uow: UnitOfWork, contact_id: str) -> list[dict[str, Any]]:
    """The card's attachments, oldest first."""
    from bookctl.services.views import attachment_view
    from bookctl.timeutil import load_zone

    contact = uow.contacts.get(contact_id)
    zone = load_zone(uow.settings.business.timezone)
    return [attachment_view(a, contact.id, zone) for a in uow.cards.get(contact.id).attachments]


def find_attachment(uow: UnitOfWork, attachment_id: str) -> tuple[Attachment, str]:
    """(the attachment, its contact id), or NotFoundError."""
    owner = uow.cards.owner(attachment_id) if card_number(attachment_id, "a") else None
    found = None if owner is None else next((a for a in uow.cards.get(owner).attachments if a.id == attachment_id), None)
    if owner is None or found is None:
        raise NotFoundError(f"no attachment {attachment_id!r}")
    return found, owner


def attachment_bytes(uow: UnitOfWork, attachment_id: str) -> tuple[Attachment, str, bytes]:
    """(the attachment, its contact id, its bytes), the bytes checked against their size and sha256."""
    attachment, owner = find_attachment(uow, attachment_id)
    data = uow.cards.read_bytes(attachment.id)
    if not matches(attachment, data):
        raise StoreError(f"{stored_where(uow, attachment.id)}: does not match its sha256; the file is damaged")
    return attachment, owner, data


def matches(attachment: Attachment, data: bytes) -> bool:
    """Whether `data` are the bytes attached: the size and sha256 recorded at attach time."""
    import hashlib

    return len(data) == attachment.size and hashlib.sha256(data).hexdigest() == attachment.sha256


def stored_where(uow: UnitOfWork, attachment_id: str) -> str:
    """Where the attachment's bytes are kept, for a message: its file, or its database row."""
    return uow.cards.bytes_location(attachment_id)


def attachment_metadata(uow: UnitOfWork, attachment: Attachment, owner: str) -> dict[str, Any]:
    """The attachment's JSON view."""
    from bookctl.services.views import attachment_view
    from bookctl.timeutil import load_zone

    return attachment_view(attachment, owner, load_zone(uow.settings.business.timezone))


def inside_store(uow: UnitOfWork, path: Path) -> bool:
    """Whether `path` is inside a store kept in files (a file written there would bypass its journal)."""
    root = getattr(uow, "root", None)
    return root is not None and path.resolve().is_relative_to(Path(root).resolve())


def write_attachment(uow: UnitOfWork, attachment: Attachment, owner: str, data: bytes, output: Path) -> dict[str, Any]:
    """Write the attachment's checked bytes (attachment_bytes) to `output` atomically, replacing it;
    returns the metadata with `output`. An OSError writing it is the caller's to report."""
    from bookctl.output.files import bytes_to_file

    bytes_to_file(output, data)
    return {**attachment_metadata(uow, attachment, owner), "output": str(output)}


def save_attachment(uow: UnitOfWork, attachment_id: str, output: Path) -> dict[str, Any]:
    """Write the attachment's bytes to `output` atomically (replacing it), after checking them against
    their sha256. Where `output` may be and whether it may be replaced is the caller's to judge."""
    attachment, owner, data = attachment_bytes(uow, attachment_id)
    return write_attachment(uow, attachment, owner, data, output)
