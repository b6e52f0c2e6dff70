"""The root command: global options, the sub-commands, and the ONE place errors become exit codes."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from bookctl import __version__
from bookctl.context import AppContext
from bookctl.errors import (
    BookctlError,
    NotFoundError,
    ProviderError,
    RuleError,
    StoreError,
    UsageError,
)

EXIT_CODES: dict[type[BookctlError], int] = {
    RuleError: 1,
    UsageError: 2,
    NotFoundError: 3,
    StoreError: 4,
    ProviderError: 5,
}


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"error: {message}\n")
    return code


def exit_code_for(exc: BookctlError) -> int:
    """The contract's exit code for a domain error."""
    for kind, code in EXIT_CODES.items():
        if isinstance(exc, kind):
            return code
    return 1


# The sub-commands, in the order `--help` lists them: name -> (module, attribute). A module is
# imported, and its Typer app turned into click commands, only when its command runs: building the
# whole tree cost ~80 ms of every run, more than bookctl's own work on one booking.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "init": ("bookctl.commands.setup", "init"),
    "doctor": ("bookctl.commands.doctor", "doctor"),
    "config": ("bookctl.commands.setup", "config_app"),
    "service": ("bookctl.commands.setup", "service_app"),
    "staff": ("bookctl.commands.staff", "staff_app"),
    "contact": ("bookctl.commands.contact", "app"),
    "label": ("bookctl.commands.contact_card", "label_app"),
    "field": ("bookctl.commands.contact_card", "field_app"),
    "session": ("bookctl.commands.calendar", "app"),
    "schedule": ("bookctl.commands.schedule", "app"),
    "remind": ("bookctl.commands.remind", "app"),
    "waitlist": ("bookctl.commands.waitlist", "app"),
    "plan": ("bookctl.commands.plan", "app"),
    "demo": ("bookctl.commands.demo", "app"),
    "payment": ("bookctl.commands.payment", "app"),
    "invoice": ("bookctl.commands.invoice", "invoice_app"),
    "quote": ("bookctl.commands.invoice", "quote_app"),
    "provider": ("bookctl.commands.provider", "app"),
    "export": ("bookctl.commands.export", "app"),
    "import": ("bookctl.commands.import_", "app"),
    "report": ("bookctl.commands.report", "app"),
    "outbox": ("bookctl.commands.outbox", "app"),
    "webhook": ("bookctl.commands.webhook", "app"),
    "store": ("bookctl.commands.store", "app"),
}


def _load_subcommand(name: str) -> Any:
    """The click command for one entry of SUBCOMMANDS, built as `add_typer`/`command` would, with
    the root app's settings."""
    import importlib

    import typer.main
    from typer.models import CommandInfo, TyperInfo

    import warnings

    module, attribute = SUBCOMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    with warnings.catch_warnings():
        # Typer frowns on click's `shell_complete`, which completion needs (commands/_options.complete_with).
        warnings.filterwarnings("ignore", "In Typer, only the parameter 'autocompletion'", DeprecationWarning)
        if isinstance(target, typer.Typer):
            return typer.main.get_group_from_info(TyperInfo(target, name=name),
                                                  pretty_exceptions_short=app.pretty_exceptions_short,
                                                  rich_markup_mode=app.rich_markup_mode,
                                                  suggest_commands=app.suggest_commands)
        return typer.main.get_command_from_info(CommandInfo(name=name, callback=target),
                                                pretty_exceptions_short=app.pretty_exceptions_short,
                                                rich_markup_mode=app.rich_markup_mode)


COMPLETION_OPTIONS = ("--install-completion", "--show-completion")


def _shell_defaulted(args: list[str]) -> list[str]:
    """`--show-completion` / `--install-completion` with no shell after them mean the current shell:
    the empty value, as click has no options whose value may be left out."""
    found = [i for i, arg in enumerate(args) if arg in COMPLETION_OPTIONS
             and (i + 1 == len(args) or args[i + 1].startswith("-"))]
    for i in reversed(found):
        args.insert(i + 1, "")
    return args


