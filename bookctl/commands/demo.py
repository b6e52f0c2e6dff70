"""`demo seed`: fill an empty store with a realistic studio for demos, fixtures and benchmarks."""

# No `from __future__ import annotations`: Typer evals string annotations at every start-up (see contact.py).

import sys
from typing import Annotated, Optional

import typer

from bookctl.commands._options import FormatOpt, StoreOpt, app_context
from bookctl.output import Format, emit

app = typer.Typer(no_args_is_help=True, help="Demo data for trying bookctl out, fixtures and benchmarks.")


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // total if total else width
    sys.stderr.write(f"\rseeding [{'#' * filled}{'.' * (width - filled)}] {done}/{total} bookings")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


@app.command("seed")
def demo_seed(
    contacts: Annotated[int, typer.Option("--contacts", help="How many contacts.")] = 50,
    bookings: Annotated[int, typer.Option("--bookings", help="How many bookings.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="The random seed: the same arguments give the same files.")] = 1,
    start: Annotated[Optional[str], typer.Option("--start", help="The day the demo calls today, YYYY-MM-DD (default: today).", show_default=False)] = None,
    days: Annotated[Optional[int], typer.Option("--days", help="How many days the calendar spans, half before --start (default: 14 up to 365 as bookings grow).", show_default=False)] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Fill an empty store with a studio: services, staff, contacts, past and upcoming bookings."""
    from bookctl.errors import RuleError, UsageError
    from bookctl.services.demo import default_days, seed as seed_store
    from bookctl.services.lookups import zone_of
    from bookctl.timeutil import parse_date

    ctx = app_context(store)
    with ctx.store().write() as uow:
        first = parse_date(start, "--start") if start else ctx.clock().astimezone(zone_of(uow)).date()
        if contacts < 1 or bookings < 0:
            raise UsageError("--contacts must be at least 1 and --bookings at least 0")
        if contacts > 1_000_000 or bookings > 10_000_000:
            raise UsageError("--contacts is limited to 1000000 and --bookings to 10000000")
        if not 1 <= (days or default_days(bookings)) <= 3660:
            raise UsageError("--days must be between 1 and 3660")
        summary = seed_store(uow, contacts=contacts, bookings=bookings, seed_value=seed, start=first, days=days,
                             progress=_progress_bar if sys.stderr.isatty() else None)
        if summary["bookings"] != bookings:  # never hand back fewer bookings than asked for without saying so
            raise RuleError(f"could fit only {summary['bookings']} of {bookings} bookings in {summary['days']} days; "
                            "give more --days")
        uow.commit()
    emit(summary, fmt)
