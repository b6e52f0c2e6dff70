"""Email templates: the language a client reads, and the text and HTML filled in for them.

Templates are package data (bookctl/templates/LANG/...); a file of the same name under the store's
`templates/LANG/` overrides it, one file at a time.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass
from importlib import resources
from string import Template

from bookctl.domain.models import Contact
from bookctl.domain.money import Money
from bookctl.errors import StoreError
from bookctl.storage.unit import UnitOfWork

KINDS = ("confirmation", "reminder", "cancellation", "rescheduled", "refund", "offer", "renewal_failed")
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Rendered:
    """One filled-in message: its language, subject, plain text and HTML."""

    language: str
    subject: str
    text: str
    html: str


def _packaged(language: str, name: str) -> str | None:
    try:
        return (resources.files("bookctl.templates") / language / name).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


def load_template(uow: UnitOfWork, language: str, name: str) -> str | None:
    """The store's override of `LANGUAGE/NAME`, else the packaged one, else None."""
    override = uow.template_override(language, name)
    return override if override is not None else _packaged(language, name)


def has_language(uow: UnitOfWork, language: str, kind: str) -> bool:
    """Whether both parts (text and HTML) of `kind` exist in `language`."""
    return all(load_template(uow, language, f"{kind}.{ext}") is not None for ext in ("txt", "html"))


def primary_subtag(tag: str | None) -> str | None:
    """'nl-BE' -> 'nl' (BCP 47's first subtag, lower-cased)."""
    if not tag or not tag.strip():
        return None
    return tag.strip().replace("_", "-").split("-", 1)[0].lower()


def choose_language(uow: UnitOfWork, contact: Contact, kind: str) -> str:
    """The contact's language when a template exists for it, else the store's email.language, else English."""
    for tag in (contact.language, uow.settings.email.language):
        language = primary_subtag(tag)
        if language and has_language(uow, language, kind):
            return language
    return FALLBACK_LANGUAGE


def phrases(uow: UnitOfWork, language: str) -> dict[str, str]:
    """The language's phrases.toml (English's fills anything missing)."""
    merged: dict[str, str] = {}
    for lang in (FALLBACK_LANGUAGE, language):
        text = load_template(uow, lang, "phrases.toml")
        if text is None:
            continue
        try:
            merged.update({k: str(v) for k, v in tomllib.loads(text).items()})
        except tomllib.TOMLDecodeError as exc:
            raise StoreError(f"templates/{lang}/phrases.toml: invalid TOML: {exc}") from None
    return merged


def format_money(amount: Money, words: dict[str, str]) -> str:
    """'65,00 EUR' with the language's decimal separator."""
    return f"{amount.amount.replace('.', words.get('decimal_separator', '.'))} {amount.currency}"


def render(uow: UnitOfWork, kind: str, language: str, values: dict[str, str]) -> Rendered:
    """Fill `kind`'s text and HTML templates of `language` with `values` (escaped for the HTML)."""
    text_template = load_template(uow, language, f"{kind}.txt")
    html_template = load_template(uow, language, f"{kind}.html")
    if text_template is None or html_template is None:
        raise StoreError(f"no {kind} email template for language {language!r}")
    try:
        filled = Template(text_template).substitute(values)
        page = Template(html_template).substitute({k: html.escape(v) for k, v in values.items()})
    except (KeyError, ValueError) as exc:
        raise StoreError(f"the {kind} email template for {language!r} has an unknown placeholder: {exc}") from None
    head, sep, body = filled.partition("\n\n")
    if not sep or not head.startswith("Subject:"):
        raise StoreError(f"the {kind} email template for {language!r} must start with 'Subject: ...' and a blank line")
    subject = " ".join(head[len("Subject:"):].split())
    return Rendered(language=language, subject=subject, text=body.strip("\n") + "\n", html=page)
