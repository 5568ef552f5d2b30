"""Refuse a stored response before extraction when it cannot be an article page: too large, or binary.

Why before extraction: parsing and extracting time grows faster than linearly with a page's text
(a 2 MB page of paragraphs takes seconds, a 20 MB one minutes), and a binary file labelled text/html
only wastes that time. A refused page is counted in the clean report under its reason, like every
other ``Rejection``, and the rest of the batch is cleaned as usual; the WARC file keeps the bytes,
so a re-clean with other limits can still read them.

Zero bytes mark a binary file, except in a page in UTF-16 (or UTF-32) by its byte-order mark or its
HTTP ``Content-Type``, where every ASCII letter has one: such a page is text (``cleaning.charset``).
"""

from __future__ import annotations

from cleaning.charset import is_wide_unicode
from cleaning.extract import Rejection

MiB = 1024 * 1024
# Far above a news article page (100 kB - 2 MB with its scripts), far below what would stall a batch.
MAX_PAGE_BYTES = 8 * MiB
_SNIFF_BYTES = 64 * 1024
# File signatures of what is most often served by mistake as text/html.
_BINARY_MAGIC = {
    b"%PDF-": "pdf",
    b"\x89PNG": "png",
    b"GIF8": "gif",
    b"\xff\xd8\xff": "jpeg",
    b"PK\x03\x04": "zip",
    b"\x1f\x8b": "gzip",
    b"RIFF": "riff",
    b"\x00\x00\x00": "iso media",
}


def screen_page(html: bytes, *, max_bytes: int = MAX_PAGE_BYTES, content_type: str | None = None) -> Rejection | None:
    """A ``Rejection`` (``too_large`` or ``not_html``) for a page not worth extracting, else None.

    ``content_type``: the response's header, which may say the page is UTF-16."""
    if len(html) > max_bytes:
        return Rejection("too_large", f"more than {max_bytes} bytes")
    head = html[:_SNIFF_BYTES].lstrip()
    for magic, kind in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return Rejection("not_html", f"{kind} file signature")
    if b"\x00" in head and not is_wide_unicode(html, content_type):
        return Rejection("not_html", "NUL bytes (binary content)")
    return None
