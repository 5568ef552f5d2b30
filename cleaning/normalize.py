"""Text normalisation: one Unicode form, one kind of space, no invisible characters.

Typography is kept as published (curly quotes, dashes): flattening it loses information.
"""

from __future__ import annotations

import re
import unicodedata

# Soft hyphen, zero-width space/joiners, word joiner, BOM: invisible, and they break matching.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# C1 control characters (U+0080-U+009F) never occur in real text: they are windows-1252 bytes that a
# parser read as Latin-1 (a page with no charset, or a wrong one). Map them back to what cp1252 meant
# (“ ” — € …); the five bytes cp1252 leaves undefined are dropped.
_C1_AS_CP1252 = {code: (bytes([code]).decode("cp1252", errors="ignore") or None) for code in range(0x80, 0xA0)}
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_WORD = re.compile(r"\w+")


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text.translate(_C1_AS_CP1252)).translate(_INVISIBLE)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return " ".join(line for line in lines if line)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def word_key(text: str, *, fold: bool = False) -> str:
    """The words alone, one space apart (and casefolded with ``fold``): how blocks, headlines and names
    are compared, as a reader and the benchmark compare text, whatever their punctuation and spacing."""
    return " ".join(_WORD.findall(text.casefold() if fold else text))


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)
