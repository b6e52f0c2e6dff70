"""A real PostgreSQL server for the test suite, started by the tests and stopped when they end.

The server is a throwaway cluster: `initdb` into a fresh temporary directory, `pg_ctl start` on
127.0.0.1 at a free port plus a unix socket in that directory, durability switched off for speed,
then `pg_ctl stop` and the directory removed at the end of the session. It starts the first time a
test asks for `postgres_server` (or `pg_url`), so a run that never touches PostgreSQL pays nothing.

PostgreSQL refuses to run as root, and the tests run as root in CI: then initdb and pg_ctl run as
the system user `postgres`, in a temporary directory handed over to that user (pytest's own
temporary directories are mode 0700 under root, which `postgres` cannot enter).

Roles: `bookctl` (superuser, trusted) for the tests, and `bookctl_secret`, whose password
`right-password` is checked with scram-sha-256 over TCP, so tests can see a wrong one refused.
The bootstrap superuser `postgres` administers databases, over the unix socket.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

HOST = "127.0.0.1"
ADMIN_USER = "postgres"
USER = "bookctl"
SECRET_USER = "bookctl_secret"
SECRET_PASSWORD = "right-password"
INSTALL_HINT = "install the Debian package `postgresql` (apt-get install -y postgresql) or set BOOKCTL_PG_BIN"

# Durability buys nothing for a cluster deleted at the end of the run, and costs most of its time.
SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "32MB",
    "max_connections": "100",
}

# First match wins: the secret role must give its password over TCP; everyone else is trusted.
PG_HBA = f"""\
local all all                           trust
host  all {SECRET_USER} {HOST}/32 scram-sha-256
host  all all            {HOST}/32 trust
"""


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed, or the server would not start."""


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _has_server_binaries(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(bindir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in bindir.parent.name.split(".") if part.isdigit())


def find_bindir() -> Path:
    """The directory with initdb, pg_ctl and postgres: $BOOKCTL_PG_BIN, Debian's newest, pg_config, PATH."""
    if explicit := os.environ.get("BOOKCTL_PG_BIN"):
        if _has_server_binaries(Path(explicit)):
            return Path(explicit)
        raise PostgresUnavailable(f"BOOKCTL_PG_BIN={explicit} has no initdb, pg_ctl and postgres; {INSTALL_HINT}")
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    candidates = [bindir for bindir in debian if _has_server_binaries(bindir)]
    if pg_config := shutil.which("pg_config"):
        # pg_config comes with libpq-dev too, which names a bindir whether or not the server is there.
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(found.stdout.strip()))
    if pg_ctl := shutil.which("pg_ctl"):
        candidates.append(Path(pg_ctl).resolve().parent)
    for bindir in candidates:
        if _has_server_binaries(bindir):
            return bindir
    raise PostgresUnavailable(f"PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; {INSTALL_HINT}")


