"""One Typer app per noun: thin wrappers that parse options, call a service, hand rows to output."""
