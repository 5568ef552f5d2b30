"""Which encoding a page's bytes are in, read as a browser reads them, and its text.

The order is the browser's (WHATWG): a byte-order mark, then the HTTP ``Content-Type`` charset, then
the page's own ``<meta charset>``, then detection; w3lib (Scrapy's) reads each of them. Where a page
departs from its label, two rules keep its text readable, as the corpus needs:

- bytes that are UTF-8 but for a few stray bytes are UTF-8, whatever the label says: a server's
  default ``ISO-8859-1`` header on a UTF-8 page, or one bad byte in a UTF-8 page, costs that byte
  (U+FFFD), not the whole page (before, one bad byte turned every ``’`` into ``â€™``);
- a page labelled UTF-8 with no UTF-8 in it (legacy bytes mislabelled) is detected instead:
  mostly-ASCII bytes as windows-1252 (the WHATWG default for Western pages; detectors take such short
  accented runs for windows-1250 as often as not), others by trafilatura's detector.

UTF-16 is told by its BOM or the HTTP header (a ``<meta>`` cannot declare it: it is read as UTF-8),
its byte order by the BOM, the label, or where its ASCII letters' zero bytes sit.
Only the bytes that are invalid in the chosen encoding are replaced.
"""

from __future__ import annotations

from trafilatura.utils import detect_encoding
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, to_unicode

_HIGH_BYTES = bytes(range(0x80, 0x100))
# In Western-language pages accented letters and typographic quotes are a small share of the bytes
# (markup included); in Cyrillic, Greek or CJK legacy encodings most letters are high bytes.
_LEGACY_LATIN_SHARE = 0.25
# UTF-8 with stray bytes: at least this many valid multi-byte characters per invalid byte.
_VALID_PER_INVALID = 4
_SNIFF = 4096
_WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")


def page_encoding(data: bytes, content_type: str | None = None) -> str:
    """The Python codec name to read ``data`` with (``content_type``: the response's header, if known)."""
    bom, _ = read_bom(data)
    if bom is not None:
        return bom
    header = http_content_type_encoding(content_type) if content_type else None
    if header in _WIDE:
        return _byte_order(data, header)
    if is_utf8(data) or _mostly_utf8(data):
        return "utf-8"
    declared = header or _meta_charset(data)
    if declared is not None and declared != "utf-8" and _decodes(data, declared):
        return declared
    return _detected(data) or declared or "utf-8"


def decode_page(data: bytes, content_type: str | None = None) -> str:
    """The page's text; bytes invalid in its encoding become U+FFFD, and only those."""
    _, mark = read_bom(data)
    return to_unicode(data[len(mark or b"") :], page_encoding(data, content_type))


def is_wide_unicode(data: bytes, content_type: str | None = None) -> bool:
    """UTF-16 or UTF-32 by its BOM or the HTTP header: its zero bytes are text, not a binary file's."""
    bom, _ = read_bom(data)
    header = http_content_type_encoding(content_type) if content_type else None
    return (bom or header or "") in _WIDE


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 text with a few stray bytes (a bad byte pasted in, a page cut mid-character)."""
    text = data.decode("utf-8", "replace")
    invalid = text.count("\ufffd")
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - invalid
    return multibyte > 0 and multibyte >= _VALID_PER_INVALID * invalid


def _meta_charset(data: bytes) -> str | None:
    declared = html_body_declared_encoding(data[:_SNIFF])
    # The HTML standard: a <meta> found by reading the bytes as ASCII cannot mean UTF-16; it means UTF-8.
    return "utf-8" if declared in _WIDE else declared


def _byte_order(data: bytes, label: str) -> str:
    if label.endswith(("-le", "-be")):
        return label
    head = data[:_SNIFF]
    width = 4 if label.startswith("utf-32") else 2
    # ASCII letters in little-endian put their zero bytes after them: "<\0h\0"; big-endian before.
    leading = sum(1 for i in range(0, len(head) - width + 1, width) if head[i] == 0)
    trailing = sum(1 for i in range(width - 1, len(head), width) if head[i] == 0)
    return f"{label}-be" if leading > trailing else f"{label}-le"


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _detected(data: bytes) -> str | None:
    """Mostly-ASCII bytes as windows-1252; others as the first detector guess that decodes them."""
    high = len(data) - len(data.translate(None, _HIGH_BYTES))
    if high <= _LEGACY_LATIN_SHARE * len(data) and _decodes(data, "cp1252"):
        return "cp1252"  # strict: CJK multibyte text hits its five undefined bytes
    return next((guess for guess in detect_encoding(data) if _decodes(data, guess)), None)
