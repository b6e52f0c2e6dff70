"""What the reports' groups are called and in which order they come (bookctl #21)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from bookctl.domain.ids import id_order

if TYPE_CHECKING:
    from bookctl.storage.unit import UnitOfWork

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The group of what has no service, member of staff, method or provider (an invoice of no booking,
# a session nobody runs, a fee kept out of money already paid).
NONE = "none"


def group_names(uow: UnitOfWork, by: str, groups: Iterable[str]) -> dict[str, str]:
    """The name of each group of a grouping by service, staff or contact: the service's or the
    staff member's name, the contact's display name; a group no longer known keeps its id."""
    from bookctl.errors import NotFoundError

    settings = uow.settings
    names: dict[str, str] = {}
    for group in groups:
        if group == NONE:
            names[group] = "(none)"
        elif by == "service":
            names[group] = settings.services[group].name if group in settings.services else group
        elif by == "staff":
            names[group] = settings.staff[group].name if group in settings.staff else group
        elif by == "contact":
            try:
                names[group] = uow.contacts.lookup(group).display_name
            except NotFoundError:
                names[group] = group
    return names


def group_order(by: str) -> Callable[[str], Any]:
    """A sort key putting a grouping's groups in the order people read them: weekdays Monday
    first, ids by number (svc-2 before svc-10), hours, months and names as written; `none` last."""
    if by == "weekday":
        return lambda group: (group == NONE, WEEKDAYS.index(group) if group in WEEKDAYS else 7)
    if by in ("service", "staff", "contact"):
        return lambda group: (group == NONE, id_order(group))
    return lambda group: (group == NONE, group)
