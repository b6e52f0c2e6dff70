"""Contacts into the store: each draft checked as `contact add` checks what is typed, matched to a
contact the store holds by email, then phone, and created, filled in or left as it is."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from bookctl.domain import values
from bookctl.domain.models import Contact
from bookctl.errors import RuleError, UsageError
from bookctl.services.contact_fields import (
    check_builtin,
    check_custom,
    check_details,
    custom_field,
)
from bookctl.services.importing.drafts import Draft, one_line
from bookctl.storage.repositories import email_key
from bookctl.storage.unit import UnitOfWork

OnDuplicate = Literal["skip", "update", "fail"]
_DETAILS = ("company", "position", "language", "tax_id", "birthday")
# The attributes `update` fills when the contact has none.
_FILLABLE = ("last_name", "email", "phone", "address", *_DETAILS)
_NOT_DIGIT = re.compile(r"\D")


@dataclass
class ImportSummary:
    """What an import did (or, dry, would do): the contract's `{created, updated, skipped, rejected}`,
    and what happened to each record."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    detailed: bool = True  # keep `actions` (a dry run shows them; a big import need not hold them)

    def note(self, line: int, action: str, record_id: str | None = None, detail: str | None = None) -> None:
        """Count one record's outcome."""
        if action == "rejected":
            self.rejected.append({"line": line, "reason": detail})
        else:
            setattr(self, action, getattr(self, action) + 1)
        if self.detailed:
            self.actions.append({"line": line, "action": action, "id": record_id, "detail": detail})

    def record(self) -> dict[str, Any]:
        """The summary's JSON."""
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped, "rejected": self.rejected}

    def line(self) -> str:
        """The summary as one line."""
        return (f"created {self.created}, updated {self.updated}, skipped {self.skipped}, "
                f"rejected {len(self.rejected)}")


def refuse_rejects(summary: ImportSummary, what: str, skip_invalid: bool) -> None:
    """All or nothing: any reject (unless `skip_invalid`) refuses the whole import, naming the first few."""
    if summary.rejected and not skip_invalid:
        shown = "; ".join(f"line {r['line']}: {r['reason']}" for r in summary.rejected[:3])
        more = f" (and {len(summary.rejected) - 3} more)" if len(summary.rejected) > 3 else ""
        raise UsageError(f"{len(summary.rejected)} of the {what} cannot be imported, so none was: {shown}{more}; "
                         "fix them, or pass --skip-invalid to import the rest")


def phone_key(phone: str) -> str:
    """The form phones are matched in: the digits alone."""
    return _NOT_DIGIT.sub("", phone)


class ContactIndex:
    """The store's live contacts by email and by phone, as duplicates are looked for; contacts this
    import makes are added as it goes, so a file that names one client twice makes one contact."""

    def __init__(self, contacts: Iterable[Contact]) -> None:
        self.by_email: dict[str, str] = {}
        self.by_phone: dict[str, str] = {}
        for contact in contacts:
            if contact.erased_at is None:
                self.add(contact)

    def add(self, contact: Contact) -> None:
        """Index `contact`'s emails and phones (the first contact to hold one keeps it)."""
        for email in (contact.email, *contact.emails):
            if email:
                self.by_email.setdefault(email_key(email) or "", contact.id)
        for phone in (contact.phone, *contact.phones):
            if phone and phone_key(phone):
                self.by_phone.setdefault(phone_key(phone), contact.id)

    def match(self, fields: dict[str, Any]) -> tuple[str, str] | None:
        """(the id of the contact these fields duplicate, 'email X' or 'phone X'), or None."""
        for email in (fields.get("email"), *fields.get("emails", ())):
            if email and (found := self.by_email.get(email_key(email) or "")):
                return found, f"email {email}"
        for phone in (fields.get("phone"), *fields.get("phones", ())):
            if phone and (found := self.by_phone.get(phone_key(phone))):
                return found, f"phone {phone}"
        return None


def checked_contact(uow: UnitOfWork, today: date, draft: Draft) -> dict[str, Any]:
    """The draft's fields checked as `contact add` checks them (an error names the column), as the
    keyword arguments of `add_contact`, with `emails`, `phones`, `addresses`, `labels` and
    `custom_fields`. A value written over several lines is joined into one first."""
    def text(name: str) -> tuple[str, str] | None:
        found = draft.first(name)
        return None if found is None else (one_line(found[0]), found[1])

    first, middle, last, full = text("first_name"), text("middle_name"), text("last_name"), text("name")
    names: dict[str, str] = {}
    typed: dict[str, str | None] = {}
    if first is None and full is not None:
        given, _, family = full[0].strip().partition(" ")
        first = (given, full[1])
        if last is None and family.strip():
            last = (family.strip(), full[1])
    if first is None:
        raise UsageError("no first name: contact add needs one (fill the column, or --map a column to first_name)")
    typed["first_name"] = f"{first[0].strip()} {middle[0].strip()}" if middle else first[0]
    names["first_name"] = first[1]
    for attribute, found in (("last_name", last), *((a, text(a)) for a in ("email", "phone", "address", *_DETAILS))):
        if found is not None:
            typed[attribute], names[attribute] = found
    fields = check_details(today, names, **typed)
    for attribute, builtin in (("emails", "email"), ("phones", "phone"), ("addresses", "address")):
        extra: list[str] = []
        seen = {str(fields[builtin]).casefold()} if builtin in fields else set()
        for raw, source in draft.values.get(builtin, [])[1:]:
            value = check_builtin(builtin, one_line(raw), today, source)
            if value.casefold() not in seen:
                seen.add(value.casefold())
                extra.append(value)
        fields[attribute] = extra
    labels: dict[str, str] = {}
    for raw, source in draft.values.get("labels", []):
        label = values.label(one_line(raw), source)
        labels.setdefault(values.fold(label), label)
    fields["labels"] = list(labels.values())
    fields["custom_fields"] = _custom_fields(uow, draft)
    return fields


