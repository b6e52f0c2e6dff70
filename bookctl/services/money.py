"""Moving money through a provider so that it is never lost or taken twice: write-ahead intents.

A money-moving service calls no provider. It checks everything that could refuse the command,
records what it decides (a cancelled booking, a fee kept, a queued cancellation email), adds each
provider call as a `pending` ledger entry carrying the idempotency key it will send, and returns a
`Plan`. `carry_out` commits that intent, then calls the providers one at a time, settling each
entry with its answer in a commit of its own, and only then runs the plan's `finish` (the refund
email, the saved card, the view to print). Nothing after the money can roll it back.

A timeout leaves the entry pending: the money may have moved. Retrying the same command resumes
that entry with its stored key (the provider replays its first answer); any other money-moving
command on the booking is refused until `payment reconcile` has asked the provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bookctl.domain.invoices import Invoice
from bookctl.domain.models import Booking
from bookctl.domain.money import Money
from bookctl.domain.payments import FEE_KINDS, LedgerEntry, failure_text, pending_intents, settle
from bookctl.errors import BookctlError, NotFoundError, ProviderError, RuleError, UsageError
from bookctl.storage.unit import UnitOfWork


@dataclass
class Outcome:
    """What a money-moving service did: the record to print, and an error to report after commit."""

    view: Any
    error: BookctlError | None = None


@dataclass
class Answers:
    """What the providers answered for a plan's intents: each succeeded entry's result, and the
    error that stopped the rest (a decline, or an outcome that is unknown)."""

    results: dict[str, Any] = field(default_factory=dict)
    error: BookctlError | None = None
    unknown: bool = False  # the error is an outcome nobody knows yet: entries are left pending


@dataclass
class Plan:
    """A money-moving command's decision, recorded but not yet sent: the intents to send in order,
    and what to do once they are answered (build the view, queue the refund email)."""

    intents: list[LedgerEntry]
    finish: Callable[[Answers], Outcome]
    replay: bool = False  # the intents were pending already: they may have reached the provider before


# --- intents ------------------------------------------------------------------------------

def store_id(uow: UnitOfWork) -> str:
    """The store's own id, minted on first use: providers keep keys per account, not per store."""
    settings = uow.settings
    if settings.store.id is None:
        import uuid

        settings.store.id = uuid.uuid4().hex
    return settings.store.id


def add_intent(uow: UnitOfWork, owner: Booking | Invoice, request: dict[str, Any], **fields: Any) -> LedgerEntry:
    """A `pending` ledger entry for one provider call, with the idempotency key minted for it now.

    `owner` is the booking, or an invoice that belongs to no booking. `request` is what to send
    besides the amount and key (`call`: charge or refund, then the call's own fields). The key is
    unique for ever: an owner's ledger only grows, so its length never repeats."""
    entries = owner.ledger_entries if isinstance(owner, Booking) else uow.ledger.of_invoice(owner.id)
    fields.update(status="pending", request=request,
                  idempotency_key=f"{store_id(uow)}:{owner.id}:{len(entries) + 1}")
    if not isinstance(owner, Booking):
        fields.pop("invoice_id", None)  # an invoice's own entry names it anyway
    return uow.ledger.add(owner, **fields)


def charge_intent(uow: UnitOfWork, now: datetime, owner: Booking | Invoice, provider: str, amount: Money, *,
                  description: str, kind: str = "charge", method: str = "card", token: str | None = None,
                  request: dict[str, Any] | None = None, **fields: Any) -> LedgerEntry:
    """The one way a charge is put to a provider, for collect, fees and invoices alike: a pending
    intent now, sent and settled by `carry_out` with the provider's answer."""
    asked = {"call": "charge", "description": description, **({"token": token} if token is not None else {}),
             **(request or {})}
    return add_intent(uow, owner, asked, kind=kind, method=method, provider=provider, amount=amount,
                      created_at=now, **fields)


def sum_of(entries: Iterable[LedgerEntry], currency: str) -> Money:
    """The entries' amounts added up, exactly."""
    from bookctl.domain.money import money_of

    return money_of(sum(e.amount.minor for e in entries), currency)


