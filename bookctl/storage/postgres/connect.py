"""Reaching a bookctl database: its URL, connections with one-line errors, and the schema's version.

Apart from the unit of work (unit.py) so that `init`, `config set storage.url` and `store copy`
use the same connection rules without building a store.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bookctl.errors import ProviderError, StoreError, UsageError
from bookctl.storage.postgres.schema import FILLS, LATEST, MIGRATIONS

URL_ENV = "BOOKCTL_DATABASE_URL"
URL_SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_SECONDS = 10
# pg_advisory_xact_lock keys: 'bkct' for writers, 'bkms' for whoever sends the outbox.
WRITE_LOCK = 0x626B6374
SENDING_LOCK = 0x626B6D73


def check_url(url: str, what: str = "--database") -> str:
    """A postgresql:// URL, else UsageError."""
    parts = urlsplit(url.strip())
    if parts.scheme not in URL_SCHEMES or not (parts.path.strip("/") or parts.netloc):
        raise UsageError(f"{what} {redact(url)!r} is not a postgresql://[user@]host[:port]/database URL")
    return url.strip()


def redact(url: str) -> str:
    """The URL without its password: what bookctl.toml keeps and what messages show."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}@{host}" if user else host))


def server_name(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - only for the message; the connection reports the real error
        return redact(url)
    host = str(info.get("host") or "localhost")
    return f"{host}:{info.get('port') or 5432}/{info.get('dbname') or ''}"


def connect(url: str, zone: str, *, autocommit: bool = False) -> Any:  # noqa: ANN401 - a psycopg.Connection
    """A connection whose timestamps come back in the business's zone; one-line errors:
    an unreachable server is ProviderError (exit 5), a refused login or missing database StoreError (exit 4)."""
    try:
        import psycopg
    except ImportError:
        raise StoreError("this store keeps its data in PostgreSQL, and psycopg is not installed: "
                         "pip install 'bookctl[postgres]'") from None
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                               application_name="bookctl", options=f"-c TimeZone={zone}")
    except psycopg.ProgrammingError as exc:
        raise UsageError(f"invalid database URL {redact(url)!r}: {_first_line(exc)}") from None
    except psycopg.OperationalError as exc:
        text = _first_line(exc)
        refused = ("authentication failed", "no password supplied", "does not exist", "not permitted to log in",
                   "no pg_hba.conf entry", "permission denied")
        if any(marker in str(exc) for marker in refused):
            raise StoreError(f"the database server {server_name(url)} refused the connection: {text}") from None
        raise ProviderError(f"cannot reach the database server {server_name(url)}: {text}") from None


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    # libpq puts "connection to server at ... failed:" before the reason; the reason is what helps.
    reason = lines[-1] if lines else type(exc).__name__
    return reason.removeprefix("FATAL:").strip()


def database_error(exc: Exception) -> Exception:
    """A psycopg error raised while working, as the bookctl error a user can act on."""
    import psycopg

    if isinstance(exc, psycopg.errors.LockNotAvailable):
        return StoreError("store is locked by another bookctl; retry")
    if isinstance(exc, psycopg.OperationalError):
        return ProviderError(f"lost the connection to the database server: {_first_line(exc)}")
    if isinstance(exc, psycopg.errors.UndefinedTable):
        return StoreError("the database has no bookctl tables; run 'bookctl store upgrade'")
    diag = getattr(exc, "diag", None)
    message = getattr(diag, "message_primary", None) or _first_line(exc)
    return StoreError(f"the database refused the change: {message}")


def schema_version(conn: Any) -> int | None:  # noqa: ANN401
    """The database's schema version, or None when it has no bookctl tables."""
    found = conn.execute("SELECT to_regclass('bookctl_schema') IS NOT NULL").fetchone()[0]
    if not found:
        return None
    row = conn.execute("SELECT max(version) FROM bookctl_schema").fetchone()
    return row[0] if row and row[0] is not None else 0


def migrate(conn: Any) -> tuple[int, int]:  # noqa: ANN401
    """Apply the missing migrations in one transaction; (version before, version after)."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
    before = schema_version(conn) or 0
    if before > LATEST:
        raise StoreError(f"the database's schema is version {before}, newer than this bookctl knows "
                         f"({LATEST}); upgrade bookctl")
    for version in range(before + 1, LATEST + 1):
        conn.execute(MIGRATIONS[version - 1])
        if version in FILLS:
            FILLS[version](conn)
        conn.execute("DELETE FROM bookctl_schema")
        conn.execute("INSERT INTO bookctl_schema (version) VALUES (%s)", [version])
    conn.commit()
    return before, LATEST


def check_schema(conn: Any) -> None:  # noqa: ANN401
    """StoreError unless the database holds this bookctl's schema."""
    version = schema_version(conn)
    if version is None:
        raise StoreError("the database has no bookctl tables; run 'bookctl store upgrade'")
    if version > LATEST:
        raise StoreError(f"the database's schema is version {version}, newer than this bookctl knows "
                         f"({LATEST}); upgrade bookctl")
    if version < LATEST:
        raise StoreError(f"the database's schema is version {version}, this bookctl needs {LATEST}; "
                         "run 'bookctl store upgrade'")

