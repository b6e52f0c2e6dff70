"""The floor of services/: the look-ups every service needs, importing no other service. The store's
time zone; a booking named by its id or its session's; a service, member of staff or plan by id or name; a
contact whose card may change; the form names are matched in; a payment provider as configured."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from bookctl.domain.models import Booking, Contact, Service, Session, Staff
from bookctl.domain.settings import Settings
from bookctl.domain.values import fold  # re-exported too: the form names are matched in
from bookctl.errors import NotFoundError, RuleError, UsageError
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import load_zone

if TYPE_CHECKING:
    from bookctl.domain.plans import Plan
    from bookctl.providers.base import Provider


def zone_of(uow: UnitOfWork) -> tzinfo:
    """The store's time zone."""
    return load_zone(uow.settings.business.timezone)


def resolve_booking(uow: UnitOfWork, ref: str) -> tuple[Booking, Session]:
    """A booking id, or a session id whose session has exactly one active booking."""
    if ref.startswith("s-"):
        session = uow.calendar.get_session(ref)
        active = [b for b in uow.calendar.session_bookings(session) if b.status == "confirmed"]
        if len(active) != 1:
            listed = ", ".join(b.id for b in active) or "none"
            raise UsageError(f"session {ref} has {len(active)} active bookings ({listed}); name the booking")
        return active[0], session
    booking = uow.calendar.get_booking(ref)
    return booking, uow.calendar.get_session(booking.session_id)


# How many of the records a name matches an error lists before "and N more".
_LISTED = 8


def _one(ref: str, option: str, matches: list, describe, missing: str):  # noqa: ANN001, ANN202
    """The one record `ref` names; several: RuleError (exit 1) listing them; none: NotFoundError(`missing`)."""
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = "; ".join(describe(m) for m in matches[:_LISTED])
        more = f"; and {len(matches) - _LISTED} more" if len(matches) > _LISTED else ""
        raise RuleError(f"{option} {ref!r} matches {len(matches)}: {shown}{more}; give an id")
    raise NotFoundError(missing)


def _by_name(ref: str, records: list, name_of) -> list:  # noqa: ANN001
    """The records `ref` names, accent- and case-insensitively: those whose whole name it is, else
    those whose name holds it."""
    needle = fold(ref.strip())
    exact = [r for r in records if fold(name_of(r)) == needle]
    return exact or ([r for r in records if needle in fold(name_of(r))] if needle else [])


def find_service(settings: Settings, ref: str) -> Service:
    """A service by id, or by its name (accent- and case-insensitive; a part of it will do when only
    one service's name holds it). Several: RuleError listing them (exit 1); none: NotFoundError."""
    if ref in settings.services:
        return settings.services[ref]
    return _one(ref, "--service", _by_name(ref, list(settings.services.values()), lambda s: s.name),
                lambda s: f"{s.id} {s.name}", f"no service {ref!r}; see 'bookctl service list'")


def find_staff(settings: Settings, ref: str) -> Staff:
    """A member of staff by id, or by name, as `find_service` finds a service."""
    if ref in settings.staff:
        return settings.staff[ref]
    return _one(ref, "--staff", _by_name(ref, list(settings.staff.values()), lambda s: s.name),
                lambda s: f"{s.id} {s.name}", f"no staff member {ref!r}; see 'bookctl staff list'")


def find_plan(uow: UnitOfWork, ref: str) -> Plan:
    """A plan by id (pl-N), or by its name as `find_service` finds a service; archived plans too (the
    caller says what they may not do)."""
    if ref.startswith("pl-"):
        return uow.plans.plan(ref)
    return _one(ref, "PLAN", _by_name(ref, uow.plans.plans(), lambda p: p.name), lambda p: f"{p.id} {p.name}",
                f"no plan {ref!r}; see 'bookctl plan list --all'")


def find_contact(uow: UnitOfWork, ref: str) -> str:
    """The id of the contact `ref` names: an id (c-12), an email (compared as the store indexes
    emails), or a name, accent- and case-insensitive, as `contact list --search` matches: the
    contacts whose whole name it is, else those whose name, email, phone or company holds it. An
    erased contact has no name or email left to match. Several: RuleError listing them with their
    ids (exit 1); none: NotFoundError pointing at `contact list --search` (exit 3)."""
    from bookctl.domain.ids import contact_number
    from bookctl.domain.contact_search import matches

    text = ref.strip()
    if contact_number(text) is not None:
        return uow.contacts.get(text).id
    if not text:
        raise UsageError("--contact must not be empty; give a contact's id, email or name")
    see = f"no contact matches {text!r}; see 'bookctl contact list --search {_quoted(text)}'"
    if "@" in text:
        found = [c for c in uow.contacts.with_email(text) if c.erased_at is None]
        return _one(text, "--contact", found, _contact_line, see).id
    live = [c for c in uow.contacts.all() if c.erased_at is None]
    needle = fold(text)
    found = [c for c in live if fold(c.display_name) == needle] or [c for c in live if matches(c, needle)]
    return _one(text, "--contact", found, _contact_line, see).id


def _contact_line(contact: Contact) -> str:
    return f"{contact.id} {contact.display_name}" + (f" <{contact.email}>" if contact.email else "")


def _quoted(text: str) -> str:
    """`text` as one shell word."""
    import shlex

    return shlex.quote(text)


def live_contact(uow: UnitOfWork, contact_id: str) -> Contact:
    """The contact, refusing one that was erased (its card takes no new personal data)."""
    contact = uow.contacts.get(contact_id)
    if contact.erased_at is not None:
        raise RuleError(f"contact {contact.id} was erased; its card cannot change")
    return contact


def provider_for(uow: UnitOfWork, name: str) -> Provider:
    """The provider `name`, configured from the store's `[providers.NAME]` settings, with the store's
    directory for any files of its own."""
    from bookctl.providers.manager import get_provider

    return get_provider(name, uow.settings.providers.get(name, {}), uow.provider_dir(name))
