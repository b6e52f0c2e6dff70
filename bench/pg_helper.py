"""PostgreSQL databases for a benchmark, made by a helper process that owns the server.

    python bench/pg_helper.py [--database-url postgresql://ADMIN@HOST/DB] [--fast]

Run by backends.py through `PostgresHelper`, not by hand. The helper starts a throwaway cluster
(tests/pg_server.py's, durable unless --fast), or connects to an existing server with an admin URL
that may create databases. It prints one JSON line with the server's version and settings, then
answers each line "create NAME" on stdin with one JSON line holding the new database's URL. At
the end of stdin, on SIGTERM or on Ctrl-C it stops the server (or drops the databases it made).

Why a separate process: psycopg, and pytest which pg_server imports, would add about 20 MiB to
the benchmark's own peak RSS, and that is the lowest peak RSS a child it spawns can read as
(peer.floor_kib). And if the benchmark dies, even by SIGKILL, its end of the pipe closes and the
helper still cleans up.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
# The test suite's cluster runs without durability, for speed; the file store fsyncs every commit,
# so the benchmark's cluster does too, with PostgreSQL's default shared_buffers.
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on", "shared_buffers": "128MB",
           "max_connections": "100"}
SHOWN = ("server_version", "fsync", "synchronous_commit", "full_page_writes", "shared_buffers")


class PostgresHelper:
    """The benchmark's side: it starts the helper, asks it for databases and ends it."""

    def __init__(self, admin_url: str | None, fast: bool) -> None:
        argv = [sys.executable, str(Path(__file__).resolve())]
        argv += ["--database-url", admin_url] if admin_url else []
        argv += ["--fast"] if fast else []
        self.helper = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.info = self._answer()  # server_version, the SHOWN settings, and where the server is

    def _answer(self) -> dict[str, str]:
        line = self.helper.stdout.readline()
        answer = json.loads(line) if line else {"error": f"the helper ended (exit {self.helper.wait()})"}
        if "error" in answer:
            sys.exit(f"PostgreSQL is not available: {answer['error']}\n(the throwaway cluster needs Debian's "
                     "`postgresql` package, and pytest for tests/pg_server.py; or give --database-url "
                     "postgresql://ADMIN@HOST/DB of a server where it may create databases)")
        return answer

    def create(self, name: str) -> str:
        """A new empty database: its URL."""
        self.helper.stdin.write(f"create {name}\n")
        self.helper.stdin.flush()
        return self._answer()["url"]

    def close(self) -> None:
        """End the helper, which stops its server or drops its databases (also after Ctrl-C)."""
        try:
            self.helper.stdin.close()
        except OSError:  # the helper is gone already
            pass
        try:
            self.helper.wait(timeout=120)
        except KeyboardInterrupt:  # a second Ctrl-C: the helper still finishes on its own
            pass


def serve(admin_url: str | None, fast: bool) -> int:
    """The helper's side: the server, then one answer per request line, then the clean-up."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    import psycopg
    from psycopg import sql

    server = admin = None
    made: list[str] = []
    try:
        try:
            if admin_url:
                admin = psycopg.connect(admin_url, autocommit=True)
                settings = {name: admin.execute(f"SHOW {name}").fetchone()[0] for name in SHOWN}
            else:
                sys.path.insert(0, str(REPO))
                from tests import pg_server

                if not fast:
                    pg_server.SETTINGS = DURABLE
                server = pg_server.PostgresServer()
                settings = {name: server.execute("postgres", f"SHOW {name}")[0][0] for name in SHOWN}
        except Exception as exc:  # noqa: BLE001 - reported to the benchmark, which stops with it
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
            return 1
        where = "an existing server" if admin_url else "a throwaway cluster on 127.0.0.1"
        print(json.dumps({**settings, "where": where}), flush=True)
        try:
            for line in sys.stdin:
                name = line.split()[1]
                made.append(name)
                if server is not None:
                    server.create_database(name)
                    url = server.url(name)
                else:
                    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    url = urlsplit(admin_url)._replace(path="/" + name).geturl()
                print(json.dumps({"url": url}), flush=True)
        except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the benchmark reports it
            pass
    finally:
        if server is not None:
            server.stop()
        if admin is not None:
            for name in made:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, metavar="URL",
                        help="an existing server's admin URL, allowed to create databases "
                             "(default: a throwaway cluster)")
    parser.add_argument("--fast", action="store_true",
                        help="the throwaway cluster without durability, as the test suite runs it")
    args = parser.parse_args()
    return serve(args.database_url, args.fast)


if __name__ == "__main__":
    sys.exit(main())
