"""The fuzz campaign (tests/harness/fuzz.py) in CI: a few hundred random command lines over every
command, from hostile values (control characters, bidi marks, huge strings, odd unicode, dates, amounts
and ids at the edges), each checked for every promise of the contract and of issue #16.

Each example copies a small studio's workspace and runs one to three lines in it. bench/fuzz.py runs
the same campaign at 10,000 lines and prints counts by exit code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bookctl.providers import manager
from tests.harness import fuzz_values as v
from tests.harness.fuzz import Campaign, build_workspace, describe
from tests.harness.fuzz_lines import COMMANDS, Generator

# Examples per noun, roughly by how many commands it has and how much code they reach; "other" is every
# noun not named here (doctor, provider, field, label, and any added later).
BUDGET = {"contact": 90, "session": 75, "payment": 60, "invoice": 30, "quote": 20, "service": 40, "staff": 15,
          "config": 30, "export": 45, "outbox": 15, "init": 25, "demo": 15, "store": 15, "other": 25}
# The contract's commands from "Store discovery" to "Provider faults": the campaign must reach them all.
CONTRACT = [("init",), ("config", "show"), ("config", "set"), ("service", "add"), ("service", "list"),
            ("service", "show"), ("service", "edit"), ("service", "remove"), ("staff", "add"), ("staff", "list"),
            ("demo", "seed"), ("provider", "list"), ("field", "list"), ("session", "add"), ("session", "book"),
            ("session", "list"), ("session", "show"), ("session", "checkin"), ("session", "no-show"),
            ("session", "attendance"), ("session", "cancel"), ("session", "reschedule"), ("payment", "collect"),
            ("payment", "refund"), ("payment", "list"), ("payment", "reconcile"), ("invoice", "create"),
            ("invoice", "list"), ("invoice", "show"), ("invoice", "pay"), ("invoice", "void"), ("quote", "create"),
            ("quote", "list"), ("quote", "show"), ("quote", "accept"), ("contact", "add"), ("contact", "list"),
            ("contact", "show"), ("contact", "edit"), ("contact", "delete"), ("contact", "add-field"),
            ("contact", "label"), ("contact", "unlabel"), ("label", "list"), ("contact", "note", "add"),
            ("contact", "note", "list"), ("contact", "task", "add"), ("contact", "task", "list"),
            ("contact", "task", "done"), ("contact", "attach"), ("contact", "attachments"),
            ("contact", "attachment", "get"), ("contact", "bookings"), ("contact", "form-responses"),
            ("export", "bookings"), ("export", "contacts"), ("outbox", "list"), ("outbox", "show"),
            ("outbox", "send"), ("doctor",)]


class Drawn:
    """A Chooser over a random.Random that hypothesis hands out (st.randoms): it picks the seeds, so the
    run is the same every time, and the lines are as varied as bench/fuzz.py's."""

    def __init__(self, rng) -> None:  # noqa: ANN001 - hypothesis's Random
        self.rng = rng

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return self.rng.randrange(n)


@st.composite
def scripts(draw, generator: Generator, commands: list):  # noqa: ANN001, ANN201
    """One to three command lines of the given commands."""
    chooser = Drawn(draw(st.randoms(use_true_random=True)))
    return [generator.line(chooser, v.pick(chooser, commands)) for _ in range(1 + chooser.below(3))]


def commands_of(group: str) -> list:
    """The CLI's commands under one noun of BUDGET (for "other": under no noun of it)."""
    if group == "other":
        return [c for c in COMMANDS if c[0][0] not in BUDGET]
    return [c for c in COMMANDS if c[0][0] == group]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the campaign's workspaces go: one base, and a copy of it for each example."""
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def studio(scratch: Path) -> tuple[Path, dict[str, tuple[str, ...]]]:
    """The campaign's workspace, made once: (its directory, the ids its store holds by kind)."""
    manager.reset()  # only the built-in providers (the harness sets BOOKCTL_LOAD_PLUGINS="")
    root = scratch / "base"
    yield root, build_workspace(root)
    manager.reset()


def test_the_campaign_reaches_every_command_of_the_contract() -> None:
    reached = {path for path, _ in COMMANDS}
    assert [c for c in CONTRACT if c not in reached] == []
    assert all(commands_of(group) for group in BUDGET)


@pytest.mark.parametrize("group", list(BUDGET))
def test_hostile_command_lines_keep_every_promise(group: str, studio, scratch: Path) -> None:  # noqa: ANN001
    base, ids = studio
    generator = Generator(ids)

    # No shrinking (nor explaining): each line already puts one parameter in focus, a step costs a store
    # copy and a few commits, and hundreds of steps would take minutes. bench/fuzz.py groups by cause.
    @settings(max_examples=BUDGET[group], derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.reuse, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(script=scripts(generator, commands_of(group)))
    def fuzz(script: list) -> None:
        workspace = scratch / "workspace"
        shutil.rmtree(workspace, ignore_errors=True)
        shutil.copytree(base, workspace, symlinks=True)
        campaign = Campaign(workspace)
        for line in script:
            _, findings = campaign.run(line)
            assert not findings, "\n".join(describe(f) for f in findings)

    fuzz()
