"""Webhooks (bookctl #20): events queued in their commit, POSTed signed to a real receiver on 127.0.0.1,
retried with backoff, delivered at least once with a stable event id, on both backends."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bookctl.services import webhooks
from tests.conftest import NOW, run_process, stored_bytes

SECRET = "whsec_7Qx2-never-in-the-store"
LATER = "2026-11-23T12:01:00+01:00"  # one minute on: the first retry is due


@dataclass
class Received:
    """One POST as the receiver saw it."""

    headers: dict[str, str]
    body: bytes
    signed: bool  # the signature checked out against SECRET, over the timestamp header and the raw body

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the receiver got, and how it answers: `answers` in turn (200 once they run out), after `delay` s."""

    url: str
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _signed(headers: dict[str, str], body: bytes) -> bool:
    parts = dict(part.split("=", 1) for part in headers.get("Bookctl-Signature", "").split(",") if "=" in part)
    if parts.get("t") != headers.get("Bookctl-Timestamp"):
        return False
    expected = hmac.new(SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


@pytest.fixture
def receiver():  # noqa: ANN201
    """A webhook receiver on 127.0.0.1 in a thread, checking each request's signature."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    got = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks/bookctl")
    server.receiver = got  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield got
    got.released.set()  # a slow answer still pending ends now
    server.shutdown()
    server.server_close()
    thread.join()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        got: Receiver = self.server.receiver  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = dict(self.headers.items())
        with got.lock:
            got.received.append(Received(headers, body, _signed(headers, body)))
            status = got.answers.pop(0) if got.answers else 200
        if got.delay:
            got.released.wait(got.delay)
        try:
            self.send_response(status)
            if status in (301, 302, 303, 307, 308):
                self.send_header("Location", got.url + "/moved")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        except OSError:
            pass  # the sender gave up waiting

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture(autouse=True)
def no_secret_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(webhooks.SECRET_ENV, raising=False)


def _send(run, now: str = NOW, *args: str):  # noqa: ANN001, ANN202
    return run("webhook", "send", *args, extra_env={webhooks.SECRET_ENV: SECRET, "BOOKCTL_NOW": now})


def _book(ok, start: str = "2026-11-24 10:00") -> str:  # noqa: ANN001
    if not ok("contact", "list"):
        ok("contact", "add", "--first-name", "Ada", "--email", "ada@example.org")
    return ok("session", "book", "--service", "physiotherapy", "--contact", "c-1", "--start", start)["id"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_booking_made_after_webhook_add_is_queued_in_its_commit_and_delivered_signed(ok, run, receiver):
    added = ok("webhook", "add", receiver.url, "--events", "booking-created")
    assert added == {"id": "wh-1", "url": receiver.url, "events": ["booking-created"]}
    booking = _book(ok)
    [queued] = ok("webhook", "list", "--deliveries")
    assert (queued["delivery"], queued["event"], queued["status"]) == ("wd-1", "booking-created", "queued")
    sent = _send(run)
    assert sent.exit_code == 0, sent.stderr
    assert sent.json() == [{"delivery": "wd-1", "event": "booking-created", "event_id": queued["event_id"],
                            "webhook": "wh-1", "status": "delivered", "attempts": 1, "next_attempt_at": None,
                            "error": None}]
    [got] = receiver.received
    assert got.signed
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Bookctl-Event"] == "booking-created"
    assert got.headers["Bookctl-Event-Id"] == queued["event_id"]
    assert got.headers["Bookctl-Timestamp"] == str(int(datetime.fromisoformat(NOW).timestamp()))
    event = got.json()
    assert (event["event"], event["event_id"], event["occurred_at"]) == ("booking-created", queued["event_id"], NOW)
    assert (event["id"], event["status"]) == (booking, "confirmed")
    assert ok("webhook", "list") == [{"id": "wh-1", "url": receiver.url, "events": ["booking-created"],
                                      "queued": 0, "failed": 0}]


def test_only_the_events_a_webhook_subscribed_to_are_queued_for_it(ok, receiver):
    ok("webhook", "add", receiver.url, "--events", "contact-created")
    ok("webhook", "add", receiver.url + "/2", "--events", "booking-created, payment")
    _book(ok)
    assert [(d["webhook"], d["event"]) for d in ok("webhook", "list", "--deliveries")] == [
        ("wh-1", "contact-created"), ("wh-2", "booking-created")]


def test_a_receiver_that_fails_once_gets_the_same_event_again_once_the_backoff_is_over(ok, run, receiver):
    ok("webhook", "add", receiver.url, "--events", "booking-created")
    _book(ok)
    receiver.answers = [500]
    first = _send(run)
    assert first.exit_code == 5
    assert first.stderr.startswith("error: 1 webhook delivery(ies) failed (wd-1 to wh-1: the receiver answered 500")
    [row] = first.json()
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("retry", 1, LATER)
    assert ok("webhook", "list")[0]["queued"] == 1
    too_soon = _send(run, "2026-11-23T12:00:59+01:00")
    assert (too_soon.exit_code, too_soon.json(), len(receiver.received)) == (0, [], 1)
    again = _send(run, LATER)
    assert again.exit_code == 0, again.stderr
    assert [(r["status"], r["attempts"]) for r in again.json()] == [("delivered", 2)]
    failed, delivered = receiver.received
    assert delivered.body == failed.body and delivered.signed and failed.signed
    assert delivered.headers["Bookctl-Event-Id"] == failed.headers["Bookctl-Event-Id"] == failed.json()["event_id"]
    assert int(delivered.headers["Bookctl-Timestamp"]) == int(failed.headers["Bookctl-Timestamp"]) + 60
    assert ok("webhook", "list")[0]["queued"] == 0


def test_a_receiver_that_is_down_is_exit_5_and_the_delivery_stays_queued(ok, run):
    ok("webhook", "add", f"http://127.0.0.1:{_closed_port()}/hooks", "--events", "booking-created")
    _book(ok)
    sent = _send(run)
    assert sent.exit_code == 5
    assert "connection refused" in sent.stderr
    [row] = sent.json()
    assert (row["status"], row["error"]) == ("retry", "connection refused")
    assert ok("webhook", "list")[0] | {"url": ""} == {"id": "wh-1", "url": "", "events": ["booking-created"],
                                                      "queued": 1, "failed": 0}


def test_a_receiver_slower_than_the_timeout_counts_as_a_failed_attempt(ok, run, receiver, monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.5)
    receiver.delay = 30  # answers only once the test is over
    ok("webhook", "add", receiver.url, "--events", "booking-created")
    _book(ok)
    sent = _send(run)
    assert sent.exit_code == 5
    [row] = sent.json()
    assert (row["status"], row["attempts"], row["error"]) == ("retry", 1, "no answer within 0.5 s")
    assert len(receiver.received) == 1  # it got there: the next attempt may deliver it twice, by design
    assert ok("webhook", "list")[0]["queued"] == 1


def test_a_redirect_is_a_failed_attempt_and_never_followed(ok, run, receiver):
    ok("webhook", "add", receiver.url, "--events", "booking-created")
    _book(ok)
    receiver.answers = [302]
    sent = _send(run)
    assert sent.exit_code == 5
    assert [(r["status"], r["error"]) for r in sent.json()] == [("retry", "the receiver answered 302 Found")]
    assert len(receiver.received) == 1


def test_a_delivery_is_given_up_after_the_most_attempts_and_then_no_longer_tried(ok, run, receiver):
    ok("webhook", "add", receiver.url, "--events", "booking-created")
    _book(ok)
    receiver.answers = [503] * webhooks.MAX_ATTEMPTS
    rows = []
    for day in range(webhooks.MAX_ATTEMPTS):  # each a day on: whatever the backoff, the delivery is due
        sent = _send(run, f"2026-12-{day + 1:02d}T12:00:00+01:00")
        assert sent.exit_code == 5
        assert ("1 given up" in sent.stderr) == (day == webhooks.MAX_ATTEMPTS - 1)
        rows += sent.json()
    assert [r["status"] for r in rows] == ["retry"] * (webhooks.MAX_ATTEMPTS - 1) + ["failed"]
    assert rows[-1]["attempts"] == webhooks.MAX_ATTEMPTS
    assert ok("webhook", "list")[0]["failed"] == 1
    [kept] = ok("webhook", "list", "--deliveries")
    assert (kept["status"], kept["attempts"], kept["next_attempt_at"]) == ("failed", 12, None)
    assert kept["error"].startswith("the receiver answered 503")
    later = _send(run, "2027-01-31T12:00:00+01:00")
    assert (later.exit_code, later.json(), len(receiver.received)) == (0, [], webhooks.MAX_ATTEMPTS)


def test_retry_failed_sends_a_given_up_delivery_again_with_the_same_event_id(ok, run, receiver, monkeypatch):
    monkeypatch.setattr(webhooks, "MAX_ATTEMPTS", 1)
    ok("webhook", "add", receiver.url, "--events", "booking-created")
    _book(ok)
    receiver.answers = [500]
    assert [r["status"] for r in _send(run).json()] == ["failed"]
    retried = _send(run, NOW, "--retry-failed")
    assert retried.exit_code == 0, retried.stderr
    assert [(r["status"], r["attempts"]) for r in retried.json()] == [("delivered", 1)]
    first, second = receiver.received
    assert first.body == second.body and second.signed
    assert ok("webhook", "list", "--deliveries") == []


def test_remove_drops_the_webhook_and_its_queued_deliveries(ok, run, receiver, refused):
    ok("webhook", "add", receiver.url, "--events", "booking-created")
    ok("webhook", "add", receiver.url + "/other", "--events", "booking-created")
    _book(ok)
    removed = ok("webhook", "remove", "wh-1")
    assert removed == {"id": "wh-1", "url": receiver.url, "events": ["booking-created"], "removed": True,
                       "deliveries_dropped": 1}
    assert [(d["delivery"], d["webhook"]) for d in ok("webhook", "list", "--deliveries")] == [("wd-2", "wh-2")]
    assert refused(3, "webhook", "remove", "wh-1") == "error: no webhook 'wh-1'; see 'bookctl webhook list'\n"
    assert [r["webhook"] for r in _send(run).json()] == ["wh-2"]
    assert [r.headers["Host"] for r in receiver.received] == [receiver.url.split("/")[2]]
    assert ok("webhook", "add", receiver.url, "--events", "payment")["id"] == "wh-3"  # ids are never reused


@pytest.mark.parametrize(("url", "events", "message"), [
    ("ftp://example.org/hook", "booking-created", "is not an http:// or https:// URL with a host"),
    ("https:///no-host", "booking-created", "is not an http:// or https:// URL with a host"),
    ("https://example.org/a b", "booking-created", "has spaces or control characters"),
    ("https://example.org:port/", "booking-created", "is not an http:// or https:// URL with a host"),
    ("https://example.org/hook", "booking-created,booking-made", "unknown event 'booking-made'; events are "),
    ("https://example.org/hook", " , ", "name at least one event"),
], ids=["scheme", "host", "space", "port", "event", "no-event"])
def test_webhook_add_refuses_a_bad_url_or_event_with_exit_2(refused, url, events, message):
    assert message in refused(2, "webhook", "add", url, "--events", events)


def test_send_with_deliveries_due_and_no_secret_is_exit_2_and_changes_nothing(ok, refused, receiver):
    ok("webhook", "add", receiver.url, "--events", "booking-created")
    _book(ok)
    assert webhooks.SECRET_ENV in refused(2, "webhook", "send")
    assert receiver.received == []


def test_the_secret_is_never_written_to_the_store(ok, run, receiver, store):
    ok("webhook", "add", receiver.url, "--events", "booking-created,contact-created")
    _book(ok)
    receiver.answers = [500]
    assert _send(run).exit_code == 5
    assert _send(run, LATER).exit_code == 0
    assert len(receiver.received) == 3
    assert SECRET.encode() not in stored_bytes(store)


def test_store_copy_keeps_the_queued_deliveries(bookctl, ok, receiver, store, tmp_path):
    ok("webhook", "add", receiver.url, "--events", "booking-created")
    _book(ok)
    [queued] = ok("webhook", "list", "--deliveries")
    copy = tmp_path / "copy"
    copied = bookctl("store", "copy", "--to", copy, "--store", store, "--format", "json")
    assert copied.exit_code == 0, copied.stderr
    assert copied.json()["webhook_deliveries"] == 1
    assert json.loads(bookctl("webhook", "list", "--deliveries", "--store", copy, "--format", "json").stdout) == [queued]
    sent = bookctl("webhook", "send", "--store", copy, "--format", "json", extra_env={webhooks.SECRET_ENV: SECRET})
    assert sent.exit_code == 0, sent.stderr
    assert [r.json()["event_id"] for r in receiver.received] == [queued["event_id"]]


def test_two_senders_at_once_deliver_each_event_exactly_once(ok, receiver, store: Path):
    ok("webhook", "add", receiver.url, "--events", "booking-created,contact-created")
    for hour in (9, 10, 11):
        _book(ok, f"2026-11-24 {hour:02d}:00")
    queued = {d["event_id"] for d in ok("webhook", "list", "--deliveries")}
    assert len(queued) == 4
    receiver.delay = 0.2  # long enough for the two to overlap

    def send():  # noqa: ANN202
        return run_process("webhook", "send", "--store", store, "--format", "json",
                           env={webhooks.SECRET_ENV: SECRET})

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: send(), range(2)))
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert sorted(len(json.loads(r.stdout)) for r in results) == [0, 4]
    assert sorted(r.headers["Bookctl-Event-Id"] for r in receiver.received) == sorted(queued)
    assert all(r.signed for r in receiver.received)
