"""Domain errors. Each kind maps to one exit code, and only `cli.py` knows which."""


class BookctlError(Exception):
    """Base of every error a user can act on; the message is shown as `error: <message>`."""


class RuleError(BookctlError):
    """A business rule refused the operation (a full class, a refund larger than what was paid)."""


class UsageError(BookctlError):
    """The command line or a value on it is invalid."""


class NotFoundError(BookctlError):
    """An id names nothing in the store."""


class StoreError(BookctlError):
    """The store is missing, locked, unreadable, corrupt or from a newer bookctl."""


class ProviderError(BookctlError):
    """A payment provider or mail server is unreachable or failed."""
