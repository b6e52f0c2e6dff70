"""The date tables (domain/dates.py) against Babel's CLDR: every weekday and month of a year, the
hours of a day, in each of the six template languages. Babel is a test dependency only."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from babel.dates import format_date, format_time

from bookctl.domain.dates import TABLES, clock_time, long_date

# CLDR's locale for each table: English is written the British way (24-hour clock, day first).
CLDR_LOCALE = {"en": "en_GB", "fr": "fr", "he": "he", "it": "it", "nl": "nl", "ru": "ru"}
YEAR = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]


def plain(text: str) -> str:
    """CLDR's narrow and ordinary no-break spaces as the plain space the tables print."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_there_is_a_table_for_each_template_language():
    from importlib import resources

    folders = {p.name for p in resources.files("bookctl.templates").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert set(TABLES) == folders == set(CLDR_LOCALE)


@pytest.mark.parametrize("language", sorted(CLDR_LOCALE))
def test_every_day_of_a_year_reads_as_cldr_writes_it_in_full(language):
    expected = [plain(format_date(day, format="full", locale=CLDR_LOCALE[language])) for day in YEAR]
    assert [long_date(day, language) for day in YEAR] == expected


@pytest.mark.parametrize("language", sorted(CLDR_LOCALE))
def test_every_minute_of_a_day_reads_as_cldr_writes_it_short(language):
    moments = [time(hour, minute) for hour in range(24) for minute in range(60)]
    expected = [plain(format_time(t, format="short", locale=CLDR_LOCALE[language])) for t in moments]
    assert [clock_time(t, language) for t in moments] == expected


def test_the_printed_dates_hold_no_unusual_spaces():
    assert all(not any(ch in long_date(day, lang) for ch in "\u202f\u00a0") for day in YEAR for lang in TABLES)


@pytest.mark.parametrize(("language", "written"), [
    ("en", "Tuesday, 24 November 2026"),
    ("fr", "mardi 24 novembre 2026"),
    ("he", "יום שלישי, 24 בנובמבר 2026"),
    ("it", "martedì 24 novembre 2026"),
    ("nl", "dinsdag 24 november 2026"),
    ("ru", "вторник, 24 ноября 2026 г."),
])
def test_a_date_carries_its_weekday(language, written):
    assert long_date(date(2026, 11, 24), language) == written


def test_a_regional_tag_uses_its_language():
    assert long_date(date(2026, 11, 24), "nl-BE") == "dinsdag 24 november 2026"
    assert long_date(date(2026, 11, 24), "pt_BR") == "2026-11-24"


@pytest.mark.parametrize("language", ["de", "", None, "x-klingon"])
def test_a_language_without_a_table_gets_iso_8601(language):
    assert long_date(date(2026, 11, 24), language) == "2026-11-24"
    assert clock_time(time(9, 5), language) == "09:05"


def test_hebrew_writes_the_hour_without_a_leading_zero():
    assert clock_time(time(9, 5), "he") == "9:05" and clock_time(time(9, 5), "it") == "09:05"
