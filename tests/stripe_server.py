"""localstripe, a Stripe-compatible server, run on 127.0.0.1 for the Stripe provider's tests.

Its own command line binds every interface and keeps its state in `/tmp/localstripe.pickle` (a
fixed path: TMPDIR does not move it), which parallel test runs would share. So the server runs
in a subprocess that builds localstripe's aiohttp app itself, listens on 127.0.0.1 and a free port,
and writes its state file into the test's own temporary directory instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
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

web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalStripe:
    """One localstripe process: `api_base` to point the SDK at, `stop()` to end it."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.api_base = f"http://127.0.0.1:{self.port}"
        self.state_file = workdir / "localstripe.pickle"
        self._log = (workdir / "localstripe.log").open("w")
        env = {**os.environ, "TMPDIR": str(workdir)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVER_CODE, str(self.port), str(self.state_file)],
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
