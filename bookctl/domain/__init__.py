"""Pure data and rules: no I/O, no Typer, no clock reads."""