def describe(entry: LedgerEntry) -> str:
    """'payment p-20261124-3 (refund of 40.00 EUR)', for messages."""
    return f"payment {entry.id} ({entry.kind.replace('_', ' ')} of {entry.amount})"


def owner_id(entry: LedgerEntry) -> str:
    """The booking an entry belongs to, or its invoice when it belongs to none."""
    return entry.booking_id or entry.invoice_id or entry.id


def resumable(entries: Iterable[LedgerEntry], kinds: tuple[str, ...], amount: Money | None) -> list[LedgerEntry]:
    """The pending intents a retry of the same command picks up again ([] if there are none).

    A retry of that kind (and amount, when one is given) resumes them with their stored keys;
    anything else is refused, naming the entry and `payment reconcile` (exit 1)."""
    pending = pending_intents(entries)
    if not pending:
        return []
    total = sum((e.amount.minor for e in pending), 0)
    first = pending[0]
    if all(e.kind in kinds for e in pending) and (amount is None or amount.minor == total):
        return pending
    owner = owner_id(first)
    raise RuleError(f"{describe(first)} of {owner} is pending: its provider never answered; retry the command "
                    f"that made it, or run 'bookctl payment reconcile {owner}', before moving other money")


# --- sending ------------------------------------------------------------------------------

def carry_out(uow: UnitOfWork, now: datetime, decided: Plan | Outcome,
              remember: Callable[[Any], None] = lambda view: None) -> Outcome:
    """Commit a plan's intents, send them, commit each answer, then finish and commit that too.

    `remember(view)` keeps what to answer a retry under the command's idempotency key: first the
    intents (committed with them, so a retry with the key never starts a second payment, whatever
    happens after), then the successful outcome's view, in the last commit."""
    if isinstance(decided, Outcome):
        if decided.error is None:
            remember(decided.view)
        uow.commit()
        return decided
    answers = Answers()
    if decided.intents:
        remember({INTENTS: [e.id for e in decided.intents], "owner": owner_id(decided.intents[0])})
        uow.commit()  # the intent is durable before any provider hears of it
        answers = send(uow, now, decided.intents, replay=decided.replay)
    try:
        outcome = decided.finish(answers)
        if outcome.error is None:
            remember(outcome.view)
        uow.commit()
    except BookctlError as exc:
        if not decided.intents:
            raise
        # The answers are committed; only what was to follow them failed, and it is left out. Exit 5,
        # as for a mail server that is down after a refund: the money stands, a step after it did not.
        done = ", ".join(f"{e.id} {e.status}" for e in decided.intents)
        raise ProviderError(f"the payments are recorded ({done}), but what follows them failed: {exc}") from None
    return outcome


INTENTS = "bookctl_intents"  # the idempotency record of a command whose provider calls are under way


def ledger_of(uow: UnitOfWork, home: str) -> list[LedgerEntry]:
    """The entries kept with a booking, or with an invoice (INV-...) that belongs to no booking."""
    return uow.ledger.of_invoice(home) if home.startswith("INV-") else uow.calendar.get_booking(home).ledger_entries


def recorded_intents(uow: UnitOfWork, recorded: dict[str, Any]) -> list[LedgerEntry]:
    """The entries an idempotency record of intents names, as they are now."""
    return [e for e in ledger_of(uow, recorded["owner"]) if e.id in set(recorded[INTENTS])]


