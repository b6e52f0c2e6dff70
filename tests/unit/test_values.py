"""The value kinds every command's input goes through (bookctl/domain/values.py)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookctl.domain import values
from bookctl.errors import UsageError

HOSTILE_IN_A_LINE = ["\x00", "\n", "\r", "\t", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\udcff"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("char", HOSTILE_IN_A_LINE)
def test_a_line_refuses_controls_separators_and_surrogates(char):
    with pytest.raises(UsageError):
        values.line(f"Via{char}Roma", "--address")


@pytest.mark.parametrize("char", BIDI)
def test_a_name_refuses_bidi_overrides_and_isolates(char):
    with pytest.raises(UsageError, match="bidirectional"):
        values.name(f"Ada{char}Lovelace", "--first-name")


def test_a_name_keeps_right_to_left_letters_and_plain_marks():
    assert values.name(" \u05d3\u05e0\u05d4 \u200fכהן ", "--first-name") == "\u05d3\u05e0\u05d4 \u200fכהן"


def test_a_name_is_at_most_200_characters():
    assert values.name("a" * 200, "--first-name") == "a" * 200
    with pytest.raises(UsageError, match="is 201 characters long; the limit is 200"):
        values.name("a" * 201, "--first-name")


def test_text_keeps_newlines_and_turns_crlf_into_lf():
    assert values.text("first line\r\nsecond\nthird", "the note text") == "first line\nsecond\nthird"


@pytest.mark.parametrize("char", ["\t", "\r", "\x00", "\x1b", "\x85", "\u2028"])
def test_text_refuses_every_other_control_character(char):
    with pytest.raises(UsageError, match="control characters"):
        values.text(f"call back{char}tomorrow", "the note text")


def test_text_is_at_most_10000_characters():
    assert len(values.text("x" * 10_000, "the note text")) == 10_000
    with pytest.raises(UsageError, match="the limit is 10000"):
        values.text("x" * 10_001, "the note text")


def test_an_error_about_a_huge_value_stays_short():
    with pytest.raises(UsageError) as refused:
        values.email("@" * 100_000)
    assert len(str(refused.value)) < 100


@pytest.mark.parametrize("address", [
    "ada@example.com", "ada.lovelace+studio@mail.example.co.uk", "o'brien@example.ie", "zoë@例え.jp",
    "ada@例え.jp", "user@xn--r8jz45g.jp", "a_b-c@sub-domain.example.org",
])
def test_one_address_in_dot_atom_form_is_an_email(address):
    assert values.email(f" {address} ") == address


@pytest.mark.parametrize("address", [
    "ada@example.com, bea@example.com", "Ada <ada@example.com>", '"ada"@example.com', "ada@example",
    "ada@@example.com", "ada..l@example.com", ".ada@example.com", "ada@-example.com", "ada@example.c",
    "ada@exa mple.com", "ada@example.com\r\nBcc: all@example.com", "ada\x00@example.com", "a" * 65 + "@example.com",
    "ada@" + "a" * 250 + ".com", "zo\u202eë@example.com", "ada@例え..jp",
])
def test_anything_but_one_address_is_refused(address):
    with pytest.raises(UsageError, match="is not an email address|control characters"):
        values.email(address)


def test_an_internationalised_domain_has_an_ascii_form():
    assert values.ascii_domain("例え.JP") == "xn--r8jz45g.jp"


@pytest.mark.parametrize("number", ["+39 06 1234 5678", "(030) 123-456", "06/123.456", "+123456789012345", "12345"])
def test_a_phone_is_plus_digits_and_separators(number):
    assert values.phone(number) == number


@pytest.mark.parametrize("number", ["+1234567890123456", "1234", "12+34", "++39 06", "06 12 ٣٤ 56", "call me",
                                    "06\n1234567", "+39 06 1234 5678 ext. 2"])
def test_a_phone_with_more_than_15_digits_or_other_characters_is_refused(number):
    with pytest.raises(UsageError, match="is not a phone number"):
        values.phone(number)


@settings(derandomize=True, database=None, max_examples=300)
@given(st.text(min_size=1, max_size=60))
def test_a_line_that_passes_holds_no_character_that_breaks_a_line(raw):
    try:
        checked = values.line(raw, "--address")
    except UsageError:
        return
    assert checked == checked.strip() and checked
    assert not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs") for ch in checked)
    assert checked.encode("utf-8").decode("utf-8") == checked


@settings(derandomize=True, database=None, max_examples=300)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=3, max_size=40))
def test_an_email_that_passes_is_one_encodable_address(raw):
    try:
        checked = values.email(raw)
    except UsageError:
        return
    local, _, domain = checked.rpartition("@")
    assert "@" not in local and "," not in checked and "<" not in checked and not any(ch.isspace() for ch in checked)
    assert values.ascii_domain(domain) is not None
