"""Unstructured mail headers (a Subject) written and folded by bookctl itself, not by the stdlib.

CPython's folder splits a long non-ASCII Subject into RFC 2047 encoded words but can leave the space
between two words outside them, at a fold: whitespace between adjacent encoded words is dropped by
every reader (RFC 2047 section 6.2), so "ביום שלישי" arrives as "ביוםשלישי". A localized date makes
such subjects common, so here the whole text goes into encoded words, spaces included, each line
within 78 characters; the result is set with `EmailMessage.set_raw`, which the SMTP policy leaves as
it is because no line is too long.
"""

from __future__ import annotations

import base64

LINE = 78  # RFC 5322's recommended limit, the one email.policy.SMTP folds to
WORD = 75  # RFC 2047: an encoded word is at most 75 characters
_Q_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/.,:;'")


def _q(text: str) -> str:
    return "".join(ch if ch in _Q_SAFE else "_" if ch == " " else "".join(f"={b:02X}" for b in ch.encode("utf-8"))
                   for ch in text)


def _b(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _encoded_words(text: str, first_room: int) -> list[str]:
    """`text` as encoded words, each of whole characters, the first within `first_room` characters and
    the others within a continuation line; Q (readable raw) unless base64 is shorter."""
    def split(encode, tag: str) -> list[str]:  # noqa: ANN001
        words, current, room = [], "", min(first_room, WORD)
        for ch in text:
            if current and len(f"=?utf-8?{tag}?{encode(current + ch)}?=") > room:
                words.append(f"=?utf-8?{tag}?{encode(current)}?=")
                current, room = "", min(LINE - 1, WORD)
            current += ch
        words.append(f"=?utf-8?{tag}?{encode(current)}?=")
        return words

    q_words, b_words = split(_q, "q"), split(_b, "b")
    return q_words if sum(map(len, q_words)) <= sum(map(len, b_words)) else b_words


def _needs_encoding(text: str) -> bool:
    # An ASCII text holding "=?" would be read as an encoded word; control characters are not text.
    return not text.isascii() or "=?" in text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def fold_unstructured(name: str, value: str) -> str:
    """The value of header `name` ready for `set_raw`: lines joined by CRLF and a space, each within 78
    characters with `name: ` in front of the first. Non-ASCII text becomes RFC 2047 UTF-8 encoded words
    that decode to exactly `value`; ASCII text is folded at its spaces. A line break in `value` is a space."""
    value = value.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    first_room = LINE - len(name) - 2
    if _needs_encoding(value):
        return "\r\n ".join(_encoded_words(value, first_room))
    lines: list[str] = []
    current, room = "", first_room
    for n, word in enumerate(value.split(" ")):
        piece = word if n == 0 else " " + word
        if current and word and len(current) + len(piece) > room:
            lines.append(current)
            current, room = "", LINE  # the fold goes before the space, which stays
        current += piece
    lines.append(current)
    return "\r\n".join(lines)


def set_unstructured(message: object, name: str, value: str) -> None:
    """Replace `message`'s header `name` by `value`, folded by `fold_unstructured`."""
    del message[name]  # type: ignore[attr-defined]
    message.set_raw(name, fold_unstructured(name, value))  # type: ignore[attr-defined]
