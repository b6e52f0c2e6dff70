"""The values the fuzz campaign (tests/harness/fuzz.py) builds command lines from: for each kind of value
a command takes, values it should accept and hostile ones it should refuse cleanly.

A `Chooser` picks among them: random.Random in bench/fuzz.py, one that hypothesis seeds in
tests/cli/test_fuzz.py. The first entry of every pool is the most ordinary, so a chooser that leans
towards 0 (as a shrinker would) leans towards valid values.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

T = TypeVar("T")


class Chooser(Protocol):
    """Where the campaign's randomness comes from."""

    def below(self, n: int) -> int:
        """An integer in [0, n); small ones are the ordinary choice."""
        ...


class RandomChooser:
    """A Chooser over random.Random(seed): bench/fuzz.py's."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return self.rng.randrange(n)


def pick(chooser: Chooser, options: Sequence[T]) -> T:
    """One of `options` (the first is the most ordinary)."""
    return options[chooser.below(len(options))]


# Characters a terminal, a spreadsheet, a mail header or a JSON file treat specially. "\udcff" is what
# Python puts in sys.argv for the byte 0xff that is not UTF-8 (a shell passes it as $'\xff'). NUL
# cannot reach a real process's argv, only an in-process call: findings show it as in-process only.
HOSTILE_CHARS = ("\n", "\r", "\t", "\x1b", "\x00", "\x07", "\x08", "\x7f", "\x85", "\x9b", "\u202a", "\u202b",
                 "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b", "\u200d", "\u200e",
                 "\ufeff", "\u2028", "\u2029", "\u0301", "\u00a0", "\ufffd", "\U0010fffd", "\U0010ffff",
                 "\U000e0041", "\udcff", "\U0001f642")
HOSTILE_WORDS = ("", " ", "  padded  ", "-", "--", "-1", "-x", "--yes", "=1+1", '=HYPERLINK("http://evil.example","x")',
                 "+1+1", "@SUM(1)", "\t=1", " =1", "\r=1", "%s%n%x", "{0}{}", "${HOME}", "$(id)", "'", '"', "\\",
                 "<b>x</b>", "null", "true", "[]", "{}", "../../etc/passwd", "CON", "Zoe\u0308\u0301\u0301",
                 "\u202eevil.exe", "a\u2066b\u2069c", "line1\nline2", "a\r\nBcc: victim@example.org",
                 "\U0001d518\U0001d52b\U0001d526", "\ufdfa", "\U0001f469\u200d\U0001f469\u200d\U0001f467")
# Long values are one unit repeated, so a finding can print them as a short shell expression.
HUGE_UNITS = (("x", 10_001), ("x", 100_000), ("\u00e9", 50_000), ("\U0001f642", 25_000), ("a\n", 20_000),
              ("\u202e", 10_000), ("9", 10_001))


def hostile_text(chooser: Chooser, base: str) -> str:
    """A hostile variant of `base`: a special word, a special character put into it, or a huge value."""
    how = chooser.below(5)
    if how == 0:
        return pick(chooser, HOSTILE_WORDS)
    if how == 4:
        unit, times = pick(chooser, HUGE_UNITS)
        return unit * times
    char = pick(chooser, HOSTILE_CHARS)
    return {1: base + char, 2: char + base, 3: base[: len(base) // 2] + char + base[len(base) // 2:]}[how]


@dataclass(frozen=True)
class Kind:
    """A kind of value: ones to accept (the first the most ordinary) and hostile ones of its own."""

    valid: tuple[str, ...]
    hostile: tuple[str, ...] = ()

    def draw(self, chooser: Chooser, level: int = 1) -> str:
        """A value for one parameter. Level 1 (normal): half valid, else hostile (this kind's own or a
        generic one); 0 (calm): nine in ten valid; 2 (wild): eight in ten hostile."""
        roll = chooser.below(10)
        valid = roll < (9, 5, 2)[level]
        if valid or (roll < 8 and not self.hostile):
            return pick(chooser, self.valid)
        if self.hostile and (roll < 8 or (level == 2 and roll < 9)):
            return pick(chooser, self.hostile)
        return hostile_text(chooser, pick(chooser, self.valid))


def ids_like(valid: Sequence[str]) -> tuple[str, ...]:
    """Ids of every shape beside real ones: zero, huge, upper case, padded, traversal, other digits."""
    first = valid[0]
    head, _, tail = first.rpartition("-")
    arabic = first.translate(str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"))
    fullwidth = first.translate(str.maketrans("0123456789", "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19"))
    return (f"{head}-0", f"{head}-99999999999999999999", f"{head}-{int(tail) + 1000}" if tail.isdigit() else f"{first}x",
            first.upper(), f"{first} ", f" {first}", f"{first}\n", f"{first}\x00", f"{head}-0{tail}", f"{head}--1",
            f"{head}-+1", f"{head}-1e3", f"{first}/..", f"../{first}", "../x", "c-1/..", "", "-", "*", "%", arabic,
            fullwidth, "b-0", "b-99999999999999999999", "B-1", "s-1", "x" * 5000)


DAY = Kind(("2026-11-24", "2026-11-23", "2026-12-01", "2026-11-20", "2026-11-01", "2027-10-31", "2027-03-28"),
           ("0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "2026-00-10", "2026-11-24T10:00", "20261124",
            "2026-W48", "+2026-11-24", "2026-11-24\n", "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0662\u0664",
            "\uff12\uff10\uff12\uff16-11-24", "1969-12-31", "2038-01-19", "0000-00-00", "-2026-11-24", "26-11-24",
            "2026-11-24 ", "10000-01-01", "2026-1-1", "today", "0001-01-01T00:00+14:00"))
WHEN = Kind(("2026-11-24 10:00", "2026-11-25 18:00", "2026-11-26 09:30", "2026-11-24T14:00+01:00", "2026-11-20 10:00",
             "2026-12-02 16:00", "2027-10-31T02:30+01:00", "2027-10-31T02:30+02:00"),
            ("0001-01-01 00:00", "9999-12-31 23:59", "0001-01-01T00:30+14:00", "9999-12-31T23:30-12:00",
             "2026-02-30 10:00", "2027-10-31 02:30", "2027-03-28 02:30", "2026-10-25 02:30", "2026-11-24 10:00:30",
             "2026-11-24 10:00:00.5", "2026-11-24T10:00+14:00", "2026-11-24T10:00-12:00", "2026-11-24T10:00+99:00",
             "2026-11-24T10:00Z", "2026-11-24 24:00", "2026-11-24 10:60", "2026-11-24 9:00", "10:00", "2026-11-24",
             "now", "2026-11-24T10:00+01:00[Europe/Rome]", "2026-11-24 10:00 ", "\u0662\u0660\u0662\u0666-11-24 10:00",
             "2026-11-24T10:00+0100", "2026-11-24T10:00:00+01:00:30", "1970-01-01 00:00", "2026-11-24 10:00\n"))
WEEK = Kind(("2026-W48", "2026-W01", "2026-W53"),
            ("2026-W54", "2026-W00", "0001-W01", "9999-W52", "2026-W5", "2026W48", "2026-w48", "2027-W53"))
MONTH = Kind(("2026-11", "2026-12", "2027-10"), ("0001-01", "9999-12", "2026-13", "2026-00", "2026-1", "202611", "2026-11-01"))
AMOUNT = Kind(("20", "19.90", "65", "5", "0.50", "10.00", "10"),
              ("0", "-1", "-0", "0.001", "1e3", "1E3", "999999999999999999999", "10,00", "NaN", "Infinity",
               "-Infinity", "inf", "0x10", "1_000", " 20", "20 ", "\u0662\u0660", "\uff12\uff10", "20 EUR", "\u20ac20",
               "+20", ".5", "5.", "1e-999", "1e999999999", "00020", "1" * 400, "0.1" + "0" * 5000))
COUNT = Kind(("1", "2", "3", "45", "60", "24"),
             ("0", "-1", "-3", "99999999999999999999", "1e3", "1.5", "", "\u0663", "0x3", "+3", " 3", "2147483648"))
# demo seed makes what it is asked for: keep what it may accept small.
SEED_CONTACTS = Kind(("1", "2", "3"), ("0", "-1", "1000001", "99999999999999999999", "1e3", "", "abc"))
SEED_BOOKINGS = Kind(("0", "2", "5"), ("-1", "10000001", "99999999999999999999", "1e3", "", "abc"))
SEED_DAYS = Kind(("3", "7", "1"), ("0", "3661", "-1", "99999999999999999999"))
EMAIL = Kind(("zoe@example.org", "new@example.com", "giulia@studio.example"),
             ("zo\u00eb@\u4f8b\u3048.jp", "a@b", "a@@b", "a@b.c\r\nBcc: victim@example.org", '"a b"@example.com',
              "a@[127.0.0.1]", "a" * 65 + "@x.com", "x@" + "a" * 300 + ".com", "<a@b.co>", "Ada <a@b.co>",
              "a@b.co, d@e.co", "a@-b.com", "a@b..com", "a@xn--80ak6aa92e.com", "@example.com", "a@", "a b@c.com",
              "a@b.co\n", ".a@b.co"))
PHONE = Kind(("+39 333 1234567", "333-123-4567", "+1 (555) 010-9999"),
             ("+1234567890123456", "+", "++39", "abc", "1" * 100, "+39\n333", "\u0660\u0663\u0663\u0663\u0661",
              "+39 333 123 4567 ext. 5", "tel:+39333", "0"))
NAME = Kind(("Ada", "Zo\u00eb", "Giulia Romano", "\u05e0\u05d5\u05e2\u05d4", "\u0418\u0432\u0430\u043d",
             "O'Brien", "Anne-Marie"), ("a" * 201, "a" * 200, "\u202eAda", "Ada\u2066x\u2069", "=cmd|' /C calc'!A0"))
TEXT = Kind(("first visit", "line one\nline two", "Knee pain, left side.", "\u2603 snow"),
            ("a" * 10_001, "a" * 10_000, "\x00", "tab\there", "\x1b[31mred\x1b[0m"))
LINE = Kind(("knee", "yes", "left side, since May", "Zo\u00eb's first visit"), ("a" * 501, "a" * 500, "tab\there"))
LABEL = Kind(("VIP", "Physiotherapy", "new client", "Yoga Flow"), ("vip", "VIP ", "a,b", "a" * 201))
LANGUAGE = Kind(("it", "en-GB", "zh-Hant-TW"), ("english", "e", "xx-", "en_GB", "it-IT-x-private-very-long"))
TAX_ID = Kind(("IT12345678901", "GB 123 4567 89"), ("-1", "A", "=1+1"))
CURRENCY = Kind(("EUR", "USD", "JPY", "KWD"), ("eur", "EURO", "XXX", "\u20ac", "E"))
ZONE = Kind(("Europe/Rome", "UTC", "Pacific/Kiritimati", "America/St_Johns", "Asia/Kathmandu"),
            ("Mars/Olympus", "../../../etc/passwd", "/etc/localtime", "", "utc", "EST5EDT", "Etc/GMT+12",
             "posixrules", "Factory", "localtime", "Europe/", "Europe/Rome/x", "Europe\\Rome", "+01:00"))
# Values of one command each.
CONFIG_KEY = Kind(("business.name", "business.currency", "business.timezone", "policy.cancellation_window_hours",
                   "store.lock_timeout_seconds", "contacts.attachment_max_bytes", "email.mode", "email.host",
                   "email.port", "email.security", "email.username", "email.sender", "email.language",
                   "providers.stripe.api_base", "providers.stripe.timeout_seconds", "providers.sandbox.currency",
                   "storage.url"),
                  ("", "business", "business.name.x", "x.y", "__class__", "business.__dict__", "BUSINESS.NAME",
                   "schema_version", "store.id", "providers..api_base", "providers.stripe", "providers.nope.api_base",
                   "email.password"))
# email.host is only ever 127.0.0.1, and "smtp" is never offered: the campaign must not mail anyone.
CONFIG_VALUE = Kind(("Fuzz Studio 2", "EUR", "USD", "Europe/Rome", "UTC", "24", "0", "-3", "10", "outbox", "starttls",
                     "tls", "none", "127.0.0.1", "2525", "fuzz", "sender@example.com", "en", "it",
                     "http://127.0.0.1:1", "30", "2.5"))
FIELD = Kind(("company", "email", "phone", "address", "position", "language", "tax-id", "birthday", "shoe-size",
              "allergies"),
             ("Email", "first_name", "id", "labels", "custom_fields", "__proto__", "a b", "a.b", "x" * 201))
FIELD_VALUE = Kind(("42", "Acme", "x@example.com", "+39 333 1", "2026-01-01", "https://example.com", "en"),
                   ("javascript:alert(1)", "file:///etc/passwd", "1e999", "NaN", "-0", "http://", "9999-99-99"))
# Paths are relative to the workspace, or system files only read: nothing may be written outside it.
ATTACH_FILE = Kind(("note.txt",), ("link.txt", "dir", ".", "missing.txt", "", "/proc/self/status", "/proc/version",
                                   "/sys/kernel/uevent_seqnum", "/dev/null", "/etc/hostname", "store/bookctl.toml"))
ATTACHMENT_NAME = Kind(("report.pdf", "scan.png"),
                       ("../x", "/etc/passwd", "a/b", ".", "..", "", "x" * 300, ".bookctl.lock"))
OUTPUT = Kind(("out.csv", "out.ics", "out.json", "out.vcf", "copy.txt"),
              ("", "-", ".", "dir", "existing.csv", "note.txt", "link.txt", "store", "new\nline.csv", "\x1bout.csv",
               "x" * 300, "missing-dir/x.csv", "out.csv/"))
INIT_DIR = Kind(("new-store",), ("", ".", "store", "empty", "note.txt", "dir", "a\nb", "x" * 300, "new-store/"))
COPY_TARGET = Kind(("copy-1",), ("", ".", "store", "empty", "dir", "note.txt", "x" * 300,
                                 "postgresql://127.0.0.1:1/nodb", "postgres://"))
DATABASE = Kind(("postgresql://127.0.0.1:1/nodb",), ("", "sqlite:///x", "postgres://", "x"))
CARD = Kind(("tok_visa", "tok_chargeDeclined", "tok_providerDown", "tok_mastercard", "tok_refundFail", "tok_lostAnswer"),
            ("tok_unknown", "pm_sandbox_visa_4242", "pm_sandbox_", "TOK_VISA"))
ADDRESS = Kind(("Via Roma 1, 20121 Milano", "1 Main St\nSpringfield"))

CHOICE_NOISE = ("", "CARD", "json ", "JSON", "none", "x")


def choice_kind(values: Sequence[str]) -> Kind:
    """A Kind for an option with a fixed set of values."""
    return Kind(tuple(values), CHOICE_NOISE)


def pair(left: Kind, right: Kind) -> Callable[[Chooser, int], str]:
    """A `LEFT=RIGHT` value (an invoice item, a form answer), each side drawn at the given level."""
    def draw(chooser: Chooser, level: int = 1) -> str:
        if level and chooser.below(8) == 7:
            return pick(chooser, ("=", "x=", "=y", "a=b=c", "KEY"))
        return f"{left.draw(chooser, level)}={right.draw(chooser, level)}"
    return draw
