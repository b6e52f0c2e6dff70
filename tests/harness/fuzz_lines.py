"""The fuzz campaign's command lines: every command of the CLI with a random choice of its own options and
arguments, each value drawn from the kind (tests/harness/fuzz_values.py) its name says it is.

The commands and their parameters are read from the CLI itself, so one added later is fuzzed without
editing this; a parameter whose name is not known here gets hostile text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import typer
import typer.main

from bookctl.cli import app
from tests.harness import fuzz_values as v
from tests.harness.fuzz_shell import shell_join

command_of = functools.cache(typer.main.get_command)
Draw = Callable[[v.Chooser, int], str]


@dataclass(frozen=True)
class Line:
    """One command line, run in the workspace; `store` is the store directory it works on."""

    args: tuple[str, ...]
    command: tuple[str, ...]
    store: str
    values: tuple[tuple[str, str], ...] = ()  # (parameter: an option like --email or an argument's name, value)

    def shell(self) -> str:
        """The line as bash would run it again from the workspace."""
        return "bookctl " + shell_join(self.args)

    def __repr__(self) -> str:  # how a falsifying example is printed: values may be 100k characters long
        return f"Line({self.shell()!r})"

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # noqa: ANN001 - hypothesis's pretty printer
        printer.text(repr(self))


def leaves(command=None, path: tuple[str, ...] = ()):  # noqa: ANN001, ANN201
    """(path, click command) of every command of the CLI, e.g. (("session", "book"), <command>)."""
    command = command or command_of(app)
    if hasattr(command, "list_commands"):  # a group, whose sub-commands load lazily
        ctx = typer.Context(command)
        for name in sorted(command.list_commands(ctx)):
            yield from leaves(command.get_command(ctx, name), (*path, name))
    else:
        yield path, command


COMMANDS = list(leaves())

# Options whose value is the same kind of thing in every command, by name.
OPTIONS: dict[str, object] = {
    "--start": v.WHEN, "--from": v.DAY, "--to": v.DAY, "--day": v.DAY, "--due": v.DAY, "--birthday": v.DAY,
    "--week": v.WEEK, "--month": v.MONTH, "--price": v.AMOUNT, "--deposit": v.AMOUNT, "--cancellation-fee": v.AMOUNT,
    "--no-show-fee": v.AMOUNT, "--amount": v.AMOUNT, "--duration": v.COUNT, "--capacity": v.COUNT,
    "--cancellation-window-hours": v.COUNT, "--seed": v.COUNT, "--first-name": v.NAME, "--last-name": v.NAME,
    "--name": v.NAME, "--business": v.NAME, "--company": v.NAME, "--position": v.NAME, "--author": v.NAME,
    "--search": v.NAME, "--address": v.ADDRESS, "--email": v.EMAIL, "--phone": v.PHONE, "--language": v.LANGUAGE,
    "--tax-id": v.TAX_ID, "--currency": v.CURRENCY, "--timezone": v.ZONE, "--label": v.LABEL, "--reason": v.LINE,
    "--reference": v.Kind(("ref-1", "ch_123")), "--item": v.pair(v.NAME, v.AMOUNT),
    "--form": v.pair(v.Kind(("injury", "first_visit", "notes")), v.LINE),
    "--method": v.choice_kind(("card", "invoice", "in-person")),
    "--provider": v.choice_kind(("sandbox", "manual", "invoice")), "--card": v.CARD,
    "--idempotency-key": v.Kind(("k-1", "k-2", "order-42")), "--kind": v.choice_kind(("appointment", "class", "course")),
    "--as": v.choice_kind(("succeeded", "failed")), "--attendance": v.choice_kind(("booked", "checked_in", "no_show")),
    "--status": v.choice_kind(("confirmed", "cancelled")), "--output": v.OUTPUT, "--database": v.DATABASE,
}
# Arguments, by their parameter name; ids are filled in from the store's own.
ARGUMENTS: dict[str, object] = {
    "text": v.TEXT, "name": v.NAME, "labels": v.LABEL, "key": v.CONFIG_KEY, "field": v.FIELD, "file": v.ATTACH_FILE,
    "directory": v.INIT_DIR,
}
ID_ARGUMENTS = {"contact_id": "contact", "booking": "booking", "ref": "booking", "service": "service",
                "task_id": "task", "attachment_id": "attachment", "message": "message"}
ID_OPTIONS = {"--service": "service", "--staff": "staff", "--assignee": "staff", "--contact": "contact",
              "--booking": "booking", "--session": "session", "--mark": "payment"}
# Where one command's parameter differs from what its name means elsewhere.
OVERRIDES: dict[tuple[tuple[str, ...], str], object] = {
    (("contact", "add-field"), "value"): v.FIELD_VALUE, (("contact", "remove-field"), "value"): v.FIELD_VALUE,
    (("config", "set"), "value"): v.CONFIG_VALUE,
    (("contact", "add-field"), "--type"): v.choice_kind(("text", "number", "date", "url")),
    (("contact", "note", "add"), "--type"): v.choice_kind(("note", "meeting-summary", "call-summary")),
    (("session", "attendance"), "value"): v.choice_kind(("booked", "checked_in", "no_show")),
    (("store", "copy"), "--to"): v.COPY_TARGET, (("contact", "attach"), "--name"): v.ATTACHMENT_NAME,
    (("demo", "seed"), "--contacts"): v.SEED_CONTACTS, (("demo", "seed"), "--bookings"): v.SEED_BOOKINGS,
    (("demo", "seed"), "--days"): v.SEED_DAYS, (("invoice", "pay"), "--method"): v.Kind(("bank-transfer", "cash")),
}
# Options that are optional to click but that a command needs to do its work: given as often as required ones.
USUAL: dict[tuple[str, ...], set[str]] = {
    ("session", "book"): {"--service", "--start", "--session"}, ("payment", "collect"): {"--card"},
    ("invoice", "create"): {"--item"}, ("quote", "create"): {"--item"},
    ("demo", "seed"): {"--contacts", "--bookings", "--days"},
}
# Options that make sense only beside another option's value: left out nine times in ten otherwise.
ONLY_WITH: dict[tuple[tuple[str, ...], str], tuple[str, str]] = {
    (("payment", "collect"), "--card"): ("--method", "card"), (("payment", "collect"), "--save-card"): ("--method", "card"),
}
# Options of two ways to run one command (book a new session, or join one): one way is chosen.
ONE_WAY_OR_THE_OTHER: dict[tuple[str, ...], tuple[set[str], set[str]]] = {
    ("session", "book"): ({"--service", "--start", "--staff"}, {"--session"}),
}


class Generator:
    """Random command lines for the workspace's stores, from their real ids and hostile values."""

    def __init__(self, ids: dict[str, tuple[str, ...]]) -> None:
        extra = {"booking": ids["session"][:2], "service": ("Physiotherapy", "Yoga Flow"), "staff": ("Giulia Romano",)}
        self.ids: dict[str, v.Kind] = {}
        for kind, found in ids.items():
            real = tuple(dict.fromkeys((*found, *extra.get(kind, ()))))
            self.ids[kind] = v.Kind(real, v.ids_like(real))

    def kind_of(self, path: tuple[str, ...], param) -> Draw:  # noqa: ANN001 - a click parameter
        """How to draw a value for one parameter of one command."""
        argument = param.param_type_name == "argument"
        name = param.name if argument else param.opts[0]
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        if name == "record_id":  # invoice show ID, quote accept ID, ...
            found = self.ids[path[0]]
        elif (path, name) in OVERRIDES:
            found = OVERRIDES[(path, name)]
        elif name in (ID_ARGUMENTS if argument else ID_OPTIONS):
            found = self.ids[(ID_ARGUMENTS if argument else ID_OPTIONS)[name]]
        else:
            found = (ARGUMENTS if argument else OPTIONS).get(name)
        if found is None and isinstance(annotation, type) and issubclass(annotation, Enum):
            found = v.choice_kind([member.value for member in annotation])
        if found is None:
            found = v.COUNT if annotation is int else v.TEXT
        return found.draw if isinstance(found, v.Kind) else found

    def line(self, chooser: v.Chooser, command: tuple | None = None) -> Line:
        """One command (`command`, else a random one) with a random choice of its options and arguments."""
        path, click_command = command or v.pick(chooser, COMMANDS)
        positional: list[str] = []
        options: list[str] = []
        values: list[tuple[str, str]] = []
        skipped_argument = False
        params = [p for p in click_command.params if p.name != "store"]
        # One parameter in focus takes mostly hostile values and the rest mostly valid ones, so that a
        # finding names the value that caused it; or (focus past the end) every value is a coin toss.
        focus = chooser.below(len(params) + 1)
        ways = ONE_WAY_OR_THE_OTHER.get(path)
        unwanted = ways[chooser.below(4) != 0] if ways else set()  # the other way's options (mostly --session)
        for index, param in enumerate(params):
            kind = self.kind_of(path, param)
            key = param.name if param.param_type_name == "argument" else param.opts[0]
            partner = ONLY_WITH.get((path, key))
            if (key in unwanted or (partner and dict(values).get(partner[0]) != partner[1])) and chooser.below(10):
                continue
            level = 1 if focus == len(params) else 2 if index == focus else 0

            def draw() -> str:
                value = kind(chooser, level)  # noqa: B023 - used at once, in this iteration
                values.append((key, value))  # noqa: B023 - used at once, in this iteration
                return value

            if param.param_type_name == "argument":
                if param.nargs == -1:
                    positional += [draw() for _ in range(1 + chooser.below(3))]
                elif not skipped_argument and (param.required or chooser.below(2)):
                    positional.append(draw())
                else:
                    skipped_argument = True  # a later argument would take this one's place
            elif getattr(param, "is_flag", False):
                if (chooser.below(4) != 0) if param.opts[0] == "--yes" else (chooser.below(4) == 0):
                    options.append(param.opts[0])
            elif chooser.below(10) < (9 if param.required or key in USUAL.get(path, ()) else 4):
                for _ in range(1 + chooser.below(3) if param.multiple else 1):
                    options += [param.opts[0], draw()]
        if path == ("init",):
            store = positional[0] if positional else "."  # init takes its directory, not --store
        else:
            empty = chooser.below(4) != 0 if path == ("demo", "seed") else chooser.below(12) == 11
            store = "empty" if empty else "store"
            options += ["--store", store]
        if positional and chooser.below(4) == 3:
            args = [*path, *options, "--", *positional]  # so that a value starting with '-' is an argument
        else:
            args = [*path, *positional, *options]
        return Line(tuple(args), path, store, tuple(values))
