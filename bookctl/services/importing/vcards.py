"""Contacts from vCard 3.0 (RFC 2426) and 4.0 (RFC 6350) files: one file, many cards.

Lines are unfolded, property groups (`item1.EMAIL`) and parameters read, values unescaped. What a
card holds maps onto a contact's fields; bookctl's own export writes custom fields as
`NOTE:name: value`, which reads back into a custom field when the store defines that field."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bookctl.errors import UsageError
from bookctl.services.importing.drafts import Draft

_UNFOLD = re.compile(r"\r?\n[ \t]")
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_BDAY = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(T.*)?")


def _unescape(value: str) -> str:
    return _ESCAPED.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _split(value: str, separator: str) -> list[str]:
    """A structured value's components, split at unescaped separators, each unescaped."""
    parts, current, escaped = [], [], False
    for ch in value:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == separator:
            parts.append(_unescape("".join(current)))
            current = []
        else:
            current.append(ch)
    parts.append(_unescape("".join(current)))
    return parts


def _content_line(line: str) -> tuple[str, dict[str, str], str]:
    """(NAME without its group, parameters, raw value) of one unfolded content line."""
    head, colon, value = _split_head(line)
    if not colon:
        raise UsageError(f"{line[:40]!r} is not a vCard content line (NAME:VALUE)")
    name, *params = head.split(";")
    parameters: dict[str, str] = {}
    for param in params:
        key, _, val = param.partition("=")
        parameters[key.upper()] = val.strip('"')
    return name.rpartition(".")[2].upper(), parameters, value


def _split_head(line: str) -> tuple[str, str, str]:
    """Split at the first colon outside a quoted parameter value."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return line[:i], ":", line[i + 1:]
    return line, "", ""


def read_vcards(text: str) -> Iterator[Draft]:
    """A draft per card, its line the card's BEGIN line. Text outside a card, or a card left open,
    is an error naming the line."""
    physical = text.replace("\r\n", "\n").split("\n")
    logical: list[tuple[int, str]] = []
    for number, line in enumerate(physical, start=1):
        if line[:1] in (" ", "\t") and logical:
            logical[-1] = (logical[-1][0], logical[-1][1] + line[1:])
        elif line.strip():
            logical.append((number, line))
    card: list[tuple[int, str]] | None = None
    begin = 0
    for number, line in logical:
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if card is not None:
                raise UsageError(f"line {number}: a card begins inside the card of line {begin}")
            card, begin = [], number
        elif upper == "END:VCARD":
            if card is None:
                raise UsageError(f"line {number}: END:VCARD without a BEGIN:VCARD")
            yield _draft(begin, card)
            card = None
        elif card is None:
            raise UsageError(f"line {number}: {line[:40]!r} is outside any card (BEGIN:VCARD ... END:VCARD)")
        else:
            card.append((number, line))
    if card is not None:
        raise UsageError(f"line {begin}: the card is never ended (END:VCARD)")


def _draft(begin: int, lines: list[tuple[int, str]]) -> Draft:
    draft = Draft(begin)
    try:
        properties = [_content_line(line) for _, line in lines]
    except UsageError as exc:
        draft.problem = str(exc)
        return draft
    # Preferred values first (PREF=1 in 4.0, TYPE=pref in 3.0), then in file order.
    def rank(prop: tuple[str, dict[str, str], str]) -> int:
        params = prop[1]
        return 0 if params.get("PREF") == "1" or "PREF" in params.get("TYPE", "").upper().split(",") else 1

    for name, params, value in sorted(properties, key=rank):
        if name == "N":
            family, given, additional, *_ = [*_split(value, ";"), "", "", ""]
            draft.add("first_name", given, "N (given)")
            draft.add("middle_name", additional.replace(",", " "), "N (additional)")
            draft.add("last_name", family.replace(",", " "), "N (family)")
        elif name == "FN":
            draft.add("name", _unescape(value), "FN")
        elif name in ("EMAIL", "TEL"):
            draft.add("email" if name == "EMAIL" else "phone", _unescape(value).removeprefix("tel:"), name)
        elif name == "ADR":
            label = params.get("LABEL")
            parts = [p.strip() for p in _split(value, ";")]
            composed = ", ".join(dict.fromkeys(p for p in parts if p))
            draft.add("address", label.replace("^n", "\n").replace("^'", '"').replace("^^", "^") if label else composed,
                      "ADR")
        elif name == "ORG":
            draft.add("company", _split(value, ";")[0], "ORG")
        elif name == "TITLE":
            draft.add("position", _unescape(value), "TITLE")
        elif name == "BDAY":
            match = _BDAY.fullmatch(value.strip())
            draft.add("birthday", f"{match.group(1)}-{match.group(2)}-{match.group(3)}" if match else value, "BDAY")
        elif name == "LANG":
            draft.add("language", _unescape(value), "LANG")
        elif name == "CATEGORIES":
            for label in _split(value, ","):
                draft.add("labels", label, "CATEGORIES")
        elif name == "NOTE":
            field, colon, text = _unescape(value).partition(": ")
            if colon and "\n" not in field and len(field) <= 40:
                draft.values.setdefault("notes", []).append((text, field))
    return draft
