"""The kinds of value a user types, each checked once, where it enters: text, email, phone.

Every service that takes a name, a line of text, a note, an address or a phone number passes it
through one of these. A value that passes is safe everywhere it is later shown or written: a
table row, an email header, a CSV cell, an .ics or .vcf line. The limits are the README's table.
"""

from __future__ import annotations

import re
import unicodedata

from bookctl.errors import UsageError

NAME_LIMIT = 200      # contact, service, staff and business names
LABEL_LIMIT = 60      # a label is shown in every table row of a contact
LINE_LIMIT = 500      # one line of text: an address, an invoice item, a form answer, a field value
TEXT_LIMIT = 10_000   # a note or a task: may run over several lines
EMAIL_LIMIT = 254     # RFC 5321's path limit, less the angle brackets
PHONE_DIGITS = 15     # E.164

# Embeddings, overrides and isolates reorder what follows them: in a name they can make one table
# row look like another ("Ada" that displays as "adA"). The plain marks (U+200E/U+200F) are fine.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Categories no text may hold: controls (C0, DEL, C1), line and paragraph separators (a line break to
# an email header, a CSV reader or a terminal), and surrogates (undecodable bytes in argv).
_NEVER = frozenset({"Cc", "Zl", "Zp", "Cs"})

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LOCAL_ASCII = re.compile(rf"{_ATEXT}+(\.{_ATEXT}+)*")
_DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,255}")
_PHONE = re.compile(r"\+?[0-9 ().\-/]+")


def shown(value: str, limit: int = 40) -> str:
    """`value` quoted for an error message, cut short so a huge input gives a one-line error."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _refuse_unsafe(value: str, field: str, *, newlines: bool) -> None:
    for ch in value:
        if newlines and ch == "\n":
            continue
        category = unicodedata.category(ch)
        if category in _NEVER:
            if category == "Cs":
                raise UsageError(f"{field} is not valid UTF-8 text")
            raise UsageError(f"{field} must not contain control characters")


def _bounded(cleaned: str, field: str, limit: int, *, newlines: bool) -> str:
    if not cleaned:
        raise UsageError(f"{field} must not be empty")
    _refuse_unsafe(cleaned, field, newlines=newlines)
    if len(cleaned) > limit:
        raise UsageError(f"{field} is {len(cleaned)} characters long; the limit is {limit}")
    return cleaned


def line(value: str, field: str, limit: int = LINE_LIMIT) -> str:
    """One line of text, trimmed: no control character or line break, at most `limit` characters."""
    return _bounded(value.strip(), field, limit, newlines=False)


def name(value: str, field: str, limit: int = NAME_LIMIT) -> str:
    """A name shown in table rows: a line with no bidirectional override or isolate."""
    cleaned = line(value, field, limit)
    bidi = next((ch for ch in cleaned if ch in _BIDI_CONTROLS), None)
    if bidi is not None:
        raise UsageError(f"{field} must not contain bidirectional control characters (U+{ord(bidi):04X})")
    return cleaned


def fold(text: str) -> str:
    """Case- and accent-insensitive form for matching ('Zoë' -> 'zoe'): how labels and searches are
    compared, and the key the stores index labels under."""
    if text.isascii():  # nothing to decompose: the common case, and ten times faster
        return text.lower()
    # Compatibility forms first ('𝐀' -> 'A'), so that casefold sees the letter; decompose again after.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def label(value: str, field: str = "LABEL") -> str:
    """A label: a name of at most LABEL_LIMIT characters."""
    return name(value, field, LABEL_LIMIT)


def text(value: str, field: str, limit: int = TEXT_LIMIT) -> str:
    """Text that may run over several lines (a note, a task): line ends become LF; no other control
    character is kept."""
    return _bounded(value.replace("\r\n", "\n").strip(), field, limit, newlines=True)


def email(value: str, field: str = "--email") -> str:
    """One address, an RFC 5322 addr-spec in dot-atom form (no display name, no list, no quoted
    local part). Internationalised addresses (RFC 6531) are accepted: the domain must have an IDNA
    form, and a non-ASCII local part is sent only where the server offers SMTPUTF8."""
    cleaned = value.strip()
    local, at, domain = cleaned.rpartition("@")
    if not at or not local or not domain or len(cleaned) > EMAIL_LIMIT or len(local.encode()) > 64:
        raise UsageError(f"{field} {shown(value)} is not an email address")
    _refuse_unsafe(cleaned, field, newlines=False)
    if not _local_part_ok(local) or ascii_domain(domain) is None:
        raise UsageError(f"{field} {shown(value)} is not an email address")
    return cleaned


def _local_part_ok(local: str) -> bool:
    if local.isascii():
        return _LOCAL_ASCII.fullmatch(local) is not None
    # RFC 6531 adds any non-ASCII character to atext; letters, marks and digits are what names use.
    ascii_form = "".join(ch if ch.isascii() else "a" for ch in local)
    return (_LOCAL_ASCII.fullmatch(ascii_form) is not None
            and all(ch.isascii() or unicodedata.category(ch)[0] in "LMN" for ch in local))


def ascii_domain(domain: str) -> str | None:
    """The domain's ASCII (IDNA, xn--) form, or None when it is not a host name with a dot."""
    try:
        encoded = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = encoded.split(".")
    if len(labels) < 2 or len(encoded) > 253 or not all(_DOMAIN_LABEL.fullmatch(part) for part in labels):
        return None
    top = labels[-1]
    return encoded if (top.isalpha() and len(top) >= 2) or top.startswith("xn--") else None


def phone(value: str, field: str = "--phone") -> str:
    """A phone number: an optional leading +, 5 to 15 digits (E.164), spaces, dots, dashes,
    slashes or brackets between them."""
    cleaned = value.strip()
    digits = sum(ch.isdigit() for ch in cleaned)
    if not cleaned.isascii() or not _PHONE.fullmatch(cleaned) or not 5 <= digits <= PHONE_DIGITS:
        raise UsageError(f"{field} {shown(value)} is not a phone number")
    return cleaned


def token(value: str, field: str) -> str:
    """A provider's token (tok_visa, pm_1Nv...): ASCII letters, digits, '_', '.', ':' or '-'."""
    cleaned = value.strip()
    if not _TOKEN.fullmatch(cleaned):
        raise UsageError(f"{field} {shown(value)} is not a token: use letters, digits, '_', '.', ':' or '-'")
    return cleaned


PATH_LIMIT = 4096     # Linux's PATH_MAX
PATH_PART_LIMIT = 255  # bytes in one file name (NAME_MAX)


def path(value: str, field: str) -> str:
    """A file or directory name typed by the user: not empty, valid UTF-8 without control characters
    (it is printed back, and shown in errors), each part at most 255 bytes and the whole at most 4096."""
    if not value.strip():
        raise UsageError(f"{field} must name a file or directory")
    if any(unicodedata.category(ch) in _NEVER for ch in value):
        raise UsageError(f"{field} {shown(value)} must be valid UTF-8 without control characters")
    if len(value.encode()) > PATH_LIMIT or any(len(part.encode()) > PATH_PART_LIMIT for part in value.split("/")):
        raise UsageError(f"{field} {shown(value)} is too long for a file name (255 bytes a part, 4096 in all)")
    return value
