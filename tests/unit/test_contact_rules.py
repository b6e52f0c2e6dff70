"""General rules of the contact card, over many generated values: search folding and field checks."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookctl.errors import UsageError
from bookctl.services.contact_fields import check_custom, check_language
from bookctl.services.lookups import fold

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None)
COMBINING = ["\u0300", "\u0301", "\u0302", "\u0303", "\u0308", "\u030a", "\u0327", "\u030c"]


@SETTINGS
@given(base=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ", min_size=1, max_size=20),
       marks=st.lists(st.sampled_from(COMBINING), max_size=20), form=st.sampled_from(["NFC", "NFD"]))
def test_fold_ignores_case_and_accents_in_either_normal_form(base, marks, form):
    accented = "".join(ch + (marks[i] if i < len(marks) and ch != " " else "") for i, ch in enumerate(base))
    assert fold(unicodedata.normalize(form, accented)) == base.lower()


@SETTINGS
@given(text=st.text(max_size=30))
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@SETTINGS
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_date_fields_store_any_real_day_in_iso_form(day):
    assert check_custom("date", day.isoformat(), "d") == day.isoformat()


@SETTINGS
@given(year=st.integers(1900, 2100), month=st.integers(1, 12), day=st.integers(29, 31))
def test_date_fields_refuse_days_a_month_lacks(year, month, day):
    try:
        real = date(year, month, day)
    except ValueError:
        real = None
    typed = f"{year:04d}-{month:02d}-{day:02d}"
    if real is None:
        with pytest.raises(UsageError):
            check_custom("date", typed, "d")
    else:
        assert check_custom("date", typed, "d") == typed


@SETTINGS
@given(text=st.text(min_size=1, max_size=12).filter(lambda t: any(c.isalpha() for c in t)))
def test_number_fields_refuse_anything_with_letters(text):
    with pytest.raises(UsageError):
        check_custom("number", text, "n")


@pytest.mark.parametrize(("typed", "kept"), [("fr", "fr"), ("PT-br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"),
                                             ("sr-latn", "sr-Latn"), ("es-419", "es-419"), ("de-CH-1996", "de-CH-1996")])
def test_language_tags_keep_their_usual_letter_case(typed, kept):
    assert check_language(typed) == kept
