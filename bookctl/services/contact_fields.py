"""The values a contact card holds, and how each is checked: details, extra fields, custom fields."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bookctl.domain import values
from bookctl.domain.models import Contact
from bookctl.errors import RuleError, UsageError
from bookctl.storage.unit import UnitOfWork

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d+)?|\.\d+)$")
_TAX_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{1,39}$")
# BCP 47 as people use it: language, optional script, optional region, optional variants.
_LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|\d{3}))?((?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*)$")

# FIELD of `contact add-field` -> the Contact attribute it sets (lists gain one more value).
BUILTIN_FIELDS = {"email": "emails", "phone": "phones", "address": "addresses", "company": "company",
                  "position": "position", "language": "language", "tax-id": "tax_id", "birthday": "birthday"}


def check_text(value: str | None, field: str) -> str | None:
    """One trimmed line of text (values.line); None stays None, empty is refused."""
    return None if value is None else values.line(value, field)


def check_name(value: str | None, field: str) -> str | None:
    """A name (values.name); None stays None, empty is refused."""
    return None if value is None else values.name(value, field)


check_email = values.email
check_phone = values.phone


def check_url(value: str, field: str) -> str:
    """An absolute URL: a scheme and a host (https://example.com/dogs)."""
    from urllib.parse import urlsplit

    cleaned = values.line(value, field)
    try:
        parts = urlsplit(cleaned)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:
        scheme, host = "", None
    if any(ch.isspace() for ch in cleaned) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) or not host:
        raise UsageError(f"{field} {value!r} is not a URL; give a scheme and a host, such as https://example.com")
    return cleaned


def check_number(value: str, field: str) -> str:
    """A decimal number as typed (never a float): 3, -2.5, 0.75."""
    cleaned = value.strip()
    if not _NUMBER.fullmatch(cleaned):
        raise UsageError(f"{field} {value!r} is not a number")
    return cleaned


def check_date(value: str, field: str) -> date:
    """A real calendar day, YYYY-MM-DD (2026-02-30 is refused)."""
    from bookctl.timeutil import parse_date

    return parse_date(value, field)


def check_language(value: str, field: str = "language") -> str:
    """A BCP 47 tag (fr, pt-BR, zh-Hant-TW, sr-Latn), in its usual letter case."""
    match = _LANGUAGE.fullmatch(value.strip())
    if not match:
        raise UsageError(f"{field} {value!r} is not a BCP 47 language tag, such as fr, pt-BR or zh-Hant")
    lang, script, region, variants = match.groups()
    return lang.lower() + (script.title() if script else "") + (region.upper() if region else "") + variants.lower()


def check_birthday(value: str, today: date, field: str = "birthday") -> date:
    """A date that is not in the future."""
    day = check_date(value, field)
    if day > today:
        raise UsageError(f"{field} {day} is in the future")
    return day


def check_tax_id(value: str, field: str = "tax-id") -> str:
    """Letters and digits with spaces, dots, dashes or slashes (IT12345678901, 123-45-6789)."""
    cleaned = value.strip()
    if not _TAX_ID.fullmatch(cleaned):
        raise UsageError(f"{field} {value!r} is not a tax ID: use letters, digits, spaces, '.', '-' or '/'")
    return cleaned


def check_builtin(name: str, value: str, today: date, field: str) -> Any:
    """The checked value of a built-in field (`name` as in BUILTIN_FIELDS)."""
    if name == "email":
        return check_email(value, field)
    if name == "phone":
        return check_phone(value, field)
    if name == "language":
        return check_language(value, field)
    if name == "birthday":
        return check_birthday(value, today, field)
    if name == "tax-id":
        return check_tax_id(value, field)
    return check_text(value, field)


# Contact attributes beyond name, email, phone and address -> the built-in field that checks them.
DETAIL_ATTRIBUTES = {"company": "company", "position": "position", "language": "language", "tax_id": "tax-id",
                     "birthday": "birthday"}


def check_details(today: date, names: dict[str, str] | None = None, **typed: str | None) -> dict[str, Any]:
    """Contact attributes as typed (None: not given), each checked as `contact add` checks it, in the
    order passed; `names` says what an error calls each attribute (by default its option, `--tax-id`),
    and `today` is the store's day, for a birthday."""
    checked: dict[str, Any] = {}
    for attribute, text in typed.items():
        if text is None:
            continue
        field = (names or {}).get(attribute) or "--" + attribute.replace("_", "-")
        if attribute in DETAIL_ATTRIBUTES:
            checked[attribute] = check_builtin(DETAIL_ATTRIBUTES[attribute], text, today, field)
        elif attribute == "email":
            checked[attribute] = values.email(text, field)
        elif attribute == "phone":
            checked[attribute] = values.phone(text, field)
        elif attribute in ("first_name", "last_name"):
            checked[attribute] = values.name(text, field)
        else:
            checked[attribute] = values.line(text, field)
    return checked


