"""Fixtures the import tests share (imported by name into each test module)."""

from __future__ import annotations

import pytest


@pytest.fixture
def contacts(bookctl, store):  # noqa: ANN001, ANN201
    """contacts() -> every contact's JSON, by email (else first name)."""
    def read() -> dict[str, dict]:
        listed = bookctl("contact", "list", "--store", store, "--format", "json").json()
        full = [bookctl("contact", "show", c["id"], "--store", store, "--format", "json").json() for c in listed]
        return {c["email"] or c["first_name"]: c for c in full}

    return read
