"""The label index, so that `contact list --label L` reads the contacts having L, not every contact.

Layout (every JSON file carries `schema_version`):
    data/labels/index.json      says the index covers every contact (written when it is built)
    data/labels/XX.json         folded label -> contact ids in id order, for the labels whose sha256 starts XX
The index follows the contact shards by itself, as the email index does (storage/files/emails.py): at
staging, each changed shard's contacts are compared with the labels they had when loaded, so every
path that changes a contact (add, edit, label, unlabel, erase, delete, demo seed, store load) keeps it
right, and a commit writes each bucket it changed once. A store from before the index is indexed in
full by the first writable unit that changes a contact's labels or looks a label up; a read-only unit
that finds no index reads every contact instead. Lookups verify each id against its contact.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookctl.storage.files.emails import bucket_of
from bookctl.storage.io import dump_json
from bookctl.storage.repositories import label_keys

if TYPE_CHECKING:
    from bookctl.storage.files.index_models import LabelBucket

NO_LABELS: frozenset[str] = frozenset()


def _number(contact_id: str) -> int:
    return int(contact_id[2:])


class LabelIndexFiles:
    """The label-index half of the file store's contacts (mixed into FileContacts)."""

    root: Path
    _unit: Any
    _journal: Any
    _shards: dict[int, Any]

    def _init_labels(self, shard_size: int) -> None:
        self._label_shard_size = shard_size
        self._labels_seen: dict[int, dict[str, tuple[str, ...]]] = {}  # shard -> contact id -> labels when loaded
        self._label_buckets: dict[int, LabelBucket] = {}
        self._dirty_label_buckets: set[int] = set()
        self._unsorted_labels: set[tuple[int, str]] = set()  # (bucket, key) whose ids gained one
        self._label_index_ready: bool | None = None  # None: not looked for yet
        self._label_meta_due = False  # built in this unit: index.json goes with the next commit

    def _labels_dir(self) -> Path:
        return self.root / "data" / "labels"

    def _note_loaded_labels(self, shard_no: int, shard: Any) -> None:  # noqa: ANN401
        if self._unit.writable:  # only a writer stages the index; a reader need not remember
            contacts = shard.contacts if shard is not None else {}
            self._labels_seen[shard_no] = {cid: tuple(c.labels) for cid, c in contacts.items()}

    def _has_label_index(self) -> bool:
        if self._label_index_ready is None:
            from bookctl.storage.files.index_models import index_complete

            self._label_index_ready = index_complete(self._labels_dir())
        return self._label_index_ready

    def _load_label_bucket(self, bucket: int) -> LabelBucket:
        from bookctl.storage.files.index_models import LabelBucket, index_file

        if bucket not in self._label_buckets:
            self._label_buckets[bucket] = index_file(self._labels_dir() / f"{bucket:02x}.json", LabelBucket)
        return self._label_buckets[bucket]

    def _ids_with_label(self, key: str) -> list[str] | None:
        """The ids indexed under `key`, the shards this unit holds read as they are now; None if the
        store has no index and this unit may not write one."""
        if not self._has_label_index():
            if not self._unit.writable:
                return None
            self._build_label_index()
        held = dict(self._shards)
        ids = [cid for cid in self._load_label_bucket(bucket_of(key)).labels.get(key, [])
               if _number(cid) // self._label_shard_size not in held]
        for shard in held.values():
            if shard is not None:
                ids += [cid for cid, contact in shard.contacts.items() if key in label_keys(contact)]
        return sorted(ids, key=_number)

    def _move_labels(self, contact_id: str, old: frozenset[str], new: frozenset[str]) -> None:
        for key in old - new:
            bucket_no = bucket_of(key)
            bucket = self._load_label_bucket(bucket_no)
            ids = bucket.labels.get(key, [])
            if contact_id in ids:
                ids.remove(contact_id)
                if not ids:
                    del bucket.labels[key]
                self._dirty_label_buckets.add(bucket_no)
        for key in new - old:
            bucket_no = bucket_of(key)
            ids = self._load_label_bucket(bucket_no).labels.setdefault(key, [])
            if contact_id not in ids:
                ids.append(contact_id)
                self._unsorted_labels.add((bucket_no, key))
            self._dirty_label_buckets.add(bucket_no)

    def _stage_labels(self, dirty_shards: set[int]) -> None:
        """Bring the index to the staged shards, and stage every bucket that changed (once a commit)."""
        changes = []
        for shard_no in sorted(dirty_shards):
            shard = self._shards.get(shard_no)
            now = {cid: tuple(c.labels) for cid, c in (shard.contacts.items() if shard is not None else [])}
            seen = self._labels_seen.get(shard_no, {})
            changes += [(cid, seen.get(cid, ()), now.get(cid, ())) for cid in set(seen) | set(now)
                        if seen.get(cid, ()) != now.get(cid, ())]
            self._labels_seen[shard_no] = now
        if changes and not self._has_label_index():
            self._build_label_index()  # from the contacts as they are now: the changes are in it
        else:
            for contact_id, old, new in changes:
                self._move_labels(contact_id, _keys(old), _keys(new))
        for bucket_no, key in self._unsorted_labels:
            ids = self._label_buckets[bucket_no].labels.get(key)
            if ids:
                ids.sort(key=_number)
        self._unsorted_labels.clear()
        for bucket_no in sorted(self._dirty_label_buckets):
            bucket = self._label_buckets[bucket_no]
            data = dump_json(bucket.model_dump(mode="json")) if bucket.labels else None
            self._journal.stage(self._labels_dir() / f"{bucket_no:02x}.json", data)
        self._dirty_label_buckets.clear()
        if self._label_meta_due:
            from bookctl.storage.files.index_models import IndexMeta

            self._journal.stage(self._labels_dir() / "index.json", dump_json(IndexMeta().model_dump(mode="json")))
            self._label_meta_due = False

    def _build_label_index(self) -> None:
        """Index every contact of the store afresh (once, for a store from before the index); any bucket
        files already there are rewritten or deleted."""
        from bookctl.storage.files.index_models import LabelBucket

        self._label_buckets = {n: LabelBucket() for n in _bucket_files(self._labels_dir())}
        self._dirty_label_buckets = set(self._label_buckets)
        for contact in self.every():  # type: ignore[attr-defined]
            for key in label_keys(contact):
                bucket_no = bucket_of(key)
                if bucket_no not in self._label_buckets:
                    self._label_buckets[bucket_no] = LabelBucket()
                self._label_buckets[bucket_no].labels.setdefault(key, []).append(contact.id)  # in id order
                self._dirty_label_buckets.add(bucket_no)
        self._unsorted_labels.clear()
        self._label_index_ready = True
        self._label_meta_due = True

    def label_index_problems(self) -> Iterator[tuple[str, str]]:
        """(file, problem) for each contact the index lists under a label it lacks, or misses under one it
        has; nothing for a store with no index. Reads every contact shard and label bucket."""
        if not self._has_label_index():
            return
        expected: dict[str, list[str]] = {}
        for contact in self.every():  # type: ignore[attr-defined]
            for key in label_keys(contact):
                expected.setdefault(key, []).append(contact.id)
        indexed: dict[str, list[str]] = {}
        for bucket_no in _bucket_files(self._labels_dir()):
            indexed.update(self._load_label_bucket(bucket_no).labels)
        for key in sorted(set(expected) | set(indexed)):
            want, have = set(expected.get(key, [])), set(indexed.get(key, []))
            where = str(self._labels_dir() / f"{bucket_of(key):02x}.json")
            for cid in sorted(want - have, key=_number):
                yield where, (f"the label index misses contact {cid} under {key!r}; delete data/labels/index.json "
                              "and the next label added or removed rebuilds it")
            for cid in sorted(have - want, key=_number):
                yield where, f"the label index lists contact {cid} under {key!r}, which it does not have (harmless)"


def _keys(labels: tuple[str, ...]) -> frozenset[str]:
    if not labels:
        return NO_LABELS
    from bookctl.domain.values import fold

    return frozenset(fold(label) for label in labels)


def _bucket_files(folder: Path) -> list[int]:
    """The bucket numbers that have a file in `folder`."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("??.json"):
        if len(path.stem) == 2 and all(ch in "0123456789abcdef" for ch in path.stem):
            found.append(int(path.stem, 16))
    return sorted(found)