def send(uow: UnitOfWork, now: datetime, intents: list[LedgerEntry], replay: bool = False) -> Answers:
    """Call the provider for each intent in turn, settling and committing each answer.

    A definite no settles that entry `failed`, and the later ones (never sent) `failed` too. An
    unknown outcome leaves it and the later ones pending, for a retry or `payment reconcile`. Only
    the provider's own answer settles an entry: a provider that cannot even be set up (a missing
    API key) leaves it pending. When replaying intents that may have been sent before, only a
    decline is an answer about the first attempt; any other error (unreachable, a refused replay)
    says nothing of it, and the entry stays pending."""
    from bookctl.providers.base import CardDeclined, OutcomeUnknown

    answers = Answers()
    for n, entry in enumerate(intents):
        try:
            provider = provider_for_entry(uow, entry)
        except BookctlError as exc:
            answers.error = type(exc)(f"{describe(entry)} is still pending: {exc}")
            answers.unknown = True
            return answers
        try:
            result = call_provider(provider, entry, now)
        except BookctlError as exc:
            # Sent one at a time, each after the previous answer's commit: of a group left pending,
            # only the first may have reached the provider; the later ones are first sends.
            if isinstance(exc, OutcomeUnknown) or (replay and n == 0 and not isinstance(exc, CardDeclined)):
                answers.error = _unknown(entry, exc)
                answers.unknown = True
                return answers
            _settle(uow, now, entry, None, failure=failure_text(exc))
            for later in intents[n + 1:]:
                _settle(uow, now, later, None, failure=f"not sent: {entry.id} before it failed")
            uow.commit()
            answers.error = exc
            return answers
        _settle(uow, now, entry, result, reference=result.reference, card_brand=getattr(result, "card_brand", None),
                card_last4=getattr(result, "card_last4", None))
        uow.commit()
        answers.results[entry.id] = result
    return answers


def _unknown(entry: LedgerEntry, exc: BookctlError) -> BookctlError:
    """The error for an entry left pending: exit 5 for a provider fault, the error's own code otherwise."""
    kind = ProviderError if isinstance(exc, ProviderError) else type(exc)
    return kind(f"{describe(entry)}: {exc}; outcome unknown; run 'bookctl payment reconcile {owner_id(entry)}'")


def provider_for_entry(uow: UnitOfWork, entry: LedgerEntry) -> Any:  # noqa: ANN401 - a Provider
    """The provider an intent goes through, configured from the store's settings."""
    from bookctl.services.lookups import provider_for

    return provider_for(uow, entry.provider or "manual")


def call_provider(provider: Any, entry: LedgerEntry, now: datetime) -> Any:  # noqa: ANN401 - a Provider; its result
    """Send (again) the request an intent recorded, with its stored idempotency key and its age."""
    from dataclasses import fields

    from bookctl.providers.base import ChargeRequest, RefundRequest

    recorded = entry.request or {}
    kind = {"charge": ChargeRequest, "refund": RefundRequest}.get(recorded.get("call"))
    if kind is None or entry.idempotency_key is None:
        raise UsageError(f"{describe(entry)} records no request to send; the entry is damaged")
    names = {f.name for f in fields(kind)} - {"amount", "idempotency_key"}
    names -= {"age"}
    request = kind(amount=entry.amount, idempotency_key=entry.idempotency_key, age=now - entry.created_at,
                   **{k: v for k, v in recorded.items() if k in names})
    return provider.charge(request) if kind is ChargeRequest else provider.refund(request)


def _settle(uow: UnitOfWork, now: datetime, entry: LedgerEntry, result: Any, **answer: str | None) -> None:  # noqa: ANN401
    """Settle `entry` with the provider's answer (a result, or None for a no), and what that implies
    at once, for the same commit: a fee that could not be charged is owed; a paid invoice is paid."""
    settle(entry, "failed" if result is None else "succeeded", now, **answer)
    if result is not None and (entry.request or {}).get("save_card") and getattr(result, "saved_method", None):
        from bookctl.domain.models import SavedCard

        contact = uow.contacts.get(entry.contact_id)
        contact.saved_card = SavedCard(provider=entry.provider or "", method=result.saved_method,
                                       brand=result.card_brand, last4=result.card_last4)
    if entry.kind in FEE_KINDS and entry.status == "failed":
        booking = uow.calendar.get_booking(entry.booking_id or "")
        uow.ledger.add(booking, kind=entry.kind, amount=entry.amount, status="due", created_at=now)
    if entry.invoice_id and entry.kind == "charge" and entry.status == "succeeded":
        invoice = uow.documents.get_invoice(entry.invoice_id)
        invoice.status, invoice.paid_at, invoice.reference = "paid", now, result.reference
        invoice.method = (entry.request or {}).get("label") or "invoice"
    if entry.invoice_id and entry.kind in ("charge", "refund") and entry.booking_id is None:
        invoice = uow.documents.get_invoice(entry.invoice_id)
        if invoice.pass_id is not None:  # a pass's sale or renewal: usable once paid, cancelled if declined or refunded
            from bookctl.domain.plans import invoice_settled
            from bookctl.services.lookups import zone_of

            if invoice_settled(uow.plans.get_pass(invoice.pass_id), invoice.id, entry, now, zone_of(uow)):
                invoice.status, invoice.voided_at = "void", now


