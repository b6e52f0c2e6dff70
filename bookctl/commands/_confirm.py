"""Confirmation for irreversible actions: asked on a terminal, `--yes` required elsewhere."""

from __future__ import annotations

import sys

import typer

from bookctl.errors import UsageError


def confirm_irreversible(question: str, yes: bool) -> None:
    """Ask `question` on a terminal; without a terminal, only `--yes` lets the action go ahead."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("this cannot be undone; pass --yes to confirm (stdin is not a terminal)")
    typer.confirm(question, abort=True, err=True)
