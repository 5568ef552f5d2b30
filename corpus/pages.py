"""A fetched page as the crawl recorded it: what the crawl's WARC files hold and what cleaning reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FetchedPage:
    """A response as the crawl recorded it, with where it is kept."""

    url: str
    html: bytes
    fetched_at: datetime
    warc_file: str
    warc_record_id: str
    # The crawler found a paywall on the page (its WARC record's ``WARC-Defcorpus-Flags``): the
    # published record says so, as extraction cannot tell a teaser from a short article.
    paywalled: bool = False
    # The response's Content-Type header: its charset comes before the page's own <meta> (cleaning.charset).
    content_type: str | None = None
