"""How a search finds a contact: the words of `contact list --search` and of a `--contact` name."""

from __future__ import annotations

from bookctl.domain.models import Contact
from bookctl.domain.values import fold


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def matches(contact: Contact, needle: str) -> bool:
    """Whether folded `needle` is in the contact's name, emails, phones or company; a needle of
    digits also matches a phone written with other separators ('0612' finds '+33 6 12')."""
    phones = [p for p in (contact.phone, *contact.phones) if p]
    haystack = " ".join(filter(None, [contact.first_name, contact.last_name, contact.email, contact.phone,
                                      contact.company, *contact.emails, *contact.phones]))
    if needle in fold(haystack):
        return True
    digits = _digits(needle)
    return len(digits) >= 3 and not needle.strip("+()./- 0123456789") and any(digits in _digits(p) for p in phones)
