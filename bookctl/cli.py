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
from bookctl.context import AppContext, set_root_context
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


class BookctlGroup(TyperGroup):
    """Runs a command and turns whatever it raises into one `error:` line and an exit code."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        code = self._run(args, prog_name or "bookctl", complete_var, extra)
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


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"bookctl {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    store: Annotated[Path | None, typer.Option("--store", help="The store directory (else BOOKCTL_STORE, else the nearest ancestor holding bookctl.toml).", show_default=False)] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Global options go before or after the command: `bookctl --store DIR session list`."""
    ctx.obj = set_root_context(AppContext(store_option=store))


def _register() -> None:
    from bookctl.commands import (calendar, contact, contact_card, demo, doctor, export, invoice, outbox,
                                  payment, provider, setup)

    app.command("init")(setup.init)
    app.command("doctor")(doctor.doctor)
    app.add_typer(setup.config_app, name="config")
    app.add_typer(setup.service_app, name="service")
    app.add_typer(setup.staff_app, name="staff")
    app.add_typer(contact.app, name="contact")
    app.add_typer(contact_card.label_app, name="label")
    app.add_typer(contact_card.field_app, name="field")
    app.add_typer(calendar.app, name="session")
    app.add_typer(demo.app, name="demo")
    app.add_typer(payment.app, name="payment")
    app.add_typer(invoice.invoice_app, name="invoice")
    app.add_typer(invoice.quote_app, name="quote")
    app.add_typer(provider.app, name="provider")
    app.add_typer(export.app, name="export")
    app.add_typer(outbox.app, name="outbox")


_register()


def main() -> None:
    """The `bookctl` console script."""
    app(prog_name="bookctl")
