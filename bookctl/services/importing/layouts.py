"""The CSV layouts `import contacts` knows: which column holds which field, and how a layout is
recognised from its header row.

Where each comes from (the README says the same):
- google: the header Google Contacts writes for "Google CSV", both the current one (First Name,
  E-mail 1 - Value, Labels, ...) and the older one (Given Name, Group Membership, ...), as
  reproduced by tools that read those exports; labels are separated by ' ::: ' and Google's own
  groups start with '* '.
- outlook: the field names of Outlook's CSV export (First Name, E-mail Address, Mobile Phone,
  Home Street, Categories, ...), from a published table of Outlook's contact fields; birthdays as
  M/D/YYYY, '0/0/00' for none.
- wix, square: a best guess at their contact exports' headers (no published column list was found);
  a file that differs is read with --from csv and --map.
- csv: bookctl's own `export contacts --format csv`, and any CSV whose headers name fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Fields a column can fill (`--map COLUMN=FIELD`); any other FIELD is a custom field's name.
FIELDS = ("first_name", "middle_name", "last_name", "name", "email", "phone", "address", "company",
          "position", "language", "tax_id", "birthday", "labels")
# Fields of the generic layout that hold lists (bookctl writes them as JSON arrays).
LIST_FIELDS = {"emails": "email", "phones": "phone", "addresses": "address", "labels": "labels"}


@dataclass(frozen=True)
class Layout:
    """A CSV layout: `columns` maps a header (a regular expression, matched whole and ignoring case)
    to a field; an `address:KEY` field is one part of an address put together from several columns."""

    name: str
    columns: tuple[tuple[str, str], ...]
    signature: tuple[str, ...] = ()  # headers that all appear in this layout's files
    label_separator: str = ","
    value_separator: str | None = None  # several values in one cell (Google: ' ::: ')
    month_first_dates: bool = False  # Outlook writes 3/14/1985
    skip_labels_starting: str | None = None
    first_phone: str | None = None  # the column whose phone is the primary one (Outlook: the mobile)
    _compiled: list[tuple[re.Pattern[str], str]] = field(default_factory=list, compare=False, repr=False)

    def field_of(self, header: str) -> str | None:
        """The field a column with this header fills, or None."""
        if not self._compiled:
            self._compiled.extend((re.compile(pattern, re.IGNORECASE), name) for pattern, name in self.columns)
        cleaned = header.strip()
        return next((name for pattern, name in self._compiled if pattern.fullmatch(cleaned)), None)

    def recognises(self, headers: set[str]) -> bool:
        """Whether a header row with these (case-folded) headers is this layout's."""
        return bool(self.signature) and all(s.casefold() in headers for s in self.signature)


GOOGLE = Layout(
    "google",
    (("First Name|Given Name", "first_name"), ("Middle Name|Additional Name", "middle_name"),
     ("Last Name|Family Name", "last_name"), ("Name", "name"),
     (r"Organization Name|Organization 1 - Name", "company"), (r"Organization Title|Organization 1 - Title", "position"),
     ("Birthday", "birthday"), ("Labels|Group Membership", "labels"),
     (r"E-mail \d+ - Value", "email"), (r"Phone \d+ - Value", "phone"), (r"Address \d+ - Formatted", "address")),
    signature=("E-mail 1 - Value",), label_separator=" ::: ", value_separator=" ::: ", skip_labels_starting="* ",
)

_OUTLOOK_ADDRESS = [(rf"{kind} (Street|Street 2|Street 3|City|State|Postal Code|Country/Region)", f"address:{kind}")
                    for kind in ("Home", "Business", "Other")]
OUTLOOK = Layout(
    "outlook",
    (("First Name", "first_name"), ("Middle Name", "middle_name"), ("Last Name", "last_name"),
     ("Company", "company"), ("Job Title", "position"), ("Birthday", "birthday"), ("Categories", "labels"),
     (r"E-mail( \d+)? Address", "email"),
     (r"Mobile Phone|Primary Phone|Home Phone( 2)?|Business Phone( 2)?|Other Phone", "phone"),
     *_OUTLOOK_ADDRESS),
    signature=("First Name", "E-mail Address", "Business Phone"), label_separator=";", month_first_dates=True,
    first_phone="Mobile Phone",
)

WIX = Layout(
    "wix",
    (("First Name", "first_name"), ("Last Name", "last_name"), (r"Email( \d+)?", "email"),
     (r"Phone( \d+)?", "phone"), ("Company", "company"), ("Position|Job Title", "position"),
     ("Birthdate|Birthday", "birthday"), ("Labels", "labels"),
     (r"Address( \d+)? - (Street|Street Line 2|City|State|Zip|Country)", "address:1"),
     (r"Address( \d+)?", "address")),
    signature=("Email 1", "Labels"), label_separator=";",
)

SQUARE = Layout(
    "square",
    (("First Name", "first_name"), ("Last Name", "last_name"), ("Email Address", "email"),
     ("Phone Number", "phone"), ("Company Name", "company"), ("Birthday", "birthday"), ("Groups", "labels"),
     ("Street Address 1|Street Address 2|City|State|Postal Code", "address:1")),
    signature=("Email Address", "Phone Number", "Square Customer ID"), label_separator=",",
)

# The generic layout: a header that names a field (any case, spaces or dashes for '_') fills it.
GENERIC = Layout(
    "csv",
    tuple((name.replace("_", "[ _-]?"), name) for name in FIELDS if name != "labels")
    + (("emails", "emails"), ("phones", "phones"), ("addresses", "addresses"), ("labels", "labels"),
       ("custom[ _-]?fields", "custom_fields")),
    label_separator=",",
)

LAYOUTS = {layout.name: layout for layout in (GOOGLE, OUTLOOK, WIX, SQUARE, GENERIC)}


def recognise(headers: list[str]) -> Layout:
    """The layout whose signature the header row has; the generic one when none has."""
    folded = {h.strip().casefold() for h in headers}
    return next((layout for layout in (GOOGLE, OUTLOOK, SQUARE, WIX) if layout.recognises(folded)), GENERIC)
