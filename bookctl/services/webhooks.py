"""Webhooks (bookctl #20): each event POSTed as JSON to the URLs subscribed to it, signed, and retried.

Queued: `queue_deliveries` runs inside every commit that makes an event (services/events.py), so a
delivery exists exactly when its change does: one per (event, webhook subscribed to its name), holding
the exact body it POSTs. Sent: `send`, what cron runs (`bookctl webhook send`), outside the store's write
lock, under a lock of its own so two senders never POST one delivery at the same time.

Each request is `POST URL` with the body and these headers (Stripe's scheme, so a receiver can refuse a
replay by the age of the timestamp):
    Content-Type: application/json
    Bookctl-Event: booking-created
    Bookctl-Event-Id: evt_...            the same at every attempt: the receiver deduplicates by it
    Bookctl-Timestamp: 1795431600        unix seconds of this attempt
    Bookctl-Signature: t=1795431600,v1=HEX   HMAC-SHA256(secret, "<t>." + body), hex
The secret comes only from BOOKCTL_WEBHOOK_SECRET and is never written to the store.

A 2xx answer is delivered: the delivery leaves the queue. Anything else (another status, a timeout, a
refused connection) is a failed attempt: it is tried again after 1 minute, then 2, 4 ... at most 6 hours
apart; after MAX_ATTEMPTS it is kept as `failed`, shown by `webhook list --deliveries`, and tried again
only by `webhook send --retry-failed`. No order is promised between deliveries: receivers order by
`occurred_at`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bookctl.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from bookctl.domain.settings import Webhook
    from bookctl.services.events import Event
    from bookctl.storage.repositories import WebhookDelivery
    from bookctl.storage.unit import UnitOfWork

SECRET_ENV = "BOOKCTL_WEBHOOK_SECRET"
TIMEOUT_SECONDS: float = 10  # per attempt: a receiver slower than this counts as failed
MAX_ATTEMPTS = 12
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
_MAX_ERROR = 300  # characters of a receiver's answer kept as last_error


# --- queueing, in the commit that made the events ---------------------------------------------------
def event_body(event: Event) -> bytes:
    """The bytes POSTed for `event`: its JSON object (services/events.py), compact UTF-8."""
    return json.dumps(event.as_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def queue_deliveries(uow: UnitOfWork, events: Iterable[Event], now: datetime) -> int:
    """Queue one delivery per (event, webhook subscribed to its name) into `uow`'s coming commit;
    how many were queued."""
    webhooks = uow.settings.webhooks
    queued = 0
    for event in events:
        body: bytes | None = None
        for webhook in webhooks:
            if event.name in webhook.events:
                body = body if body is not None else event_body(event)
                uow.webhooks.add(webhook.id, event.name, event.event_id, body, now)
                queued += 1
    return queued


# --- the webhooks themselves (kept in bookctl.toml's [[webhooks]]) ------------------------------------
def check_url(url: str) -> str:
    """`url` if bookctl can POST to it (http or https, a host, no spaces), else UsageError."""
    from urllib.parse import urlsplit

    problem = None
    if not url.isprintable() or any(c.isspace() for c in url):
        problem = "has spaces or control characters"
    elif len(url) > 2000:
        problem = "is longer than 2000 characters"
    else:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - a port that is not a number raises here
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            problem = "is not an http:// or https:// URL with a host"
    if problem:
        shown = url if len(url) <= 100 else url[:100] + "…"
        raise UsageError(f"webhook URL {shown!r} {problem}")
    return url


def check_events(names: Iterable[str]) -> list[str]:
    """The event names, each once, in the order given; UsageError for none or an unknown one."""
    from bookctl.domain.events import EVENTS

    found: list[str] = []
    for name in names:
        if name not in EVENTS:
            raise UsageError(f"unknown event {name!r}; events are {', '.join(EVENTS)}")
        if name not in found:
            found.append(name)
    if not found:
        raise UsageError(f"name at least one event; events are {', '.join(EVENTS)}")
    return found


def add_webhook(uow: UnitOfWork, url: str, events: Iterable[str]) -> Webhook:
    """Subscribe `url` to `events`; its id counts from wh-1 and is never reused. Events made from the
    commit after this one on are queued for it."""
    from bookctl.domain.settings import Webhook

    checked_url, checked_events = check_url(url), check_events(events)
    taken = {w.id for w in uow.settings.webhooks}
    webhook_id = f"wh-{uow.next_number('webhooks')}"
    while webhook_id in taken:  # one written into bookctl.toml by hand
        webhook_id = f"wh-{uow.next_number('webhooks')}"
    webhook = Webhook(id=webhook_id, url=checked_url, events=checked_events)
    uow.settings.webhooks.append(webhook)
    return webhook


def get_webhook(uow: UnitOfWork, webhook_id: str) -> Webhook:
    """The webhook, or NotFoundError."""
    for webhook in uow.settings.webhooks:
        if webhook.id == webhook_id:
            return webhook
    raise NotFoundError(f"no webhook {webhook_id!r}; see 'bookctl webhook list'")


def webhook_rows(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Each webhook: id, url, events, and how many of its deliveries are queued and failed."""
    deliveries = uow.webhooks.all()
    return [{"id": w.id, "url": w.url, "events": list(w.events),
             "queued": sum(1 for d in deliveries if d.webhook_id == w.id and d.status == "queued"),
             "failed": sum(1 for d in deliveries if d.webhook_id == w.id and d.status == "failed")}
            for w in uow.settings.webhooks]