def check_custom(kind: str, value: str, field: str) -> str:
    """A custom field's value checked by its type, as it is stored (text)."""
    if kind == "number":
        return check_number(value, field)
    if kind == "date":
        return check_date(value, field).isoformat()
    if kind == "url":
        return check_url(value, field)
    checked = check_text(value, field)
    assert checked is not None
    return checked


def builtin_key(field: str) -> str | None:
    """FIELD as a built-in field's name (BUILTIN_FIELDS: 'Tax_ID' is tax-id), or None for a custom one."""
    key = field.strip().casefold().replace("_", "-")
    return key if key in BUILTIN_FIELDS else None


def custom_field(uow: UnitOfWork, raw: str) -> tuple[str, str | None]:
    """(the custom field's name, as defined if a field has it in any case; its type, None when none has)."""
    name = values.name(raw, "FIELD", 40)
    defined = uow.settings.fields
    existing = next((key for key in defined if key.casefold() == name.casefold()), None)
    return (name, None) if existing is None else (existing, defined[existing])


def add_field(uow: UnitOfWork, today: date, contact_id: str, field: str, value: str,
              kind: str | None = None) -> Contact:
    """Set a field on the card: another email/phone/address, a built-in detail, or a custom field.
    `kind` (one of FIELD_TYPES) defines a new custom field; a field already defined keeps its type."""
    from bookctl.services.lookups import live_contact

    contact = live_contact(uow, contact_id)
    key = builtin_key(field)
    if key is not None:
        if kind is not None:
            raise UsageError(f"{key} is a built-in field; it has no type")
        checked = check_builtin(key, value, today, key)
        attribute = BUILTIN_FIELDS[key]
        current = getattr(contact, attribute)
        if isinstance(current, list):
            if checked not in current:
                current.append(checked)
        else:
            setattr(contact, attribute, checked)
    else:
        name, defined = custom_field(uow, field)
        if defined is None:
            if kind is None:
                raise UsageError(f"no field {name!r}; a new field needs a type")
            field_type = kind
        elif kind is not None and kind != defined:
            raise UsageError(f"field {name!r} is already defined as {defined}, not {kind}")
        else:
            field_type = defined
        contact.custom_fields[name] = check_custom(field_type, value, name)
        if name not in uow.settings.fields:
            uow.settings.fields[name] = field_type  # type: ignore[assignment]
    return contact


def remove_field(uow: UnitOfWork, contact_id: str, field: str, value: str | None = None) -> Contact:
    """Take a field off the card: one of the extra emails/phones/addresses (VALUE says which when
    there are several), a built-in detail, or a custom field's value (its definition stays)."""
    from bookctl.services.lookups import live_contact

    contact = live_contact(uow, contact_id)
    key = field.strip().casefold().replace("_", "-")
    if key in BUILTIN_FIELDS:
        current = getattr(contact, BUILTIN_FIELDS[key])
        if isinstance(current, list):
            chosen = [v for v in current if value is None or v.casefold() == value.strip().casefold()]
            if not chosen:
                raise RuleError(f"contact {contact.id} has no other {key} {value!r}" if value else
                                f"contact {contact.id} has no other {key}")
            if len(chosen) > 1:
                raise UsageError(f"contact {contact.id} has {len(chosen)} other {key}s ({', '.join(chosen)}); "
                                 "give the VALUE to remove")
            current.remove(chosen[0])
        elif current is None:
            raise RuleError(f"contact {contact.id} has no {key}")
        else:
            setattr(contact, BUILTIN_FIELDS[key], None)
    else:
        name = next((k for k in contact.custom_fields if k.casefold() == field.strip().casefold()), None)
        if name is None:
            raise RuleError(f"contact {contact.id} has no field {field.strip()!r}")
        del contact.custom_fields[name]
    return contact


def field_rows(uow: UnitOfWork) -> list[dict[str, str]]:
    """The custom field definitions, by name."""
    return [{"name": name, "type": kind} for name, kind in sorted(uow.settings.fields.items(), key=lambda p: p[0].casefold())]
