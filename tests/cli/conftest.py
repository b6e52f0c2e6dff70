"""The CLI suite runs against both backends: each test once on a file store, once on PostgreSQL.

`@pytest.mark.backends("files")` runs a test on one backend only: one about the file store's own
files (damaged JSON, the journal, the day index, file locks), which PostgreSQL does not have, or
one of test_postgres.py, about what only PostgreSQL has.
"""

from __future__ import annotations

import pytest

BACKENDS = ("files", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends(*names): run the test on these backends only (files, postgres)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        chosen = marker.args if marker else BACKENDS
        assert set(chosen) <= set(BACKENDS), chosen
        metafunc.parametrize("backend", chosen)
