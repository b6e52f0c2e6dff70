"""A crash harness for money (issue 15): `kill -9` bookctl between a provider's answer and the commit
that records it, then check the ledger against the provider's own books.

The child runs payments in a loop, in-process, through the sandbox or through Stripe (a localstripe
that replays keys as Stripe does). Right after the provider has answered (the money has moved there)
it prints `SENT` and flushes; the parent then waits a random moment, a few milliseconds at most, and
kills it: inside the answer's commit, just before it, or just after. A write-ahead intent must mean
that every charge and refund the provider holds (the sandbox's books; localstripe's list endpoints)
has a ledger entry with its key, whatever the moment; `payment reconcile` then settles what is
pending, and the sums agree to the cent.

Used by tests/cli/test_money_crash.py (a few trials in CI) and bench/crash_soak.py --money (more).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.harness.crash import Runner

DRIVER = textwrap.dedent('''
    import contextlib, io, json, random, sys
    from bookctl.cli import app
    from bookctl.providers.builtin import sandbox

    store, seed, provider = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    cards = {"sandbox": ["tok_visa", "tok_lostAnswer"], "stripe": ["pm_card_visa"]}[provider]

    def reporting(call):
        def answered(self, *args):
            try:
                return call(self, *args)
            finally:
                print("SENT", file=sys.__stdout__, flush=True)  # the provider has moved the money
        return answered

    if provider == "sandbox":
        sandbox.SandboxProvider._answer = reporting(sandbox.SandboxProvider._answer)
    else:
        from bookctl.providers.builtin.stripe import StripeProvider

        StripeProvider.charge = reporting(StripeProvider.charge)
        StripeProvider.refund = reporting(StripeProvider.refund)

    def run(*args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            try:
                code = app(args=[*args, "--store", store, "--format", "json"], prog_name="bookctl",
                           standalone_mode=False)
            except SystemExit as exit:
                code = exit.code
        return code, out.getvalue()

    for n in range(1000):
        code, out = run("payment", "reconcile")  # whatever an earlier kill left pending
        code, out = run("contact", "add", "--first-name", f"Payer{seed}x{n}")
        contact = json.loads(out)["id"]
        code, out = run("session", "book", "--service", "physiotherapy", "--contact", contact,
                        "--start", f"2026-12-{1 + rng.randrange(28):02d} {8 + rng.randrange(10):02d}:00")
        if code != 0:
            continue
        booking = json.loads(out)["id"]
        card = rng.choice(cards)
        for _ in range(2):  # a lost answer: the retry resumes it
            code, _ = run("payment", "collect", booking, "--method", "card", "--provider", provider, "--card", card)
            if code == 0:
                break
        for _ in range(2):
            code, _ = run("payment", "refund", booking, "--amount", str(1 + rng.randrange(40)))
            if code == 0:
                break
''')


def run_money_trial(root: Path, seed: int, rng: random.Random, env: dict[str, str], provider: str = "sandbox") -> int:
    """Start the payer, let the provider answer a few times, and kill -9 it just after one answer.
    Returns how many provider answers the child reported."""
    child = subprocess.Popen([sys.executable, "-c", DRIVER, str(root), str(seed), provider], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env)
    assert child.stdout is not None
    sent = 0
    try:
        target = rng.randint(1, 6)
        while sent < target:
            line = child.stdout.readline()
            if not line:
                break
            sent += line.startswith("SENT")
        time.sleep(rng.uniform(0, 0.004))  # inside, before or after the commit that records the answer
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
    return sent


Records = Callable[[], dict[str, dict[str, dict[str, Any]]]]


def sandbox_records(root: Path) -> Records:
    """The sandbox's books: {"charges": {reference: {key, amount}}, "refunds": ...}."""
    from bookctl.providers.builtin.sandbox import read_books

    return lambda: read_books(root / "providers" / "sandbox")


def stripe_records(client: Any) -> Records:  # noqa: ANN401 - a stripe.StripeClient
    """What a Stripe-compatible server holds, from its list endpoints, in the sandbox's shape."""
    def records() -> dict[str, dict[str, dict[str, Any]]]:
        intents = client.v1.payment_intents.list(params={"limit": 100}).data
        refunds = client.v1.refunds.list(params={"limit": 100}).data
        assert len(intents) < 100 and len(refunds) < 100, "more than one page: read them all"
        return {"charges": {i.id: {"key": i.metadata.to_dict()["bookctl_key"], "amount": i.amount}
                            for i in intents if i.status == "succeeded"},
                "refunds": {r.id: {"key": r.metadata.to_dict()["bookctl_key"], "amount": r.amount} for r in refunds}}

    return records


def check_money(root: Path, run: Runner, records: Records | None = None, provider: str = "sandbox") -> list[str]:
    """Every disagreement between the ledger and what the provider holds, before and after reconcile."""
    records = records or sandbox_records(root)
    problems = []
    code, out, err = run("payment", "list", "--store", root, "--format", "json")
    if code != 0:
        return [f"payment list after the kill exited {code}: {err.strip()}"]
    by_key = {e["idempotency_key"]: e for e in json.loads(out) if e.get("idempotency_key")}
    books = records()
    for kind in ("charges", "refunds"):
        for reference, movement in books[kind].items():
            entry = by_key.get(movement["key"])
            if entry is None:
                problems.append(f"the provider's {kind[:-1]} {reference} has no ledger entry")
            elif _cents(entry["amount"]["amount"]) != movement["amount"]:
                problems.append(f"{entry['id']} is {entry['amount']['amount']}, the provider's {reference} "
                                f"{movement['amount']} cents")
    code, _, err = run("payment", "reconcile", "--store", root, "--format", "json")
    if code != 0:
        problems.append(f"payment reconcile after the kill exited {code}: {err.strip()}")
    code, out, _ = run("payment", "list", "--store", root, "--format", "json")
    entries = json.loads(out)
    books = records()
    by_key = {e["idempotency_key"]: e for e in entries if e.get("idempotency_key")}
    for kind in ("charges", "refunds"):
        for reference, movement in books[kind].items():
            entry = by_key.get(movement["key"], {})
            if entry.get("status") != "succeeded":
                problems.append(f"the provider's {kind[:-1]} {reference} is {entry.get('status')} in the ledger "
                                f"after reconcile ({entry.get('id')}: {entry.get('failure')})")
    for kind in ("charge", "refund"):
        ledger = sum(_cents(e["amount"]["amount"]) for e in entries
                     if e["kind"] == kind and e["status"] == "succeeded" and e["provider"] == provider)
        held = sum(m["amount"] for m in books[f"{kind}s"].values())
        if ledger != held:
            problems.append(f"succeeded {kind}s in the ledger sum to {ledger}, the provider's to {held}")
    pending = [e["id"] for e in entries if e["status"] == "pending"]
    if pending:
        problems.append(f"still pending after reconcile: {pending}")
    return problems


def _cents(text: str) -> int:
    units, _, cents = text.partition(".")
    return int(units) * 100 + int(cents)
