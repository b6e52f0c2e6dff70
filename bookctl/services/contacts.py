"""Contacts: the clients a business books, their details, and the card that shows all of it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any

from bookctl.domain.models import Contact
from bookctl.errors import RuleError
from bookctl.services.contact_fields import check_email, check_phone
from bookctl.domain.contact_search import matches
from bookctl.services.lookups import fold, live_contact
from bookctl.storage.unit import UnitOfWork

__all__ = ["check_email", "check_phone", "add_contact", "edit_contact", "list_contacts", "live_contact",
           "fold", "contact_card"]


def _check_unique_email(uow: UnitOfWork, email: str, except_id: str | None) -> None:
    """Two contacts with one primary email are usually one client entered twice."""
    wanted = email.casefold()
    candidates = uow.contacts.with_email(email)
    for other in candidates:
        if other.id != except_id and other.email is not None and other.email.casefold() == wanted:
            raise RuleError(f"contact {other.id} ({other.display_name}) already has the email {other.email}; "
                            "pass --allow-duplicate to keep both")


def add_contact(uow: UnitOfWork, now: datetime, first_name: str, last_name: str | None = None,
                email: str | None = None, phone: str | None = None, address: str | None = None, *,
                allow_duplicate: bool = False, **details: Any) -> Contact:
    """Create a contact card from checked values (the command checks what was typed); `details` are
    further Contact fields (company, position, language, tax_id, birthday). A second card with the same
    primary email needs `allow_duplicate`."""
    fields = {"first_name": first_name, "last_name": last_name, "email": email, "phone": phone,
              "address": address, **details}
    if email is not None and not allow_duplicate:
        _check_unique_email(uow, email, None)
    return uow.contacts.add(**fields, created_at=now)


def edit_contact(uow: UnitOfWork, contact_id: str, allow_duplicate: bool = False, **changes: Any) -> Contact:
    """Set the contact's fields in `changes` to their checked values; fields left out, or None, stay as
    they are."""
    contact = live_contact(uow, contact_id)
    changes = {field: value for field, value in changes.items() if value is not None}
    email = changes.get("email")
    if email is not None and not allow_duplicate and email.casefold() != (contact.email or "").casefold():
        _check_unique_email(uow, email, contact.id)
    for field, value in changes.items():
        setattr(contact, field, value)
    return contact


_fold_label = lru_cache(maxsize=4096)(fold)  # a store has few distinct labels and many contacts


def list_contacts(uow: UnitOfWork, labels: list[str] | None = None, search: str | None = None) -> Iterator[Contact]:
    """Contacts having every label in `labels` and matching `search` in name, email, phone or company,
    in id order. With labels, only the contacts having the first are read (the store indexes labels)."""
    wanted = [fold(label.strip()) for label in labels or []]
    needle = fold(search.strip()) if search else None
    candidates = uow.contacts.with_label(labels[0]) if labels else uow.contacts.all()
    for contact in candidates:
        if wanted:
            have = {_fold_label(label) for label in contact.labels}
            if not all(label in have for label in wanted):
                continue
        if needle and not matches(contact, needle):
            continue
        yield contact


def contact_card(uow: UnitOfWork, now: datetime, contact_id: str) -> dict[str, Any]:
    """The whole card: the contact's JSON keys, then `notes`, `tasks`, `attachments`, `bookings`
    (newest first), `form_responses`, `payments`, `invoices`, `quotes` and `passes`. Reads the contact's shard, its
    card shard, the day files of its own bookings and its own documents, never the rest of the store."""
    from bookctl.services.contact_history import booking_rows, form_response_rows
    from bookctl.services.invoices import invoice_view, quote_view
    from bookctl.services.payments import list_payments
    from bookctl.services.views import (
        attachment_view,
        contact_view,
        note_view,
        task_view,
    )
    from bookctl.timeutil import load_zone

    zone = load_zone(uow.settings.business.timezone)
    contact = uow.contacts.get(contact_id)
    card = uow.cards.get(contact.id)
    today = now.astimezone(zone).date()
    view = contact_view(contact, zone)
    view["notes"] = [note_view(n, zone) for n in reversed(card.notes)]
    view["tasks"] = [task_view(t, contact.id, zone, today) for t in card.tasks]
    view["attachments"] = [attachment_view(a, contact.id, zone) for a in card.attachments]
    view["bookings"] = booking_rows(uow, contact, now, "all", newest_first=True)
    view["form_responses"] = form_response_rows(view["bookings"])
    view["payments"] = list_payments(uow, contact_id=contact.id)
    view["invoices"] = [invoice_view(i, uow) for i in uow.documents.invoices_of(contact.id)]
    view["quotes"] = [quote_view(q, uow) for q in uow.documents.quotes_of(contact.id)]
    if contact.pass_ids:  # most contacts hold none: their card reads no pass file
        from bookctl.services.plans import pass_view

        view["passes"] = [pass_view(p, zone) for p in uow.plans.passes_of(contact.id)]
    else:
        view["passes"] = []
    return view


def card_sections(uow: UnitOfWork, card: dict[str, Any], now: datetime) -> list[tuple[str, Any]]:
    """The card as a person reads it: titled sections with names beside ids, upcoming bookings
    apart from past ones."""
    from bookctl.services.calendar import display_rows

    staff = uow.settings.staff
    name_of = lambda staff_id: staff[staff_id].name if staff_id in staff else (staff_id or "")  # noqa: E731
    details = {key: card[key] for key in ("id", "first_name", "last_name", "email", "phone", "address", "created_at")}
    if card["erased_at"]:
        details["erased_at"] = card["erased_at"]
    extra = {key: card[key] for key in ("emails", "phones", "addresses", "company", "position", "language", "tax_id",
                                        "birthday") if card[key]}
    types = uow.settings.fields
    custom = [{"field": k, "type": types.get(k, "text"), "value": v} for k, v in card["custom_fields"].items()]
    notes = [{"id": n["id"], "written": _short(n["created_at"]), "type": n["type"], "author": name_of(n["author"]),
              "text": n["text"]} for n in card["notes"]]
    tasks = [{"id": t["id"], "due": t["due"], "assignee": name_of(t["assignee"]),
              "state": "overdue" if t["overdue"] else "open" if t["open"] else "done", "text": t["text"]}
             for t in card["tasks"]]
    files = [{k: a[k] for k in ("id", "name", "size", "media_type")} | {"added": _short(a["created_at"])}
             for a in card["attachments"]]
    moment = now.isoformat()
    upcoming = [row for row in card["bookings"] if _after(row["start"], moment)]
    past = [row for row in card["bookings"] if not _after(row["start"], moment)]
    answers = [{"booking": r["booking_id"], "start": _short(r["start"]), "question": r["key"], "answer": r["value"]}
               for r in card["form_responses"]]
    return [("Details", details), ("Extra fields", extra), ("Custom fields", custom),
            ("Labels", ", ".join(card["labels"])), ("Notes", notes), ("Tasks", tasks), ("Attachments", files),
            ("Upcoming bookings", display_rows(uow, list(reversed(upcoming)))),
            ("Past bookings", display_rows(uow, past)), ("Form responses", answers),
            ("Payments", [{"id": p["id"], "date": _short(p["created_at"]), "booking": p["booking_id"] or "",
                           "kind": p["kind"], "method": p["method"] or "", "amount": p["amount"],
                           "status": p["status"]} for p in card["payments"]]),
            ("Invoices", [{k: i[k] for k in ("id", "status", "total", "due", "booking_id")} for i in card["invoices"]]),
            ("Quotes", [{k: q[k] for k in ("id", "status", "total", "invoice_id")} for q in card["quotes"]]),
            ("Passes", [{"id": p["id"], "plan": p["plan_name"], "balance": "unlimited" if p["balance"] is None
                         else f"{p['balance']} of {p['sessions']}", "expires": _short(p["expires_at"] or "") or "never",
                         "status": p["status"], "used": sum(1 for m in p["moves"] if m["kind"] == "used")}
                        for p in card["passes"]])]


def _short(stamp: str) -> str:
    return stamp[:16].replace("T", " ")


def _after(start: str, moment: str) -> bool:
    return datetime.fromisoformat(start) >= datetime.fromisoformat(moment)