def _run_as() -> dict[str, Any]:
    """subprocess arguments that drop root to the `postgres` user; nothing for anyone else."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(ADMIN_USER)
    except KeyError:
        raise PostgresUnavailable(f"running as root needs the system user `{ADMIN_USER}`; {INSTALL_HINT}") from None
    return {"user": ADMIN_USER, "group": ADMIN_USER, "extra_groups": []}


class PostgresServer:
    """One throwaway cluster on 127.0.0.1:`port` and a unix socket in `socket_dir`."""

    host = HOST

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self._run_as = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="bookctl-pg-"))
        self.socket_dir = str(self.root)
        self.port = 0  # chosen just before the start, to keep the window for another taker short
        self._data = self.root / "data"
        self._log = self.root / "postgres.log"
        self._admin: psycopg.Connection[Any] | None = None
        try:
            if self._run_as:
                shutil.chown(self.root, ADMIN_USER, ADMIN_USER)
            self._initdb()
            self._start()
            self._admin = self._connect("postgres", ADMIN_USER)
            self._create_roles()
        except BaseException:
            self.stop()
            raise

    def _pg(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bindir / program), *args],
            cwd=self.root, capture_output=True, text=True, check=False, timeout=120, **self._run_as,
        )

    def _initdb(self) -> None:
        done = self._pg("initdb", "-D", str(self._data), "-U", ADMIN_USER, "--auth=trust",
                        "--encoding=UTF8", "--no-locale", "--no-sync")
        if done.returncode != 0:
            raise PostgresUnavailable(f"initdb failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        (self._data / "pg_hba.conf").write_text(PG_HBA)

    def _start(self) -> None:
        self.port = free_port()
        settings = {
            **SETTINGS,
            "listen_addresses": HOST,
            "port": str(self.port),
            "unix_socket_directories": self.socket_dir,
        }
        # pg_ctl hands -o to a shell, hence the quoting.
        options = shlex.join(arg for name, value in settings.items() for arg in ("-c", f"{name}={value}"))
        done = self._pg("pg_ctl", "-w", "-t", "60", "-D", str(self._data), "-l", str(self._log), "start", "-o", options)
        if done.returncode != 0:
            log = self._log.read_text(errors="replace") if self._log.exists() else "(no log written)"
            tail = "\n".join(log.splitlines()[-30:])
            raise PostgresUnavailable(f"pg_ctl start failed ({done.returncode}): {done.stderr.strip()}\n"
                                      f"--- last lines of the server log:\n{tail}")

    def _connect(self, dbname: str, user: str) -> psycopg.Connection[Any]:
        return psycopg.connect(host=self.socket_dir, port=self.port, dbname=dbname, user=user, autocommit=True)

    def _create_roles(self) -> None:
        assert self._admin is not None
        self._admin.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB SUPERUSER").format(sql.Identifier(USER)))
        self._admin.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}").format(
            sql.Identifier(SECRET_USER), sql.Literal(SECRET_PASSWORD)))

    def url(self, dbname: str, user: str = USER, password: str | None = None) -> str:
        """A `postgresql://` URL for `dbname` over TCP, as `user` (with `password` if given)."""
        credentials = quote(user, safe="")
        if password is not None:
            credentials += ":" + quote(password, safe="")
        return f"postgresql://{credentials}@{HOST}:{self.port}/{quote(dbname, safe='')}"

    def create_database(self, name: str, template: str | None = None, owner: str = USER) -> None:
        """An empty database (or a copy of `template`, which must have no connections), owned by `owner`."""
        assert self._admin is not None
        statement = sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self._admin.execute(statement)

    def drop_database(self, name: str) -> None:
        """Drop `name` if it exists, disconnecting whoever is still connected to it."""
        assert self._admin is not None
        self._admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def execute(self, dbname: str, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run one statement in `dbname` as `bookctl`, committed; its rows, or [] if it returns none."""
        with self._connect(dbname, USER) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description is not None else []

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its directory; safe to call twice."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if (self._data / "postmaster.pid").exists():
            done = self._pg("pg_ctl", "-w", "-D", str(self._data), "-m", "fast", "stop")
            if done.returncode != 0:  # keep the directory: the server may still be running in it
                raise PostgresUnavailable(f"pg_ctl stop failed ({done.returncode}) for {self._data}: {done.stderr.strip()}")
        shutil.rmtree(self.root, ignore_errors=True)


def database_digest(url: str) -> dict[str, str]:
    """sha256 of every table's rows, in a fixed order, keyed by table name (`schema.table` outside public).

    Sequences are left out on purpose: a refused command's rolled-back insert may advance one without
    changing any data.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(
            """
            SELECT n.nspname, c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
            ORDER BY 1, 2
            """
        ).fetchall()
        digest: dict[str, str] = {}
        for schema, table in tables:
            rows = conn.execute(
                sql.SQL("SELECT t::text FROM {}.{} t ORDER BY 1").format(sql.Identifier(schema), sql.Identifier(table))
            ).fetchall()
            # A row's text never holds NUL (PostgreSQL text cannot), so it separates rows unambiguously.
            content = "\0".join(row for (row,) in rows)
            key = table if schema == "public" else f"{schema}.{table}"
            digest[key] = hashlib.sha256(content.encode()).hexdigest()
        return digest


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session, started when a test first asks for it."""
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


_database_numbers = itertools.count(1)


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL (user bookctl, no password) of a fresh empty database, dropped after the test."""
    name = f"t_{next(_database_numbers)}_{os.getpid()}"
    postgres_server.create_database(name)
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