# --- reconcile ----------------------------------------------------------------------------

def pending_entries(uow: UnitOfWork, ref: str | None = None) -> list[LedgerEntry]:
    """The pending intents of one booking (or invoice with no booking), or of the whole store."""
    from bookctl.services.lookups import resolve_booking

    if ref is not None:
        if ref.upper().startswith("INV-"):
            invoice = uow.documents.get_invoice(ref)
            if invoice.booking_id is not None:
                return pending_intents(resolve_booking(uow, invoice.booking_id)[0].ledger_entries)
            return pending_intents(uow.ledger.of_invoice(invoice.id))
        return pending_intents(resolve_booking(uow, ref)[0].ledger_entries)
    found: list[LedgerEntry] = []
    homes: dict[str, set[str]] = {}
    for entry_id, home in uow.ledger.pending_homes():
        homes.setdefault(home, set()).add(entry_id)
    for home, ids in homes.items():
        try:
            entries = ledger_of(uow, home)
        except NotFoundError:
            continue
        found += [e for e in pending_intents(entries) if e.id in ids]
    return found


def reconcile(uow: UnitOfWork, now: datetime, ref: str | None = None) -> Outcome:
    """Ask the providers what became of pending intents, replaying each with its stored key, and
    settle them. Exit 5 (entries left pending) while a provider still does not answer."""
    from bookctl.services.views import entry_view
    from bookctl.services.lookups import zone_of

    zone = zone_of(uow)
    by_owner: dict[str, list[LedgerEntry]] = {}
    for entry in pending_entries(uow, ref):
        by_owner.setdefault(owner_id(entry), []).append(entry)
    rows: list[dict[str, Any]] = []
    errors: list[BookctlError] = []
    for entries in by_owner.values():
        answers = send(uow, now, entries, replay=True)
        rows += [entry_view(e, zone) for e in entries]
        if any(e.status == "pending" for e in entries) and answers.error is not None:
            errors.append(answers.error)
    if errors:
        left = sum(1 for row in rows if row["status"] == "pending")
        return Outcome(rows, type(errors[0])(f"{left} payment(s) still pending: {errors[0]}"))
    return Outcome(rows)


def mark(uow: UnitOfWork, now: datetime, ref: str, entry_id: str, status: str, reference: str | None) -> Outcome:
    """Settle a pending intent by hand, from what the provider's own dashboard shows: for a
    provider that can no longer be asked (a key it has forgotten, a provider gone for good).

    `status` is succeeded (with `reference`, the provider's id of the payment, a checked line) or
    failed (with no reference); the command checks that."""
    from bookctl.services.lookups import zone_of
    from bookctl.services.views import entry_view

    if status not in ("succeeded", "failed") or (status == "succeeded" and not reference):
        raise ValueError(f"cannot mark a payment {status!r} with reference {reference!r}")  # the command refuses it
    entry = next((e for e in pending_entries(uow, ref) if e.id == entry_id), None)
    if entry is None:
        raise NotFoundError(f"no pending payment {entry_id!r} on {ref}; see 'bookctl payment list --booking {ref}'")
    if status == "succeeded":
        from bookctl.providers.base import ChargeResult

        _settle(uow, now, entry, ChargeResult(reference=reference.strip()), reference=reference.strip())
    else:
        _settle(uow, now, entry, None, failure="marked failed by hand (payment reconcile --mark)")
    uow.commit()
    return Outcome([entry_view(entry, zone_of(uow))])


def stale_pending(uow: UnitOfWork, now: datetime, age: timedelta = timedelta(hours=1)) -> list[LedgerEntry]:
    """Pending intents created more than `age` ago: a provider call nobody reconciled (`doctor`)."""
    return [e for e in pending_entries(uow) if now - e.created_at > age]
