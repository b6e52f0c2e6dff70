"""The primary-email index, so that refusing a duplicate email opens a bounded set of files.

Layout (every JSON file carries `schema_version`):
    data/emails/index.json      says the index covers every contact (written when it is built)
    data/emails/XX.json         folded email -> contact ids, for the emails whose sha256 starts XX
The index follows the contact shards by itself: at staging, each changed shard's contacts are
compared with the emails they had when loaded, so every path that changes a contact (add, edit,
erase, delete, demo seed) keeps it right. A store from before the index is indexed in full the first
time a unit of work changes a contact's email. Lookups verify each id against its contact, so a
hand-edited shard can at worst make a duplicate go unnoticed, never refuse a unique email.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bookctl.storage.io import dump_json, load_json, validate
from bookctl.storage.repositories import email_key

if TYPE_CHECKING:
    from bookctl.storage.files.email_models import EmailBucket


def bucket_of(key: str) -> int:
    """Which of the 256 bucket files holds `key`."""
    import hashlib

    return hashlib.sha256(key.encode("utf-8")).digest()[0]


class EmailIndexFiles:
    """The email-index half of the file store's contacts (mixed into FileContacts)."""

    root: Path

    def _init_emails(self) -> None:
        self._emails_seen: dict[int, dict[str, str | None]] = {}  # shard -> contact id -> email when loaded
        self._buckets: dict[int, EmailBucket] = {}
        self._dirty_buckets: set[int] = set()
        self._email_index_built = False

    def _emails_dir(self) -> Path:
        return self.root / "data" / "emails"

    def _note_loaded_contacts(self, shard_no: int, shard: object) -> None:
        contacts = getattr(shard, "contacts", {}) if shard is not None else {}
        self._emails_seen[shard_no] = {cid: email_key(c.email) for cid, c in contacts.items()}

    def _email_index_ready(self) -> bool:
        if self._email_index_built:
            return True
        from bookctl.storage.files.email_models import EMAILS_SCHEMA_VERSION, EmailIndexMeta

        path = self._emails_dir() / "index.json"
        try:
            validate(EmailIndexMeta, load_json(path, EMAILS_SCHEMA_VERSION), path)
        except FileNotFoundError:
            return False
        return True

    def _load_bucket(self, bucket: int) -> EmailBucket:
        from bookctl.storage.files.email_models import EMAILS_SCHEMA_VERSION, EmailBucket

        if bucket not in self._buckets:
            path = self._emails_dir() / f"{bucket:02x}.json"
            try:
                self._buckets[bucket] = validate(EmailBucket, load_json(path, EMAILS_SCHEMA_VERSION), path)
            except FileNotFoundError:
                self._buckets[bucket] = EmailBucket()
        return self._buckets[bucket]

    def _ids_with_email(self, key: str) -> list[str] | None:
        """Ids of contacts indexed under `key` (unverified), or None if the store has no index yet."""
        if not key or not self._email_index_ready():
            return None
        return list(self._load_bucket(bucket_of(key)).emails.get(key, []))

    def _move_email(self, contact_id: str, old: str | None, new: str | None) -> None:
        if old is not None:
            bucket = self._load_bucket(bucket_of(old))
            ids = bucket.emails.get(old, [])
            if contact_id in ids:
                ids.remove(contact_id)
                if not ids:
                    del bucket.emails[old]
                self._dirty_buckets.add(bucket_of(old))
        if new is not None:
            bucket = self._load_bucket(bucket_of(new))
            ids = bucket.emails.setdefault(new, [])
            if contact_id not in ids:
                ids.append(contact_id)
                ids.sort(key=lambda cid: int(cid[2:]))
            self._dirty_buckets.add(bucket_of(new))

    def _stage_emails(self, dirty_shards: set[int]) -> None:
        changes = []
        for shard_no in sorted(dirty_shards):
            shard = self._shards.get(shard_no)  # type: ignore[attr-defined]
            now = {cid: email_key(c.email) for cid, c in (shard.contacts.items() if shard is not None else [])}
            seen = self._emails_seen.get(shard_no, {})
            changes += [(cid, seen.get(cid), now.get(cid)) for cid in sorted(set(seen) | set(now))
                        if seen.get(cid) != now.get(cid)]
            self._emails_seen[shard_no] = now
        if not changes:
            return
        if not self._email_index_ready():
            self._build_email_index()
        else:
            for contact_id, old, new in changes:
                self._move_email(contact_id, old, new)
        for bucket in sorted(self._dirty_buckets):
            emails = self._buckets[bucket]
            data = dump_json(emails.model_dump(mode="json")) if emails.emails else None
            self._journal.stage(self._emails_dir() / f"{bucket:02x}.json", data)  # type: ignore[attr-defined]
        self._dirty_buckets.clear()

    def _build_email_index(self) -> None:
        """Index every contact of the store (once, for a store from before the index)."""
        from bookctl.storage.files.email_models import EmailIndexMeta

        for contact in self.every():  # type: ignore[attr-defined]
            self._move_email(contact.id, None, email_key(contact.email))
        self._journal.stage(self._emails_dir() / "index.json",  # type: ignore[attr-defined]
                            dump_json(EmailIndexMeta().model_dump(mode="json")))
        self._email_index_built = True
