"""The floor of services/: the look-ups every service needs, importing no other service. The store's
time zone; a booking named by its id or its session's; a service or member of staff by id or name; a
contact whose card may change; the form names are matched in; a payment provider as configured."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from bookctl.domain.models import Booking, Contact, Service, Session, Staff
from bookctl.domain.settings import Settings
from bookctl.domain.values import fold  # noqa: F401 - re-exported: the form names are matched in
from bookctl.errors import NotFoundError, RuleError, UsageError
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import load_zone

if TYPE_CHECKING:
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


def find_service(settings: Settings, ref: str) -> Service:
    """A service by id, or by a name that only one service has (any case)."""
    if ref in settings.services:
        return settings.services[ref]
    matches = [s for s in settings.services.values() if s.name.casefold() == ref.casefold()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(f"several services are named {ref!r}: {', '.join(s.id for s in matches)}; use an id")
    raise NotFoundError(f"no service {ref!r}; see 'bookctl service list'")


def find_staff(settings: Settings, ref: str) -> Staff:
    """A member of staff by id, or by a name only one of them has (any case)."""
    if ref in settings.staff:
        return settings.staff[ref]
    matches = [s for s in settings.staff.values() if s.name.casefold() == ref.casefold()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(f"several staff are named {ref!r}: {', '.join(s.id for s in matches)}; use an id")
    raise NotFoundError(f"no staff member {ref!r}; see 'bookctl staff list'")


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
