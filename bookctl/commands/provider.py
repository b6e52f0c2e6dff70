"""`provider`: the payment providers installed (built-in and plugins)."""

from __future__ import annotations

import typer

from bookctl.commands._options import FormatOpt, StoreOpt
from bookctl.output import Format, emit_rows

app = typer.Typer(no_args_is_help=True, help="Payment providers (pluggy plugins).")


@app.command("list")
def provider_list(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> None:  # noqa: ARG001
    """Each provider with its capabilities and origin (builtin, or the distribution that installed it).

    Providers belong to the installation, not the store; --store is accepted like everywhere."""
    from bookctl.providers.manager import providers

    rows = []
    for name, registered in providers().items():
        caps = registered.provider.capabilities.as_dict()
        rows.append({"name": name, "card_charges": caps["card_charges"], "refunds": caps["refunds"],
                     "partial_refunds": caps["partial_refunds"], "invoices": caps["invoices"],
                     "in_person": caps["in_person"], "origin": registered.origin})
    emit_rows(rows, fmt)
