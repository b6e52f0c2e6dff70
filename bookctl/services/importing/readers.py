"""Which reader a file goes to: by `--from`, else by what the file holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bookctl.errors import UsageError
from bookctl.services.importing.drafts import Draft


def contact_drafts(data: bytes, source: str | None, maps: list[str], name: str) -> Iterator[Draft]:
    """The drafts of a contacts file: vCard (`source` vcard, or a file that begins with BEGIN:VCARD)
    or CSV in the layout `source` names (else the one its header row shows)."""
    from bookctl.services.importing.csv_contacts import (
        decode,
        parse_map,
        read_contacts_csv,
    )

    text = decode(data, name)
    looks_like_vcard = text.lstrip()[:11].upper() == "BEGIN:VCARD"
    if source == "vcard" or source is None and looks_like_vcard:
        if maps:
            raise UsageError("--map is for CSV files; a vCard's properties are read as they are")
        from bookctl.services.importing.vcards import read_vcards

        return read_vcards(text)
    if looks_like_vcard:
        raise UsageError(f"{name} is a vCard file; import it with --from vcard")
    _, drafts = read_contacts_csv(text, source, [parse_map(spec) for spec in maps])
    return drafts


def booking_drafts(path: Path, source: str | None) -> Iterator[Any]:
    """The drafts of a bookings file: `export bookings --format json` (a JSON array), ndjson (one record
    a line) or ICS, as `source` says or the file's first bytes show. JSON and NDJSON are read a line at
    a time, as the drafts are taken."""
    from bookctl.services.importing import booking_files

    with path.open("rb") as stream:
        head = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if source is None:
        source = ("json" if head.startswith(b"[") else "ndjson" if head.startswith(b"{")
                  else "ics" if head.startswith(b"BEGIN:VCALENDAR") else None)
        if source is None:
            raise UsageError(f"{path.name} is not a bookings export (JSON, NDJSON) or an ICS calendar; "
                             "name it with --from")
    if source == "ics":
        from bookctl.services.importing.csv_contacts import decode

        return booking_files.read_ics(decode(path.read_bytes(), path.name))
    reader = booking_files.read_json if source == "json" else booking_files.read_ndjson
    return _streamed(path, reader)


def _streamed(path: Path, reader: Any) -> Iterator[Any]:  # noqa: ANN401 - read_json or read_ndjson
    from bookctl.services.importing.booking_files import numbered_lines

    with path.open("rb") as stream:
        yield from reader(numbered_lines(stream, path.name))
