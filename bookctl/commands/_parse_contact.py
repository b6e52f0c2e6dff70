"""A contact's details as typed on the command line (`contact add|edit`): each checked, the error
naming its option. The services receive the checked values."""

from __future__ import annotations

from datetime import date
from typing import Any

from bookctl.services.contact_fields import check_details


def contact_fields(today: date, **typed: str | None) -> dict[str, Any]:
    """The options given (None: not given) checked in the order passed, by Contact attribute;
    `today` is the store's day, for a birthday. (`import contacts` checks each row with the same
    function, naming its columns.)"""
    return check_details(today, None, **typed)
