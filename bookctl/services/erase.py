"""Deleting a contact, and erasing one whose bookings must stay (the right to be forgotten).

Erasing keeps the contact's id, which is not personal, so bookings (with their attendance and
price) and, once #4 lands, ledger entries still add up; everything personal goes: the contact's
fields, notes, attachment bytes and metadata, task texts, the form answers on its bookings and the
email still queued for them in the outbox (it names them, and must not go out after the erase).
"""

from __future__ import annotations

from datetime import datetime

from bookctl.domain.cards import Card
from bookctl.domain.models import Contact
from bookctl.errors import RuleError
from bookctl.storage.unit import UnitOfWork

ERASED_NAME = "(erased)"
ERASED_TEXT = "(erased)"
# Fields an erased contact keeps: none of them says who the person was.
_KEPT = ("id", "created_at", "booking_ids", "pass_ids", "erased_at")


def check_deletable(uow: UnitOfWork, contact: Contact) -> None:
    """A contact with bookings, invoices or quotes keeps the history and the money whole (their ledger
    entries point at the contact), so it can only be erased."""
    if contact.booking_ids:
        count = len(contact.booking_ids)
        raise RuleError(f"contact {contact.id} has {count} booking{'s' if count != 1 else ''}; "
                        "a contact with bookings cannot be deleted; use --erase to remove their personal data "
                        "and keep the bookings")
    if contact.pass_ids:  # a pass was sold to them: its sale is money on the books
        count = len(contact.pass_ids)
        raise RuleError(f"contact {contact.id} has {count} pass{'es' if count != 1 else ''}; "
                        "a contact with passes cannot be deleted; use --erase to remove their personal data "
                        "and keep the passes")
    documents = len(uow.documents.invoices_of(contact.id)) + len(uow.documents.quotes_of(contact.id))
    if documents:
        raise RuleError(f"contact {contact.id} has {documents} invoice{'s' if documents != 1 else ''} or quotes; "
                        "a contact with invoices cannot be deleted; use --erase to remove their personal data "
                        "and keep the invoices and payments")


def check_erasable(contact: Contact) -> None:
    """An erased contact has nothing left to erase."""
    if contact.erased_at is not None:
        raise RuleError(f"contact {contact.id} was already erased")


def _drop_attachments(uow: UnitOfWork, card: Card) -> None:
    for attachment in card.attachments:
        uow.cards.delete_bytes(attachment.id)
    card.attachments.clear()


def delete_contact(uow: UnitOfWork, contact_id: str) -> Contact:
    """Delete a contact who has no bookings, with their notes, tasks and attachments."""
    contact = uow.contacts.get(contact_id)
    check_deletable(uow, contact)
    card = uow.cards.get(contact.id)
    if card.notes or card.tasks or card.attachments:
        _drop_attachments(uow, card)
        card.notes.clear()
        card.tasks.clear()
    uow.contacts.remove(contact)
    return contact


def _drop_queued_email(uow: UnitOfWork, contact: Contact) -> None:
    from bookctl.services.mail import list_outbox

    bookings = set(contact.booking_ids)
    for message in list_outbox(uow):
        if message["booking"] in bookings:
            uow.outbox.remove(message["id"])


def erase_contact(uow: UnitOfWork, now: datetime, contact_id: str) -> Contact:
    """Anonymise the contact in place; bookings and their figures stay, pointing at the same id."""
    contact = uow.contacts.get(contact_id)
    check_erasable(contact)
    card = uow.cards.get(contact.id)
    _drop_attachments(uow, card)
    card.notes.clear()
    for task in card.tasks:  # kept so staff workload history adds up; the text may name the client
        task.text = ERASED_TEXT
        if task.done_at is None:
            task.done_at = now
    _drop_queued_email(uow, contact)
    for booking_id in contact.booking_ids:
        booking = uow.calendar.get_booking(booking_id)
        booking.form_responses = {}
        booking.revision += 1  # its calendar event loses the client's name: a newer SEQUENCE replaces it
    for name, info in Contact.model_fields.items():
        if name not in _KEPT and not info.is_required():
            setattr(contact, name, info.get_default(call_default_factory=True))
    contact.first_name = ERASED_NAME
    contact.erased_at = now
    return contact