class BookctlGroup(TyperGroup):
    """Runs a command and turns whatever it raises into one `error:` line and an exit code.

    Its sub-commands load lazily, from SUBCOMMANDS, when they are looked up."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        """Every sub-command name, without loading any."""
        return [*SUBCOMMANDS, *(name for name in super().list_commands(ctx) if name not in SUBCOMMANDS)]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        """The named sub-command (a click command), loaded on first use; None if there is none."""
        if cmd_name in SUBCOMMANDS and cmd_name not in self.commands:
            from bookctl.commands._help import add_epilogs
            from bookctl.commands._options import with_raw_option

            self.commands[cmd_name] = add_epilogs(with_raw_option(_load_subcommand(cmd_name)), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        """The root's `--help` ends, like every command's, with an example (built only when shown)."""
        from bookctl.commands._help import epilog

        self.epilog = epilog("", None)
        super().format_epilog(ctx, formatter)

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        """Typer's completion protocol (`_BOOKCTL_COMPLETE=complete_bash` ...), answered by
        commands/_complete.py, which loads only then; it exits once it has answered."""
        if os.environ.get("_BOOKCTL_COMPLETE"):
            from bookctl.commands._complete import main_completion

            main_completion(self, ctx_args, prog_name)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        code = self._run(_shell_defaulted(sys.argv[1:] if args is None else list(args)), prog_name or "bookctl",
                         complete_var, extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, args: Any, prog_name: str, complete_var: str | None, extra: dict[str, Any]) -> int:
        try:
            result = TyperGroup.main(self, args=args, prog_name=prog_name, complete_var=complete_var,
                                     standalone_mode=False, **extra)
            return result if isinstance(result, int) else 0
        except BookctlError as exc:
            return _fail(str(exc), exit_code_for(exc))
        except TyperException as exc:  # click's usage errors: unknown option, missing value, bad choice
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
                sys.stdout.write(ctx.get_help() + "\n")
                return 0
            where = f"{ctx.command_path}: " if ctx is not None else ""
            return _fail(where + exc.format_message().replace("\n", " "), 2 if exc.exit_code == 2 else 1)
        except typer.Abort:
            return _fail("aborted; nothing was changed", 1)
        except typer.Exit as exc:
            return exc.exit_code
        except KeyboardInterrupt:
            return _fail("interrupted", 130)
        except BrokenPipeError:
            # The reader went away (`bookctl ... | head`); there is no one left to tell.
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silences the interpreter's final flush
            return 1
        except Exception as exc:
            if os.environ.get("BOOKCTL_DEBUG") == "1":
                raise
            from pydantic import ValidationError

            if isinstance(exc, ValidationError):
                first = exc.errors()[0]
                field = ".".join(str(p) for p in first["loc"])
                return _fail(f"invalid {field}: {first['msg']}", 2)
            return _fail(f"internal error: {type(exc).__name__}: {exc} (BOOKCTL_DEBUG=1 shows a traceback)", 1)


app = typer.Typer(
    cls=BookctlGroup,
    name="bookctl",
    help="Run an appointment and class business's calendar, clients and payments from the shell.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _completion_script(ctx: typer.Context, param: Any, value: str | None) -> None:
    """--show-completion [SHELL] prints the script; --install-completion [SHELL] installs it."""
    if value is None or ctx.resilient_parsing:
        return
    from bookctl.commands import _complete

    shell = _complete.chosen_shell(value)
    if param.name == "install_completion":
        path = _complete.install(shell)
        sys.stdout.write(f"{shell} completion installed in {path}; it takes effect in a new shell\n")
    else:
        sys.stdout.write(_complete.script(shell) + "\n")
    raise typer.Exit()


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"bookctl {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    store: Annotated[Path | None, typer.Option("--store", help="The store directory (else BOOKCTL_STORE, else the nearest ancestor holding bookctl.toml).", show_default=False)] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
    raw: Annotated[bool, typer.Option("--raw", help="CSV: write text cells as they are, without the ' that keeps a spreadsheet from running one as a formula.")] = False,
    no_hooks: Annotated[bool, typer.Option("--no-hooks", help="Run none of the store's hooks/on-EVENT (as BOOKCTL_NO_HOOKS=1 does).")] = False,
    install_completion: Annotated[str | None, typer.Option(
        "--install-completion", metavar="[bash|zsh|fish]", callback=_completion_script,
        is_eager=True, expose_value=False, show_default=False,
        help="Install Tab completion for SHELL (default: the current one), ids from the store included.")] = None,
    show_completion: Annotated[str | None, typer.Option(
        "--show-completion", metavar="[bash|zsh|fish]", callback=_completion_script,
        is_eager=True, expose_value=False, show_default=False,
        help="Print the completion script for SHELL (default: the current one), to install it by hand.")] = None,
) -> None:
    """Global options go before or after the command: `bookctl --store DIR session list`."""
    from bookctl.output import use_raw_csv

    use_raw_csv(raw)  # for this invocation (a command's own --raw can still turn it on)
    ctx.obj = AppContext(store_option=store, no_hooks=no_hooks)


def main() -> None:
    """The `bookctl` console script."""
    app(prog_name="bookctl")
