"""Exports and listings print, byte for byte, what bookctl printed before the streaming read path.

tests/data/golden/ holds the output of the commands in `golden_store.OUTPUTS`, written by bookctl at
commit 0b480e1 (the model-by-model read path) for the store `golden_store.build` makes. The store is
rebuilt here through the CLI on each backend and every command must print exactly those bytes.
The two `session list` tables were re-captured when #22 replaced the price column with paid/due, and
`contact show` when #23 gave an invoice its `pass_id` and the card its `passes`;
regenerate with `python -m tests.cli.golden_store tests/data/golden` only for an intended change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._payment_fixtures import _builtin_providers_only  # noqa: F401 - autouse
from tests.cli.golden_store import NOW, OUTPUTS, build, outputs

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden"


@pytest.fixture
def run(bookctl):  # noqa: ANN001, ANN201
    def invoke(*args: str) -> str:
        result = bookctl(*args)
        assert result.exit_code == 0, (args, result.stderr)
        return result.stdout

    return invoke


def test_every_export_and_listing_prints_the_bytes_it_printed_before(run, tmp_path: Path, env) -> None:  # noqa: ANN001
    assert env["BOOKCTL_NOW"] == NOW  # the golden files were written at this moment
    root = tmp_path / "store"
    build(run, root)
    printed = outputs(run, root)
    assert sorted(printed) == sorted(p.name for p in GOLDEN.iterdir())
    differing = [name for name, text in printed.items() if text.encode("utf-8") != (GOLDEN / name).read_bytes()]
    assert differing == [], f"differs from tests/data/golden: {differing}"
    assert len(OUTPUTS) == len(printed)
