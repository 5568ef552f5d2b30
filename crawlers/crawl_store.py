"""The crawl's one store, kept on the Scrapy crawler, as Scrapy keeps the crawl's stats and signals there.

Why one: the crawl process opens the store to take the site's lease before the first request, and
the WARC writer, the incremental middleware and the crawl report read and write that same store.
Opened by each of them, an S3 store meant four boto3 clients per crawl, each with its own connection
pool, credential lookup and bucket check. ``python -m crawlers`` hands its store to the crawler
(``attach_store``) before the components are built; each takes it in ``from_crawler``
(``crawl_store``), after reading its own settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corpus.store import Store, open_store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

_ATTRIBUTE = "defcorpus_store"


def attach_store(crawler: Crawler, store: Store) -> None:
    """Hand ``store`` to the crawl's components: call it before ``CrawlerProcess.crawl`` builds them."""
    setattr(crawler, _ATTRIBUTE, store)


def crawl_store(crawler: Crawler) -> Store:
    """The store the crawl process handed over, else the one ``DEFCORPUS_STORE`` names, opened once.

    The fallback is for a component built alone (``build_from_crawler`` in a test): it opens the store
    for the crawler, and every later component of that crawler gets the same one.
    """
    store: Store | None = getattr(crawler, _ATTRIBUTE, None)
    if store is None:
        settings = crawler.settings
        store = open_store(settings["DEFCORPUS_STORE"], s3_endpoint_url=settings["DEFCORPUS_S3_ENDPOINT_URL"])
        attach_store(crawler, store)
    return store