def delivery_rows(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Each delivery in the queue, oldest first: queued ones and those given up (failed)."""
    from bookctl.services.lookups import zone_of
    from bookctl.timeutil import iso

    zone = zone_of(uow)
    return [{"delivery": d.id, "webhook": d.webhook_id, "event": d.event, "event_id": d.event_id,
             "status": d.status, "attempts": d.attempts, "created_at": iso(d.created_at, zone),
             "next_attempt_at": iso(d.next_attempt_at, zone) if d.status == "queued" else None,
             "error": d.last_error} for d in uow.webhooks.all()]


def remove_webhook(uow: UnitOfWork, webhook_id: str) -> dict[str, Any]:
    """Unsubscribe a webhook; its deliveries, queued or failed, go with it in the same commit."""
    webhook = get_webhook(uow, webhook_id)
    dropped = uow.webhooks.of_webhook(webhook.id)
    for delivery in dropped:
        uow.webhooks.remove(delivery.id)
    uow.settings.webhooks = [w for w in uow.settings.webhooks if w.id != webhook.id]
    return {"id": webhook.id, "url": webhook.url, "events": list(webhook.events), "removed": True,
            "deliveries_dropped": len(dropped)}


# --- sending ---------------------------------------------------------------------------------------
def secret_from_env() -> str | None:
    """BOOKCTL_WEBHOOK_SECRET, or None when it is unset or empty."""
    return os.environ.get(SECRET_ENV) or None


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed attempt a delivery is tried again: 1 min doubling, 6 h at most."""
    return min(FIRST_BACKOFF * (2 ** min(attempts - 1, 20)), MAX_BACKOFF)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The Bookctl-Signature header: `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class Sent:
    """What a send did: one row per delivery attempted."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failures(self) -> list[dict[str, Any]]:
        """The rows of the attempts that failed."""
        return [row for row in self.rows if row["status"] != "delivered"]


def send(store: Any, now: datetime, secret: str | None, retry_failed: bool = False,  # noqa: ANN401
         told: Callable[[dict[str, Any]], None] | None = None) -> Sent:
    """POST every delivery due at `now` (with `retry_failed`, those given up too, from their first attempt
    again), each answer committed right after it; `told(row)` hears of each as it is done.

    `store` is the store itself: the write lock is taken only for each commit, never while a receiver
    is being waited for, and the webhook send lock is held throughout, so two senders never POST one
    delivery at once. At least once, never lost: a crash between a receiver's 2xx and the commit that
    removes the delivery sends it again by the next run, with the same body and the same event id, which
    the receiver deduplicates by. UsageError, changing nothing, when something is due and no secret is set."""
    result = Sent()
    waiting = _waiting(store, now, retry_failed)
    if not waiting:
        return result
    if secret is None:  # before the send lock is taken: nothing changes, not even its lock file
        raise UsageError(f"{SECRET_ENV} is not set: webhook deliveries are signed with it; set it and retry "
                         f"({waiting} delivery(ies) due, all kept)")
    lock = store.webhook_sending()
    try:
        with store.read() as uow:  # again, now that no other sender is at work
            webhooks = {w.id: w for w in uow.settings.webhooks}
            due = uow.webhooks.due(now)
            failed = [d for d in uow.webhooks.all() if d.status == "failed"] if retry_failed else []
            zone = _zone(uow)
        if failed:
            due = _revive(store, failed, now)
        given_up_on: set[str] = set()  # a webhook whose attempt failed: its other deliveries wait for the next run
        for delivery in due:
            if delivery.webhook_id in given_up_on:
                continue
            webhook = webhooks.get(delivery.webhook_id)
            error = (f"no webhook {delivery.webhook_id} in bookctl.toml" if webhook is None
                     else post(webhook.url, delivery, secret, now))
            row = _settle(store, delivery, error, now, zone, final=webhook is None)
            if error is not None:
                given_up_on.add(delivery.webhook_id)
            result.rows.append(row)
            if told is not None:
                told(row)
        return result
    finally:
        lock.release()


def _waiting(store: Any, now: datetime, retry_failed: bool) -> int:  # noqa: ANN401
    """How many deliveries a send at `now` would try."""
    with store.read() as uow:
        return sum(1 for d in uow.webhooks.all()
                   if (d.status == "queued" and d.next_attempt_at <= now) or (retry_failed and d.status == "failed"))


def _zone(uow: UnitOfWork) -> Any:  # noqa: ANN401 - a tzinfo
    from bookctl.services.lookups import zone_of

    return zone_of(uow)


def _revive(store: Any, failed: list[WebhookDelivery], now: datetime) -> list[WebhookDelivery]:  # noqa: ANN401
    """Queue the deliveries given up on again, due now from their first attempt; what is due now."""
    with store.write() as uow:
        for delivery in failed:
            current = uow.webhooks.find(delivery.id)
            if current is not None and current.status == "failed":
                current.status, current.attempts, current.next_attempt_at = "queued", 0, now
                uow.webhooks.save(current)
        uow.commit()
        return uow.webhooks.due(now)


def _settle(store: Any, delivery: WebhookDelivery, error: str | None, now: datetime, zone: Any,  # noqa: ANN401
            final: bool = False) -> dict[str, Any]:
    """Commit what one attempt did (delivered: out of the queue; failed: its next attempt or given up);
    its row. A delivery removed meanwhile (its webhook was) stays removed."""
    from bookctl.timeutil import iso

    attempts = delivery.attempts + 1
    status, next_at = "delivered", None
    if error is not None:
        if final or attempts >= MAX_ATTEMPTS:
            status = "failed"
        else:
            status, next_at = "retry", now + backoff(attempts)
    with store.write() as uow:
        current = uow.webhooks.find(delivery.id)
        if current is not None:
            if status == "delivered":
                uow.webhooks.remove(current.id)
            else:
                current.attempts, current.last_error = attempts, error
                current.status = "failed" if status == "failed" else "queued"
                current.next_attempt_at = next_at or current.next_attempt_at
                uow.webhooks.save(current)
            uow.commit()
    return {"delivery": delivery.id, "event": delivery.event, "event_id": delivery.event_id,
            "webhook": delivery.webhook_id, "status": status, "attempts": attempts,
            "next_attempt_at": iso(next_at, zone) if next_at is not None else None, "error": error}


def post(url: str, delivery: WebhookDelivery, secret: str, now: datetime,
         timeout: float | None = None) -> str | None:
    """POST one delivery, signed at `now`; None when the receiver answered 2xx, else what went wrong."""
    import http.client
    import urllib.error
    import urllib.request

    from bookctl import __version__

    timestamp = int(now.timestamp())
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    request = urllib.request.Request(url, data=delivery.body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": f"bookctl/{__version__}",
        "Bookctl-Event": delivery.event, "Bookctl-Event-Id": delivery.event_id,
        "Bookctl-Timestamp": str(timestamp), "Bookctl-Signature": signature(secret, timestamp, delivery.body)})
    opener = _opener()
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(65536)  # the answer is not used; reading some lets the receiver finish cleanly
            return None
    except urllib.error.HTTPError as exc:
        exc.close()
        return _answered(exc.code, exc.reason)
    except urllib.error.URLError as exc:
        return _unreachable(exc.reason, timeout)
    except (OSError, http.client.HTTPException) as exc:
        return _unreachable(exc, timeout)


def _opener() -> Any:  # noqa: ANN401 - a urllib OpenerDirector
    """urllib's opener, except that a redirect is a failed attempt, never followed (urllib would resend
    a POST as a GET, without its body)."""
    import urllib.request

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:  # noqa: ANN401
            return None

    return urllib.request.build_opener(NoRedirects)


def _answered(code: int, reason: object) -> str:
    text = f"the receiver answered {code}" + (f" {reason}" if reason else "")
    return text[:_MAX_ERROR]


def _unreachable(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return (f"cannot reach the receiver: {reason}" if str(reason) else f"cannot reach the receiver: {type(reason).__name__}")[:_MAX_ERROR]
