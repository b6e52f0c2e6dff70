"""`export ledger`'s three formats (bookctl #21): an hledger journal, a beancount file, and CSV, one
line per posting. Each `write_*` writes an export (services/ledger_export.py) to `out` and returns
how many records it wrote (transactions; for CSV, postings).

Names and texts come from users (service names) and providers (references), so each format gets
them through one escaping function of its own: `journal_text` and `journal_tag` for hledger, whose
descriptions end at `;` and tag values at `,`; `beancount_string` for beancount's quoted strings.
Account names are safe already (`ledger_export.account_part`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, TextIO

from bookctl.domain.money import currency_exponent

if TYPE_CHECKING:
    from bookctl.services.ledger_export import LedgerExport, Transaction

LEDGER_CSV_COLUMNS = ("date", "transaction", "account", "amount", "currency", "booking_id", "contact_id",
                      "reference", "description")
# Control characters (line breaks among them) never reach a line of either format.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


def journal_text(text: str) -> str:
    """`text` as an hledger description: one line, and `;` (which would start a comment) as `,`."""
    return _one_line(text).replace(";", ",")


def journal_tag(text: str) -> str:
    """`text` as an hledger tag value, which ends at a comma: one word, with `,` `;` and spaces as `_`."""
    return re.sub(r"[\s,;]", "_", _one_line(text))


def beancount_string(text: str) -> str:
    """`text` as a beancount string literal, quotes included: `\\` and `"` escaped, on one line."""
    return '"' + _one_line(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _metadata(transaction: Transaction) -> Iterator[tuple[str, str]]:
    """(key, value) of what travels with a transaction: booking, contact, reference, invoice, provider, entry."""
    for key, value in (("booking", transaction.booking_id), ("contact", transaction.contact_id),
                       ("reference", transaction.reference), ("invoice", transaction.invoice_id),
                       ("provider", transaction.provider), ("entry", transaction.id)):
        if value:
            yield key, value


def _heading(export: LedgerExport) -> str:
    return f"bookctl export ledger of {export.business}, {export.first} to {export.last}"


def write_hledger(export: LedgerExport, out: TextIO) -> int:
    """An hledger journal: the commodity and every account declared (so `hledger check --strict`
    passes), then one transaction per entry, its metadata as tags in the transaction's comment."""
    places = currency_exponent(export.currency)
    sample = "1000." + "0" * places
    out.write(f"; {journal_text(_heading(export))}\n\ncommodity {sample} {export.currency}\n\n")
    for account in sorted(export.opened()):
        out.write(f"account {account}\n")
    for transaction in export.transactions:
        tags = ", ".join(f"{key}:{journal_tag(value)}" for key, value in _metadata(transaction))
        out.write(f"\n{transaction.day.isoformat()} * {journal_text(transaction.description)}  ; {tags}\n")
        for posting in transaction.postings:
            out.write(f"    {posting.account}  {posting.amount.amount} {posting.amount.currency}\n")
    return len(export.transactions)


def write_beancount(export: LedgerExport, out: TextIO) -> int:
    """A beancount file: the operating currency, an `open` for each account on the day it is first
    used, then one transaction per entry with its metadata as string lines."""
    out.write(f"; {_one_line(_heading(export))}\n")
    out.write(f"option \"title\" {beancount_string(export.business)}\n")
    out.write(f"option \"operating_currency\" \"{export.currency}\"\n\n")
    for account, day in sorted(export.opened().items()):
        out.write(f"{day.isoformat()} open {account} {export.currency}\n")
    for transaction in export.transactions:
        out.write(f"\n{transaction.day.isoformat()} * {beancount_string(transaction.description)}\n")
        for key, value in _metadata(transaction):
            out.write(f"  {key}: {beancount_string(value)}\n")
        for posting in transaction.postings:
            out.write(f"  {posting.account}  {posting.amount.amount} {posting.amount.currency}\n")
    return len(export.transactions)


def write_ledger_csv(export: LedgerExport, out: TextIO) -> int:
    """CSV (as every export: RFC 4180, CRLF, formula-like text neutralised): one line per posting."""
    from bookctl.output import write_csv

    rows = ((t.day.isoformat(), t.id, p.account, Decimal(p.amount.amount), p.amount.currency, t.booking_id,
             t.contact_id, t.reference, t.description)
            for t in export.transactions for p in t.postings)
    return write_csv(LEDGER_CSV_COLUMNS, rows, out)
