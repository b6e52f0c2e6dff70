"""Which reader a file goes to: by `--from`, else by what the file holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bookctl.errors import UsageError
from bookctl.services.importing.drafts import Draft


def contact_drafts(data: bytes, source: str | None, maps: list[str], name: str) -> Iterator[Draft]:
    """The drafts of a contacts file: vCard (`source` vcard, or a file that begins with BEGIN:VCARD)
    or CSV in the layout `source` names (else the one its header row shows)."""
    from bookctl.services.importing.csv_contacts import decode, parse_map, read_contacts_csv

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


def booking_drafts(data: bytes, source: str | None, name: str) -> Iterator[Any]:
    """The drafts of a bookings file: `export bookings --format json` (a JSON array), ndjson (one record
    a line) or ICS, as `source` says or the file's first character shows."""
    from bookctl.services.importing import booking_files
    from bookctl.services.importing.csv_contacts import decode

    text = decode(data, name)
    head = text.lstrip()[:15].upper()
    if source is None:
        source = ("json" if head.startswith("[") else "ndjson" if head.startswith("{")
                  else "ics" if head.startswith("BEGIN:VCALENDAR") else None)
        if source is None:
            raise UsageError(f"{name} is not a bookings export (JSON, NDJSON) or an ICS calendar; name it with --from")
    reader = {"json": booking_files.read_json, "ndjson": booking_files.read_ndjson, "ics": booking_files.read_ics}
    return reader[source](text)
