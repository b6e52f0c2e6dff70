"""Labels: groups of contacts (seed 004). Booking a service adds its name as a label (services/calendar)."""

from __future__ import annotations

from typing import Any

from bookctl.domain import values
from bookctl.domain.models import Contact
from bookctl.errors import RuleError
from bookctl.services.lookups import fold, live_contact
from bookctl.storage.unit import UnitOfWork


def _checked(labels: list[str]) -> list[str]:
    return [values.label(label) for label in labels]


def add_label(contact: Contact, label: str) -> bool:
    """Give `contact` the label unless it has it already in any case or accent; True if it was added."""
    if fold(label) in {fold(have) for have in contact.labels}:
        return False
    contact.labels.append(label)
    return True


def label_contact(uow: UnitOfWork, contact_id: str, labels: list[str]) -> Contact:
    """Add labels; one the contact has already (in any case or accent) is kept as it is."""
    contact = live_contact(uow, contact_id)
    for label in _checked(labels):
        add_label(contact, label)
    return contact


def unlabel_contact(uow: UnitOfWork, contact_id: str, labels: list[str]) -> Contact:
    """Remove labels; naming one the contact does not have changes nothing and is exit 1."""
    contact = live_contact(uow, contact_id)
    wanted = {fold(label) for label in _checked(labels)}
    missing = wanted - {fold(have) for have in contact.labels}
    if missing:
        names = ", ".join(repr(label) for label in labels if fold(label.strip()) in missing)
        have = ", ".join(contact.labels) or "none"
        raise RuleError(f"contact {contact.id} has no label {names} (its labels: {have})")
    contact.labels = [have for have in contact.labels if fold(have) not in wanted]
    return contact


def label_counts(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every label in use with how many contacts have it, by name; labels differing only in case
    or accents count as one, shown as first seen."""
    counts: dict[str, list[Any]] = {}
    for contact in uow.contacts.all():
        for label in contact.labels:
            entry = counts.setdefault(fold(label), [label, 0])
            entry[1] += 1
    return [{"label": name, "contacts": n} for name, n in sorted(counts.values(), key=lambda e: fold(e[0]))]
