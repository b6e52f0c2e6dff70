"""Print a fuzzed command line so that bash can run it again: shlex.join for ordinary arguments, $'...'
for ones holding control or invisible characters, and a short expression for huge repeated ones."""

from __future__ import annotations

import re
import shlex
import unicodedata

LONG = 200


def shell_join(args: tuple[str, ...] | list[str]) -> str:
    """The arguments as one bash command line (see the module docstring)."""
    return " ".join(shell_quote(a) for a in args)


def shell_quote(arg: str) -> str:
    """One argument for bash: shlex.quote when every character is printable, else ANSI-C quoting.

    A lone surrogate U+DC80-U+DCFF is the undecodable byte it stands for (`$'\\xff'`), as Python puts
    it in sys.argv; NUL is shown as `\\0` though no process's argv can hold one."""
    if len(arg) > LONG:
        repeated = _repetition(arg)
        if repeated is not None:
            unit, times = repeated
            literal = '"' + ascii(unit)[1:-1] + '"'  # units hold no quote; a shell's '...' holds the program
            return f"\"$(python3 -c 'import sys; sys.stdout.write({literal} * {times})')\""
        return shell_quote(arg[:LONG]) + f"...[{len(arg)} characters]"
    if all(_plain(c) for c in arg):
        return shlex.quote(arg)
    return "$'" + "".join(_escape(c) for c in arg) + "'"


def _plain(char: str) -> bool:
    return char == " " or unicodedata.category(char)[0] not in "CZ"


def _escape(char: str) -> str:
    if char in "\\'":
        return "\\" + char
    if _plain(char):
        return char
    point = ord(char)
    if 0xDC80 <= point <= 0xDCFF:
        return f"\\x{point - 0xDC00:02x}"
    if point < 0x80:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x00": "\\0"}.get(char, f"\\x{point:02x}")
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"


def _repetition(arg: str) -> tuple[str, int] | None:
    """(unit, times) when `arg` is one short unit repeated."""
    for size in range(1, 9):
        unit = arg[:size]
        if len(arg) % size == 0 and unit * (len(arg) // size) == arg:
            return unit, len(arg) // size
    return None


_RUN = re.compile(r"(.{1,8}?)\1{15,}", re.DOTALL)


def abbreviate(text: str) -> str:
    """`text` with every long run of one repeated unit written as `unit×count`: error messages quote
    the huge values that caused them."""
    return _RUN.sub(lambda m: f"{m.group(1)!r}×{len(m.group(0)) // len(m.group(1))}", text)

