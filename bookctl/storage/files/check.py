"""Reading every file of a file store on its own, for `bookctl doctor`: one damaged file must not hide
the others, and files that are not bookctl's (a stray temp file, a misnamed day) are reported too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bookctl.domain.ids import contact_number
from bookctl.errors import StoreError

if TYPE_CHECKING:
    from bookctl.storage.files.unit import FileUnitOfWork


def damaged_files(uow: FileUnitOfWork) -> Iterator[tuple[str, str]]:
    """(file, problem) for every file that does not load, or should not be where it is."""
    from bookctl.storage.files import journal
    from bookctl.storage.files.days import DAY_INDEX_NAME

    root = uow.root
    data = root / "data"
    try:
        uow.settings  # noqa: B018 - loading is the check
    except StoreError as exc:
        yield _split(exc, root / "bookctl.toml")
    if (root / journal.JOURNAL_NAME).exists():
        yield str(root / journal.JOURNAL_NAME), "an interrupted commit is waiting; any writer finishes it"
    highest = 0
    for path in sorted((data / "contacts").glob("*")) if (data / "contacts").is_dir() else []:
        if not (path.suffix == ".json" and path.stem.isdigit()):
            yield str(path), "not a contact file (expected NNNNN.json)"
            continue
        try:
            shard = uow.contacts.load_shard(int(path.stem))
        except StoreError as exc:
            yield _split(exc, path)
            continue
        if shard is not None:
            highest = max([highest, *(contact_number(c) or 0 for c in shard.contacts)])
    try:
        counters = uow.counters()
    except StoreError as exc:
        yield _split(exc, data / "counters.json")
    else:
        if counters.contacts < highest:
            yield str(data / "counters.json"), f"contacts is {counters.contacts}, behind contact c-{highest}"
    try:
        uow.timetable.schedules()
    except StoreError as exc:
        yield _split(exc, uow.timetable.path)
    yield from _plans_and_passes(uow, data)
    yield from _documents_and_cards(uow, data)
    yield from _webhook_deliveries(uow)
    for path in _day_paths(data / "days"):
        if path.name == DAY_INDEX_NAME and path.parent.name.isdigit():
            yield from _lost_days(uow, int(path.parent.name), path)
            continue
        if path.suffix != ".json":
            yield str(path), "not a day file (expected data/days/YYYY/YYYY-MM-DD.json)"
            continue
        try:
            day = date.fromisoformat(path.stem)
        except ValueError:
            yield str(path), "the file name is not a date; the file is misplaced"
            continue
        if path.parent.name != str(day.year):
            yield str(path), f"the day is not in the year {path.parent.name}; the file is misplaced"
            continue
        try:
            uow.calendar.read_day(day)
        except StoreError as exc:
            yield _split(exc, path)


def _plans_and_passes(uow: FileUnitOfWork, data: Path) -> Iterator[tuple[str, str]]:
    """The plans file and each passes shard, each on its own."""
    from bookctl.storage.files.plans import check_passes, plan_files

    try:
        uow.plans.plans()
    except StoreError as exc:
        yield _split(exc, uow.plans.path)
    for path in sorted((data / "passes").glob("*")) if (data / "passes").is_dir() else []:
        if not (path.suffix == ".json" and path.stem.isdigit()):
            yield str(path), "not a passes file (expected NNNNN.json)"
            continue
        try:
            uow.load_file(path, plan_files()[1], check=check_passes)
        except StoreError as exc:
            yield _split(exc, path)


def _documents_and_cards(uow: FileUnitOfWork, data: Path) -> Iterator[tuple[str, str]]:
    """Invoice, quote and card files, and the card index: `doctor` reads them for their amounts and
    attachments, so each that does not load is listed here rather than stopping it."""
    from bookctl.storage.files.documents import InvoiceShard, QuoteShard, check_documents

    for folder, model in (("invoices", InvoiceShard), ("quotes", QuoteShard)):
        for path in sorted((data / folder).glob("*")) if (data / folder).is_dir() else []:
            if not (path.suffix == ".json" and path.stem.isdigit()):
                yield str(path), f"not {'an invoice' if folder == 'invoices' else 'a quote'} file (expected NNNNN.json)"
                continue
            try:
                uow.load_file(path, model, check=check_documents)
            except StoreError as exc:
                yield _split(exc, path)
    cards = data / "cards"
    for path in sorted(cards.glob("*")) if cards.is_dir() else []:
        try:
            if path.name == "index.json":
                uow.cards.index()
            elif path.suffix == ".json" and path.stem.isdigit():
                uow.cards.load_shard(int(path.stem))
            else:
                yield str(path), "not a card file (expected NNNNN.json or index.json)"
        except StoreError as exc:
            yield _split(exc, path)


def _webhook_deliveries(uow: FileUnitOfWork) -> Iterator[tuple[str, str]]:
    """Each queued webhook delivery that does not load (a damaged one stops `webhook send`)."""
    from bookctl.storage.files.webhooks import load_delivery

    directory = uow.webhooks.directory
    for path in sorted(directory.glob("*")) if directory.is_dir() else []:
        try:
            load_delivery(path)
        except StoreError as exc:
            yield _split(exc, path)
        except ValueError:
            yield str(path), "not a webhook delivery file (expected wd-N.json)"


def _lost_days(uow: FileUnitOfWork, year: int, index_path: Path) -> Iterator[tuple[str, str]]:
    """The year's index itself, and every day it lists that has no file."""
    try:
        listed = uow.calendar.listed_days(year) or set()
    except StoreError as exc:
        yield _split(exc, index_path)
        return
    for day in sorted(listed):
        problem = uow.calendar.lost_day_problem(day)
        if problem and not uow.calendar.day_path(day).exists():
            yield str(uow.calendar.day_path(day)), problem


def _day_paths(days_dir: Path) -> Iterator[Path]:
    if days_dir.is_dir():
        for year in sorted(days_dir.iterdir()):
            if year.is_dir():
                yield from sorted(year.iterdir())
            else:
                yield year


def _split(exc: StoreError, path: Path) -> tuple[str, str]:
    """A StoreError's message as (file, problem): the messages start with the file's path."""
    message = str(exc)
    prefix = f"{path}: "
    return (str(path), message[len(prefix):]) if message.startswith(prefix) else (str(path), message)
