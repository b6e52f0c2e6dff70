"""Content-line folding and escaping shared by the vCard and ICS writers (RFC 6350 3.2, RFC 5545 3.1)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bookctl.output.vcard import escape, fold


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=400))
def test_folded_lines_are_at_most_75_octets_and_unfold_to_the_original(line: str) -> None:
    folded = fold(line)
    assert folded.endswith("\r\n")
    pieces = folded[:-2].split("\r\n")
    assert all(len(piece.encode("utf-8")) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert pieces[0] + "".join(piece[1:] for piece in pieces[1:]) == line


def test_a_short_line_is_left_alone() -> None:
    assert fold("FN:Ada Lovelace") == "FN:Ada Lovelace\r\n"


def test_text_values_escape_backslash_comma_semicolon_and_newlines() -> None:
    assert escape("a\\b, c; d\ne\r\nf") == "a\\\\b\\, c\\; d\\ne\\nf"
