"""cleaning.charset: which encoding a page's bytes are read with, and what the screen makes of UTF-16."""

from __future__ import annotations

import random

import pytest

from cleaning.charset import decode_page, is_wide_unicode, page_encoding
from cleaning.screen import screen_page

MINISTER = "The minister’s statement, issued in Besançon, “names” the frigates — at 5 €."
RUSSIAN = "Министерство обороны сообщило о начале учений."
JAPANESE = "防衛省は新しい共同演習を発表した。"


def page(text: str, meta: str | None = None) -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<html><head>{head}<title>T</title></head><body><p>{text}</p><p>{text}</p></body></html>"


def stray(data: bytes) -> bytes:
    middle = data.index(b"</p><p>")
    return data[:middle] + b"\xff" + data[middle:]


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (page(MINISTER, "utf-8").encode(), "text/html; charset=utf-8", "utf-8"),
        (stray(page(MINISTER, "utf-8").encode()), "text/html; charset=utf-8", "utf-8"),  # one bad byte
        (stray(page(MINISTER).encode()), None, "utf-8"),  # undeclared
        (stray(page(MINISTER, "utf-8").encode()), "text/html; charset=ISO-8859-1", "utf-8"),  # a server default
        (page(MINISTER, "utf-8").encode("cp1252"), None, "cp1252"),  # legacy bytes labelled UTF-8
        (page(MINISTER).encode("cp1252"), "text/html; charset=utf-8", "cp1252"),
        (page(MINISTER, "iso-8859-1").encode("cp1252"), None, "cp1252"),
        (page(RUSSIAN).encode("cp1251"), "text/html; charset=windows-1251", "cp1251"),  # the header only
        (page(JAPANESE).encode("shift_jis"), "text/html; charset=Shift_JIS", "cp932"),  # the header only
        (page(RUSSIAN, "koi8-r").encode("koi8_r"), None, "koi8-r"),  # the <meta> only
        ("\ufeff".encode() + page(MINISTER).encode(), None, "utf-8"),
        (page(MINISTER).encode("utf-16"), None, "utf-16-le"),  # the BOM
        (b"\xfe\xff" + page(MINISTER).encode("utf-16-be"), "text/html; charset=utf-8", "utf-16-be"),  # BOM first
        (page(MINISTER).encode("utf-16-le"), "text/html; charset=utf-16", "utf-16-le"),  # byte order sniffed
        (page(MINISTER).encode("utf-16-be"), "text/html; charset=UTF-16", "utf-16-be"),
        (page(MINISTER).encode("utf-16-be"), "text/html; charset=utf-16le", "utf-16-le"),  # the label says
        (page("plain ASCII", "utf-16").encode(), None, "utf-8"),  # a <meta> cannot mean UTF-16
    ],
)
def test_page_encoding(data: bytes, content_type: str | None, expected: str) -> None:
    assert page_encoding(data, content_type) == expected


def test_one_stray_byte_costs_that_byte_only() -> None:
    text = decode_page(stray(page(MINISTER, "utf-8").encode()), "text/html; charset=utf-8")
    assert text.count(MINISTER) == 2 and text.count("\ufffd") == 1
    assert "â€" not in text


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (page(RUSSIAN).encode("cp1251"), "text/html; charset=windows-1251"),
        (page(JAPANESE).encode("shift_jis"), "text/html; charset=Shift_JIS"),
        (page(MINISTER).encode("utf-16"), None),
        (page(MINISTER).encode("utf-16-be"), "text/html; charset=utf-16"),
    ],
)
def test_decode_page_gives_the_text(data: bytes, content_type: str | None) -> None:
    text = decode_page(data, content_type)
    assert text.startswith("<html>") and "\ufffd" not in text
    assert any(sentence in text for sentence in (MINISTER, RUSSIAN, JAPANESE))


def test_utf16_pages_pass_the_screen_binary_files_do_not() -> None:
    assert screen_page(page(MINISTER).encode("utf-16")) is None
    assert screen_page(page(MINISTER).encode("utf-16-le"), content_type="text/html; charset=utf-16") is None
    assert screen_page(page(MINISTER).encode("utf-16-le")) is not None  # no BOM, no header: zero bytes
    binary = random.Random(5).randbytes(4096) + b"\x00"
    assert screen_page(binary, content_type="text/html; charset=utf-8") is not None
    assert is_wide_unicode(b"\xff\xfe<\x00") and not is_wide_unicode(b"<html>", "text/html")
