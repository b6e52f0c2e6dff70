"""A Subject bookctl folds itself (output/mail_headers.py): what a reader decodes is exactly the text,
spaces included, and no line passes 78 characters, whatever the language."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from hypothesis import given
from hypothesis import strategies as st

from bookctl.output.mail_headers import fold_unstructured, set_unstructured
from bookctl.services.mail import message_bytes

# Latin with accents, Hebrew, Cyrillic, an emoji, digits and punctuation, and many spaces.
WORDS = st.text(alphabet=st.sampled_from("abcXYZ019 ,:.-'()=?_èìéשלוםбвгд😀"), min_size=1, max_size=12)
SUBJECTS = st.lists(WORDS, min_size=1, max_size=25).map(" ".join).map(lambda s: " ".join(s.split()) or "x")


def sent_subject(subject: str) -> tuple[str, list[bytes]]:
    """(the Subject a reader decodes, the header lines) of a message carrying `subject` on the wire."""
    message = EmailMessage()
    message["From"] = "desk@studio-verde.example"
    set_unstructured(message, "Subject", subject)
    message.set_content("body")
    head = message_bytes(message).partition(b"\r\n\r\n")[0]
    return str(BytesParser(policy=policy.default).parsebytes(message_bytes(message))["Subject"]), head.split(b"\r\n")


@given(SUBJECTS)
def test_a_subject_arrives_exactly_as_written_in_lines_of_at_most_78(subject: str) -> None:
    decoded, lines = sent_subject(subject)
    assert decoded == subject
    assert max(len(line) for line in lines) <= 78


def test_a_hebrew_date_keeps_the_space_between_its_words() -> None:
    subject = "ההזמנה שלך ל-Prenatal Yoga Course ביום שלישי, 24 בנובמבר 2026 בשעה 10:00 אושרה"
    assert sent_subject(subject)[0] == subject


def test_every_encoded_word_is_at_most_75_characters_of_whole_characters() -> None:
    folded = fold_unstructured("Subject", "вторник, 24 ноября 2026 г. " * 6)
    words = re.findall(r"=\?utf-8\?[bq]\?[^?]*\?=", folded)
    assert words and all(len(word) <= 75 for word in words)
    assert "".join(words) == folded.replace("\r\n ", "")
    from email.header import decode_header

    assert all(isinstance(part.decode("utf-8"), str) for word in words for part, _ in decode_header(word))


def test_mostly_latin_text_is_quoted_printable_and_stays_readable() -> None:
    assert fold_unstructured("Subject", "Promemoria: Yoga martedì 24 novembre 2026 alle 10:00") == (
        "=?utf-8?q?Promemoria:_Yoga_marted=C3=AC_24_novembre_2026_alle_10:00?=")


def test_a_short_ascii_subject_is_left_as_it_is() -> None:
    assert fold_unstructured("Subject", "Your Yoga booking on Tuesday, 24 November 2026") == (
        "Your Yoga booking on Tuesday, 24 November 2026")


def test_a_long_ascii_subject_folds_before_a_space() -> None:
    subject = "Your Prenatal Yoga Course booking on Tuesday, 24 November 2026 at 10:00 has been moved"
    folded = fold_unstructured("Subject", subject)
    assert folded.replace("\r\n", "") == subject and "\r\n " in folded


def test_ascii_text_that_looks_like_an_encoded_word_is_encoded() -> None:
    assert sent_subject("Yoga =?utf-8?q?x?= at 10:00")[0] == "Yoga =?utf-8?q?x?= at 10:00"


def test_a_line_break_in_the_text_cannot_start_a_header() -> None:
    decoded, lines = sent_subject("Yoga\r\nBcc: everyone@example.org")
    assert decoded == "Yoga Bcc: everyone@example.org"
    assert not any(line.startswith(b"Bcc") for line in lines)
