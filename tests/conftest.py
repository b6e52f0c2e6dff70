"""Shared fixtures: a fresh store in tmp_path, a fixed clock, and a way to drive the real CLI."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

from bookctl.cli import app
from tests.pg_server import PostgresServer, database_digest, pg_url, postgres_server  # noqa: F401  (fixtures)
from tests.stripe_server import localstripe, private_localstripe, stripe_like  # noqa: F401  (fixtures for every test)

# "Now" for every test: Monday 23 November 2026, 12:00 in Rome.
NOW = "2026-11-23T12:00:00+01:00"


@dataclass
class Run:
    """What one bookctl invocation did."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self):  # noqa: ANN201
        return json.loads(self.stdout)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A clean environment: the fixed clock, no store from the developer's shell."""
    monkeypatch.delenv("BOOKCTL_STORE", raising=False)
    monkeypatch.delenv("BOOKCTL_DEBUG", raising=False)
    monkeypatch.setenv("BOOKCTL_NOW", NOW)
    return {"BOOKCTL_NOW": NOW}


# CliRunner rebuilds Typer's click command tree on every invoke (~25-45 ms, most of a test's time);
# the tree is stateless, so it is built once per process.
_command_of = functools.cache(typer.main.get_command)


@pytest.fixture
def backend() -> str:
    """Where `init` puts a store's records: "files", or "postgres" (tests/cli runs under both)."""
    return "files"


@pytest.fixture
def new_database(request: pytest.FixtureRequest):  # noqa: ANN201
    """Make a fresh empty PostgreSQL database and return its URL; each is dropped after the test."""
    made: list[str] = []
    server: PostgresServer | None = None

    def make() -> str:
        nonlocal server
        server = server or request.getfixturevalue("postgres_server")
        name = f"s_{len(made) + 1}_{os.getpid()}_{request.node.nodeid.__hash__() & 0xFFFFFF:x}"
        server.create_database(name)
        made.append(name)
        return server.url(name)

    yield make
    for name in made:
        assert server is not None
        server.drop_database(name)


def _is_init(args: list[str]) -> bool:
    """Whether the command line runs `init` (global options may come first)."""
    command = next((a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] != "--store")), None)
    return command == "init"


@pytest.fixture
def bookctl(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, backend: str, new_database):  # noqa: ANN001, ANN201
    """Call the CLI in-process: bookctl("session", "list", "--store", dir) -> Run.

    Under the postgres backend, every `init` without --database gets a fresh database of its own."""
    monkeypatch.setattr(typer.testing, "_get_command", _command_of)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, extra_env: dict[str, str] | None = None) -> Run:
        argv = [str(a) for a in args]
        if backend == "postgres" and _is_init(argv) and "--database" not in argv:
            argv += ["--database", new_database()]
        result = runner.invoke(app, argv, input=input, env=extra_env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def store(tmp_path: Path, bookctl) -> Path:  # noqa: ANN001
    """An empty store (EUR, Europe/Rome) with one appointment service, one class and two staff."""
    root = tmp_path / "store"
    assert bookctl("init", root, "--business", "Studio Verde", "--currency", "EUR",
                   "--timezone", "Europe/Rome").exit_code == 0
    assert bookctl("service", "add", "Physiotherapy", "--price", "65", "--duration", "45", "--deposit", "20",
                   "--cancellation-fee", "25", "--no-show-fee", "30", "--store", root).exit_code == 0
    assert bookctl("service", "add", "Yoga Flow", "--kind", "class", "--capacity", "3", "--price", "18",
                   "--duration", "60", "--store", root).exit_code == 0
    assert bookctl("staff", "add", "Giulia Romano", "--email", "giulia@studio.example", "--store", root).exit_code == 0
    assert bookctl("staff", "add", "Sanne de Vries", "--store", root).exit_code == 0
    return root


def run_process(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
                timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run bookctl as a real process (`python -m bookctl`)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")}
    full_env.update({"BOOKCTL_NOW": NOW, **(env or {})})
    return subprocess.run([sys.executable, "-m", "bookctl", *map(str, args)], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under `root` (lock file aside), and of every table of the store's database
    if it has one: to prove a command changed nothing."""
    digest = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".bookctl.lock"
    }
    url = database_url_of(root)
    if url is not None:
        digest.update({f"table {name}": value for name, value in database_digest(url).items()})
    return digest


def records_digest(root: Path) -> dict[str, str]:
    """The digest of a store's records alone (not bookctl.toml): its data files, or its database's tables."""
    url = database_url_of(root)
    return tree_digest(root / "data") if url is None else database_digest(url)


def stored_bytes(root: Path) -> bytes:
    """Every byte a store keeps: its files, and every value of every row of its database (bytea raw)."""
    import psycopg

    found = [p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()]
    url = database_url_of(root)
    if url is not None:
        with psycopg.connect(url, autocommit=True) as conn:
            tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            for table in tables:
                for row in conn.execute(f'SELECT * FROM "{table}"'):
                    found += [v if isinstance(v, bytes) else str(v).encode() for v in row]
    return b"\n".join(found)


def outbox_messages(root: Path) -> list[tuple[str, bytes]]:
    """(id, RFC 5322 bytes) of each message queued in a store's outbox, oldest first."""
    import psycopg

    from bookctl.domain.ids import id_order

    url = database_url_of(root)
    if url is None:
        outbox = root / "outbox"
        found = [(p.stem, p.read_bytes()) for p in outbox.glob("*.eml")] if outbox.is_dir() else []
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            found = [(i, bytes(d)) for i, d in conn.execute("SELECT id, data FROM outbox")]
    return sorted(found, key=lambda m: id_order(m[0]))


def database_url_of(root: Path) -> str | None:
    """The database a store keeps its records in, or None for a file store."""
    import tomllib

    try:
        return tomllib.loads((root / "bookctl.toml").read_text())["storage"]["url"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None
