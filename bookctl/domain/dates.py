"""Dates and times as the email templates' six languages write them (#22): "Tuesday, 24 November
2026" at "10:00", "martedì 24 novembre 2026", "вторник, 24 ноября 2026 г.", "יום שלישי, 24 בנובמבר 2026".

The tables are CLDR's full date and short time formats, written out once so that sending mail needs
no locale data at run time (tests/unit/test_dates.py checks every weekday and month against Babel's
CLDR). Where CLDR puts a narrow no-break space (U+202F, as in Russian "2026 г.") these print a
plain space: some mail readers and terminals show U+202F as a box. English is CLDR's en_GB (a
24-hour clock, the day before the month); a language without a table gets ISO 8601.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time


@dataclass(frozen=True)
class DateWords:
    """One language's names and patterns: `pattern` takes {weekday} {day} {month} {year};
    `clock` takes {hour} {hour2} (zero-padded) {minute}."""

    weekdays: tuple[str, ...]  # Monday first, as date.weekday() counts
    months: tuple[str, ...]  # January first, in the form a date uses (Russian's genitive)
    pattern: str
    clock: str


TABLES: dict[str, DateWords] = {
    "en": DateWords(
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        ("January", "February", "March", "April", "May", "June", "July", "August", "September",
         "October", "November", "December"),
        "{weekday}, {day} {month} {year}", "{hour2}:{minute}"),
    "fr": DateWords(
        ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
        ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
         "octobre", "novembre", "décembre"),
        "{weekday} {day} {month} {year}", "{hour2}:{minute}"),
    "he": DateWords(
        ("יום שני", "יום שלישי", "יום רביעי", "יום חמישי", "יום שישי", "יום שבת", "יום ראשון"),
        ("ינואר", "פברואר", "מרץ", "אפריל", "מאי", "יוני", "יולי", "אוגוסט", "ספטמבר", "אוקטובר",
         "נובמבר", "דצמבר"),
        "{weekday}, {day} ב{month} {year}", "{hour}:{minute}"),
    "it": DateWords(
        ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
        ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
         "ottobre", "novembre", "dicembre"),
        "{weekday} {day} {month} {year}", "{hour2}:{minute}"),
    "nl": DateWords(
        ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
        ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
         "oktober", "november", "december"),
        "{weekday} {day} {month} {year}", "{hour2}:{minute}"),
    "ru": DateWords(
        ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"),
        ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
         "октября", "ноября", "декабря"),
        "{weekday}, {day} {month} {year} г.", "{hour2}:{minute}"),
}


def _words(language: str | None) -> DateWords | None:
    primary = (language or "").strip().replace("_", "-").split("-", 1)[0].lower()
    return TABLES.get(primary)


def long_date(day: date, language: str | None) -> str:
    """`day` with its weekday as `language` (a BCP 47 tag; only its first subtag counts) writes it;
    ISO 8601 (2026-11-24) for a language without a table."""
    words = _words(language)
    if words is None:
        return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    return words.pattern.format(weekday=words.weekdays[day.weekday()], day=day.day,
                                month=words.months[day.month - 1], year=day.year)


def clock_time(moment: time, language: str | None) -> str:
    """`moment`'s hour and minute as `language` writes them (Hebrew "9:30", the others "09:30");
    HH:MM for a language without a table."""
    words = _words(language)
    if words is None:
        return f"{moment.hour:02d}:{moment.minute:02d}"
    return words.clock.format(hour=moment.hour, hour2=f"{moment.hour:02d}", minute=f"{moment.minute:02d}")