def _custom_fields(uow: UnitOfWork, draft: Draft) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, entries in draft.values.items():
        if not key.startswith("custom:"):
            continue
        name, defined = custom_field(uow, key[7:])
        wanted = draft.custom_types.get(key[7:])
        if defined is not None and wanted is not None and wanted != defined:
            raise UsageError(f"field {name!r} is already defined as {defined}, not {wanted}")
        kind = defined or wanted or "text"
        raw, source = entries[0]
        found[name] = check_custom(kind, one_line(raw), source)
        if name not in uow.settings.fields:
            uow.settings.fields[name] = kind  # type: ignore[assignment]
    for raw, label in draft.values.get("notes", []):  # a vCard's `NOTE:name: value` of a field the store has
        try:
            name, defined = custom_field(uow, label)
        except UsageError:
            continue
        if defined is not None and name not in found:
            found[name] = check_custom(defined, one_line(raw), f"NOTE {name}")
    return found


def import_contacts(uow: UnitOfWork, now: datetime, today: date, drafts: Iterable[Draft], *,
                    on_duplicate: OnDuplicate = "skip", skip_invalid: bool = False, detailed: bool = True,
                    progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Make or fill in a contact for each draft, in the caller's unit of work (which commits, or not,
    for a dry run). A draft that fails its checks is rejected; any reject refuses the whole import
    unless `skip_invalid`. A duplicate (by email, then phone) is skipped, filled in (`update`: the
    fields it lacks) or refuses the import (`fail`, RuleError). `detailed`: the summary lists what
    happened to each draft."""
    from bookctl.services.contacts import add_contact

    summary = ImportSummary(detailed=detailed)
    index = ContactIndex(uow.contacts.all())
    for done, draft in enumerate(drafts, start=1):
        if progress is not None and done % 500 == 0:
            progress(done)
        try:
            if draft.problem:
                raise UsageError(draft.problem)
            fields = checked_contact(uow, today, draft)
        except UsageError as exc:
            summary.note(draft.line, "rejected", detail=str(exc))
            continue
        match = index.match(fields)
        if match is None:
            contact = add_contact(uow, now, allow_duplicate=True, **fields)
            index.add(contact)
            summary.note(draft.line, "created", contact.id, contact.display_name)
            continue
        contact = uow.contacts.get(match[0])
        if on_duplicate == "fail":
            raise RuleError(f"line {draft.line}: contact {contact.id} ({contact.display_name}) already has the "
                            f"{match[1]}; nothing was imported (--on-duplicate skip or update takes it)")
        if on_duplicate == "update" and fill_in(contact, fields):
            index.add(contact)
            summary.note(draft.line, "updated", contact.id, f"{contact.display_name}, by {match[1]}")
        else:
            summary.note(draft.line, "skipped", contact.id, f"{contact.display_name} has the {match[1]}")
    refuse_rejects(summary, "rows", skip_invalid)
    return summary


def fill_in(contact: Contact, fields: dict[str, Any]) -> bool:
    """Give `contact` what `fields` has and it lacks (empty details, more emails, phones, addresses,
    labels, custom fields); nothing it holds changes. Whether anything was added."""
    changed = False
    for attribute in _FILLABLE:
        if getattr(contact, attribute) is None and fields.get(attribute) is not None:
            setattr(contact, attribute, fields[attribute])
            changed = True
    for attribute, primary in (("emails", "email"), ("phones", "phone"), ("addresses", "address")):
        have = {v.casefold() for v in (getattr(contact, primary), *getattr(contact, attribute)) if v}
        for value in (fields.get(primary), *fields.get(attribute, ())):
            if value and value.casefold() not in have:
                getattr(contact, attribute).append(value)
                have.add(value.casefold())
                changed = True
    have_labels = {values.fold(label) for label in contact.labels}
    for label in fields.get("labels", ()):
        if values.fold(label) not in have_labels:
            contact.labels.append(label)
            have_labels.add(values.fold(label))
            changed = True
    for name, value in fields.get("custom_fields", {}).items():
        if name not in contact.custom_fields:
            contact.custom_fields[name] = value
            changed = True
    return changed
