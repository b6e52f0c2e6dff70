"""The CLI suite runs against both backends: each test once on a file store, once on PostgreSQL.

`@pytest.mark.backends("files")` runs a test on one backend only: one about the file store's own
files (damaged JSON, the journal, the day index, file locks), which PostgreSQL does not have, or
one of test_postgres.py, about what only PostgreSQL has.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import tree_digest

BACKENDS = ("files", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends(*names): run the test on these backends only (files, postgres)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        chosen = marker.args if marker else BACKENDS
        assert set(chosen) <= set(BACKENDS), chosen
        metafunc.parametrize("backend", chosen)


# --- helpers many CLI tests share: a command on the test's store, in JSON -------------------------------------


@pytest.fixture
def run(bookctl, store: Path):  # noqa: ANN001, ANN201
    """run(...) with --store and --format json appended."""
    def invoke(*args: str, extra_env: dict[str, str] | None = None):  # noqa: ANN202
        return bookctl(*args, "--store", store, "--format", "json", extra_env=extra_env)

    return invoke


@pytest.fixture
def ok(run):  # noqa: ANN001, ANN201
    """ok(...) -> the JSON of a command that must succeed."""
    def invoke(*args: str, extra_env: dict[str, str] | None = None):  # noqa: ANN202
        result = run(*args, extra_env=extra_env)
        assert result.exit_code == 0, result.stderr
        return result.json()

    return invoke


@pytest.fixture
def refused(run, store: Path):  # noqa: ANN001, ANN201
    """refused(code, ...) -> the one error line of a command that must fail with `code` and change nothing."""
    def invoke(code: int, *args: str) -> str:
        before = tree_digest(store)
        result = run(*args)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert tree_digest(store) == before
        return result.stderr

    return invoke
