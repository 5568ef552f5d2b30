"""The article pages of a site's raw WARC files, as a clean and a re-clean read them."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator

from cleaning.screen import MAX_PAGE_BYTES, screen_page
from corpus.pages import FetchedPage
from corpus.quarantine import Damage
from corpus.store import Store
from corpus.warc import iter_responses
from crawlers.sites import SiteConfig
from defcorpus.salvage import read_salvaging

logger = logging.getLogger(__name__)


def article_pages(
    store: Store, site: SiteConfig, keys: list[str], refused: Counter[str] | None = None
) -> Iterator[FetchedPage]:
    """The article pages of ``keys``; one too large or binary is counted in ``refused``, not yielded."""
    for key in keys:
        for page in iter_responses(store, key, max_bytes=MAX_PAGE_BYTES):
            if not site.is_article_url(page.url):
                continue
            rejection = screen_page(page.html, content_type=page.content_type)
            if rejection is not None:
                logger.warning("not cleaned (%s, %s): %s", rejection.reason, rejection.detail, page.url)
                if refused is not None:
                    refused[rejection.reason] += 1
                continue
            yield page


def file_pages(
    store: Store, site: SiteConfig, key: str, refused: Counter[str], damaged: list[Damage]
) -> tuple[str | None, list[FetchedPage]]:
    """The article pages of one WARC file, and the key to record as consumed (``defcorpus.salvage``)."""
    return read_salvaging(store, site.name, key, lambda k: article_pages(store, site, [k], refused), damaged)
