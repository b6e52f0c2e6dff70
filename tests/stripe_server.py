"""localstripe, a Stripe-compatible server, run on 127.0.0.1 for the Stripe provider's tests, and a
proxy that loses Stripe's answers on the way back.

Its own command line binds every interface and keeps its state in `/tmp/localstripe.pickle` (a
fixed path: TMPDIR does not move it), which parallel test runs would share. So the server runs
in a subprocess that builds localstripe's aiohttp app itself, listens on 127.0.0.1 and a free port,
and writes its state file into the test's own temporary directory instead.

localstripe ignores `Idempotency-Key`. Stripe does not: it saves the answer to a key's first
request and replays it to every later request with that key and the same parameters (a
different request under the key is a 400 `idempotency_error`), which is what makes a retry after
a timeout safe. `LocalStripe(..., replay_keys=True)` adds exactly that, as an aiohttp middleware
in front of localstripe's own, so the fault tests meet Stripe's documented behaviour.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

TEST_KEY = "sk_test_12345"

# Run in the child: move localstripe's state file, then serve its app on loopback only.
_SERVER_CODE = """
import pickle, sys
from localstripe import resources

state = sys.argv[2]

def dump_to_disk(self):
    with open(state, "wb") as f:
        pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)

def try_load_from_disk(self):
    pass  # every server starts empty

resources.Store.dump_to_disk = dump_to_disk
resources.Store.try_load_from_disk = try_load_from_disk

from aiohttp import web
from localstripe.server import app

if sys.argv[3] == "replay":
    import hashlib, json

    saved = {}  # Idempotency-Key -> (request fingerprint, status, body)

    @web.middleware
    async def replay_keys(request, handler):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        fingerprint = hashlib.sha256(request.path.encode() + b"?" + await request.read()).hexdigest()
        if key in saved:
            first, status, body = saved[key]
            if first != fingerprint:
                error = {"error": {"type": "idempotency_error", "message": "Keys for idempotent requests can "
                         "only be used with the same parameters they were first used with."}}
                return web.json_response(error, status=400)
            return web.Response(status=status, body=body, content_type="application/json",
                                headers={"Idempotent-Replayed": "true"})
        response = await handler(request)
        if response.status < 500:  # Stripe saves what an endpoint answered, not a server fault
            saved[key] = (fingerprint, response.status, response.body)
        return response

    app.middlewares.insert(0, replay_keys)

web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalStripe:
    """One localstripe process: `api_base` to point the SDK at, `stop()` to end it."""

    def __init__(self, workdir: Path, replay_keys: bool = False) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.api_base = f"http://127.0.0.1:{self.port}"
        self.state_file = workdir / "localstripe.pickle"
        self._log = (workdir / "localstripe.log").open("w")
        env = {**os.environ, "TMPDIR": str(workdir)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVER_CODE, str(self.port), str(self.state_file),
             "replay" if replay_keys else "plain"],
            stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=workdir,
        )
        self._wait_until_it_answers(workdir)

    def _wait_until_it_answers(self, workdir: Path, attempts: int = 200) -> None:
        for _ in range(attempts):
            try:
                with urllib.request.urlopen(f"{self.api_base}/js.stripe.com/v3/", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            try:  # doubles as the pause between attempts, and notices a server that died
                self.process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            break
        self.stop()
        log = (workdir / "localstripe.log").read_text()
        raise RuntimeError(f"localstripe did not start on {self.api_base}:\n{log}")

    def client(self):  # noqa: ANN201
        """A stripe SDK client on this server, for tests to read what Stripe stored."""
        import stripe

        return stripe.StripeClient(TEST_KEY, base_addresses={"api": self.api_base}, max_network_retries=0)

    def stop(self) -> None:
        """Terminate the server, killing it if it does not end within five seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    """A localstripe server for the whole session, on 127.0.0.1, with its own state file."""
    server = LocalStripe(tmp_path_factory.mktemp("localstripe"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_localstripe(tmp_path: Path) -> Iterator[LocalStripe]:
    """A localstripe server for one test, which that test may stop."""
    server = LocalStripe(tmp_path / "localstripe-private")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def stripe_like(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    """localstripe that replays a repeated Idempotency-Key as Stripe does, for the whole session."""
    server = LocalStripe(tmp_path_factory.mktemp("stripe-like"), replay_keys=True)
    try:
        yield server
    finally:
        server.stop()


class StripeProxy:
    """A loopback HTTP proxy in front of a Stripe-compatible server. It records each request's
    method, path and Idempotency-Key, and can lose answers: `lose(path, how)` makes the next request
    to a path starting with `path` reach the server, which acts on it, and then never answers
    ("drop": the connection is closed; "stall": nothing comes until the client gives up) or
    answers 500 ("error"). `down = True` refuses every connection's request before it is sent on."""

    def __init__(self, upstream: str) -> None:
        self.requests: list[tuple[str, str, str | None]] = []
        self.faults: list[tuple[str, str]] = []
        self.down = False
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
                if proxy.down:
                    self.close_connection = True
                    return
                path = self.path.split("?")[0]
                proxy.requests.append((self.command, path, self.headers.get("Idempotency-Key")))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                forwarded = urllib.request.Request(upstream + self.path, data=body, headers=headers,
                                                   method=self.command)
                try:
                    with urllib.request.urlopen(forwarded, timeout=10) as answer:
                        status, payload = answer.status, answer.read()
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                fault = proxy._take_fault(self.command, path)
                if fault == "stall":
                    time.sleep(proxy.stall_seconds)
                if fault in ("drop", "stall"):
                    self.close_connection = True
                    return
                if fault == "error":
                    status, payload = 500, b'{"error": {"type": "api_error", "message": "An unknown error occurred"}}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _forward

            def log_message(self, *args: object) -> None:
                pass

        self.stall_seconds = 2.0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def lose(self, path: str, how: str = "drop") -> None:
        """Lose the answer to the next POST to a path starting with `path` (drop, stall or error)."""
        assert how in ("drop", "stall", "error"), how
        self.faults.append((path, how))

    def _take_fault(self, method: str, path: str) -> str | None:
        for n, (prefix, how) in enumerate(self.faults):
            if method == "POST" and path.startswith(prefix):
                del self.faults[n]
                return how
        return None

    def mutating(self) -> list[tuple[str, str | None]]:
        """(path, idempotency key) of every POST."""
        return [(path, key) for method, path, key in self.requests if method == "POST"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
