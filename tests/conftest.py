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
from tests.stripe_server import localstripe, private_localstripe  # noqa: F401  (fixtures for every test)

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
def bookctl(env: dict[str, str], monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Call the CLI in-process: bookctl("session", "list", "--store", dir) -> Run."""
    monkeypatch.setattr(typer.testing, "_get_command", _command_of)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, extra_env: dict[str, str] | None = None) -> Run:
        result = runner.invoke(app, [str(a) for a in args], input=input, env=extra_env, catch_exceptions=False)
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
    """sha256 of every file under `root` (lock file aside): to prove a command changed nothing."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".bookctl.lock"
    }
