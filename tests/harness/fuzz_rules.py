"""Values issue #16 says bookctl must refuse: a fuzzed line holding one and exiting 0 is a finding.

Each rule is one sentence of the issue, applied to the parameters it names. A value is judged after
trimming surrounding whitespace, since bookctl trims ("Ada\\n" is stored as "Ada"); what is left must
pass. Rules that depend on the store (its zone, the names in it) hold for the workspace as it was
made; `must_refuse` is told when earlier lines changed what they depend on.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.harness.fuzz_lines import Line

BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
NAME_LIMIT = 200
NOTE_LIMIT = 10_000
ZONE = ZoneInfo("Europe/Rome")  # both of the workspace's stores
BASE_SERVICES = {"physiotherapy", "yoga flow", "pilates course"}
BASE_STAFF = {"giulia romano", "sanne de vries"}

# Names: "control characters ... refused where a line is expected", "bidirectional overrides and
# isolates ... refused in names", "names 200 characters".
NAMES = {"--first-name", "--last-name", "--business", "--name"}
NAME_ARGUMENTS = {("service", "add"), ("staff", "add")}
# Other one-line fields (labels, items, custom fields, headers): no control character.
LINES = {"--company", "--position", "--author"}
MAIL_HEADERS = {"email.sender", "email.host", "email.username"}
CHECKED_FIELDS = {"address", "email", "phone"}  # add-field values with rules of their own (or none: address)
FILTERS = {("contact", "list"), ("export", "bookings"), ("export", "contacts"), ("contact", "unlabel"),
           ("contact", "remove-field")}
_WHEN = re.compile(r"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)")
_SYSTEM = ("/proc", "/sys", "/dev")


def _controls(value: str, allowed: str = "") -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value.strip())


def _bad_name(value: str) -> str | None:
    cleaned = value.strip()
    if _controls(cleaned):
        return "a name holds a control character"
    if any(ch in BIDI for ch in cleaned):
        return "a name holds a bidirectional override or isolate"
    if len(cleaned) > NAME_LIMIT:
        return f"a name is longer than {NAME_LIMIT} characters"
    return None


def _bad_email(value: str) -> str | None:
    cleaned = value.strip()
    if cleaned.startswith('"') or "[" in cleaned:
        return None  # quoted local parts and domain literals: RFC 5322 allows them, bookctl may or may not
    local, at, domain = cleaned.rpartition("@")
    broken = (not at or not local or not domain or "@" in local or _controls(cleaned) or len(local) > 64
              or any(ch.isspace() or ch in "<>,;()\\" for ch in cleaned) or local.startswith(".")
              or local.endswith(".") or ".." in cleaned or any(not part or part.startswith("-") for part in domain.split(".")))
    return "an email address that is not one addr-spec" if broken else None


def _bad_phone(value: str) -> str | None:
    cleaned = value.strip()
    digits = sum("0" <= ch <= "9" for ch in cleaned)
    if digits > 15:
        return "a phone number of more than 15 digits"
    if any(not (ch.isdigit() or ch in "+ -().") for ch in cleaned) or "+" in cleaned[1:] or not digits:
        return "a phone number holding more than digits, + and separators"
    return None


def _bad_start(value: str) -> str | None:
    if value.startswith(("0001-", "9999-")):
        return "a year the store cannot hold (0001, 9999)"
    match = _WHEN.fullmatch(value.strip())
    if match is None:
        return None
    try:
        naive = datetime(*map(int, match.groups()))  # noqa: DTZ001 - a wall time, judged in the zone below
    except ValueError:
        return None
    early, late = naive.replace(tzinfo=ZONE, fold=0), naive.replace(tzinfo=ZONE, fold=1)
    if early.utcoffset() != late.utcoffset():
        return "a local time in a DST gap or fold, with no offset"
    return None


def must_refuse(line: Line, *, zone_changed: bool = False, names_changed: bool = False) -> list[str]:
    """Why issue #16 says `line` must not succeed (empty when it may). The names it knows are taken
    are those of the workspace's studio (`store`), as it was made."""
    reasons: list[str | None] = []
    command = line.command
    forms: list[str] = []
    settings = dict(line.values)
    for key, value in line.values:
        if command in FILTERS:
            break
        if key == "--name" and command == ("contact", "attach"):
            reasons.append("an attachment's name holds a control character" if _controls(value) else None)
        elif key in NAMES or (key == "name" and command in NAME_ARGUMENTS):
            reasons.append(_bad_name(value))
            if key == "name" and line.store == "store" and not names_changed:
                taken = BASE_SERVICES if command[0] == "service" else BASE_STAFF
                reasons.append("a service or staff name that is already taken" if value.strip().casefold() in taken else None)
        elif key in LINES or key in ("labels", "--label", "field") or (
                key == "value" and command == ("contact", "add-field") and settings.get("field") not in CHECKED_FIELDS):
            reasons.append("a one-line field holds a control character" if _controls(value) else None)
        elif key == "--item":
            reasons.append("an invoice item holds a control character" if _controls(value.rpartition("=")[0]) else None)
        elif key == "text" and command in (("contact", "note", "add"), ("contact", "task", "add")):
            reasons.append("a note or task holds a control character other than a newline"
                           if _controls(value.replace("\r\n", "\n"), "\n") else None)
            if command == ("contact", "note", "add") and len(value.strip()) > NOTE_LIMIT:
                reasons.append(f"a note longer than {NOTE_LIMIT} characters")
        elif value.strip() == "":
            continue  # an empty value may mean "none" (contact edit --email ''); the issue says nothing of it
        elif key == "--email" or (key == "value" and settings.get("field") == "email"):
            reasons.append(_bad_email(value))
        elif key == "--phone" or (key == "value" and settings.get("field") == "phone"):
            reasons.append(_bad_phone(value))
        elif key == "--start" and command[0] == "session":
            found = _bad_start(value)
            reasons.append(None if zone_changed and found and "DST" in found else found)
        elif key == "--form":  # "form answers" are among the text fields
            forms.append(value.partition("=")[0].strip())
            reasons.append("a form answer holds a control character" if _controls(value, "\n") else None)
        elif key == "--method" and command == ("invoice", "pay"):  # free text: "how it was paid"
            reasons.append("invoice pay's --method (free text) holds a control character" if _controls(value) else None)
        elif key == "file" and command == ("contact", "attach"):
            if value.startswith(_SYSTEM) or value in ("link.txt", "dir", "."):
                reasons.append("an attachment that is not a regular file, or a /proc, /sys or /dev path")
        elif key == "--output" and value == "":
            reasons.append("--output ''")
        elif key == "value" and command == ("config", "set") and settings.get("key") == "business.name":
            reasons.append(_bad_name(value))
        elif key == "value" and command == ("config", "set") and settings.get("key") in MAIL_HEADERS:
            reasons.append("an email header setting holds a control character" if _controls(value) else None)
    if len(forms) != len(set(forms)):
        reasons.append("the same --form KEY twice")
    if command == ("contact", "attachment", "get") and settings.get("--output") in ("existing.csv", "note.txt") \
            and "--force" not in line.args:
        reasons.append("attachment get overwrote an existing file without --force")
    return [r for r in reasons if r]
