"""A contact's details as typed on the command line (`contact add|edit`): each checked, the error
naming its option. The services receive the checked values."""

from __future__ import annotations

from datetime import date
from typing import Any

from bookctl.domain import values
from bookctl.services.contact_fields import check_builtin

# Options of `contact add|edit` beyond name, email, phone and address -> the built-in field they set.
DETAIL_OPTIONS = {"company": "company", "position": "position", "language": "language", "tax_id": "tax-id",
                  "birthday": "birthday"}


def contact_fields(today: date, **typed: str | None) -> dict[str, Any]:
    """The options given (None: not given) checked in the order passed, by Contact attribute;
    `today` is the store's day, for a birthday."""
    checked: dict[str, Any] = {}
    for attribute, text in typed.items():
        if text is None:
            continue
        option = "--" + attribute.replace("_", "-")
        if attribute in DETAIL_OPTIONS:
            checked[attribute] = check_builtin(DETAIL_OPTIONS[attribute], text, today, option)
        elif attribute == "email":
            checked[attribute] = values.email(text, option)
        elif attribute == "phone":
            checked[attribute] = values.phone(text, option)
        elif attribute in ("first_name", "last_name"):
            checked[attribute] = values.name(text, option)
        else:
            checked[attribute] = values.line(text, option)
    return checked
