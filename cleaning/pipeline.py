"""Clean a batch of fetched pages of one site into Articles, learning the site's boilerplate.

Two passes: first every page is extracted and its paragraphs are counted in the site's statistics,
then each page's recurring paragraphs are removed. Counting the whole batch first means the first
articles of a batch are cleaned as well as the last.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from cleaning import CLEANER_VERSION
from cleaning.boilerplate import BoilerplateStats
from cleaning.extract import Page, Rejection, extract_page
from cleaning.normalize import join_paragraphs, word_count
from cleaning.options import CleanOptions
from corpus.schema import Article, MainImage, article_id, content_hash

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchedPage:
    """A response as the crawl recorded it, with where it is kept."""

    url: str
    html: bytes
    fetched_at: datetime
    warc_file: str
    warc_record_id: str


@dataclass(frozen=True)
class Removal:
    article_id: str
    text: str
    reason: str  # "boilerplate" or "author_bio"


@dataclass
class BatchResult:
    articles: list[Article] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    removals: list[Removal] = field(default_factory=list)
    dropped_by_rule: int = 0


def clean_batch(pages: Iterable[FetchedPage], options: CleanOptions, stats: BoilerplateStats) -> BatchResult:
    """Clean ``pages``; ``stats`` is updated in place with what they contain."""
    result = BatchResult()
    extracted: list[tuple[FetchedPage, Page, str]] = []
    for fetched in pages:
        page = extract_page(fetched.html, fetched.url, options)
        if isinstance(page, Rejection):
            logger.info("not an article (%s): %s %s", page.reason, fetched.url, page.detail)
            result.rejected[page.reason] += 1
            continue
        result.dropped_by_rule += page.dropped_by_rule
        canonical = page.metadata.canonical_url or fetched.url
        stats.observe(article_id(canonical), (b.text for b in page.blocks))
        extracted.append((fetched, page, canonical))
    for fetched, page, canonical in extracted:
        article = _build_article(fetched, page, canonical, options, stats, result)
        if article is not None:
            result.articles.append(article)
    return result


def _build_article(
    fetched: FetchedPage, page: Page, canonical: str, options: CleanOptions, stats: BoilerplateStats,
    result: BatchResult,
) -> Article | None:
    meta = page.metadata
    doc_id = article_id(canonical)
    body: list[str] = []
    bios: list[str] = []
    for block in page.blocks:
        if not stats.is_boilerplate(block.text):
            body.append(block.text)
            continue
        is_bio = any(name in block.text for name in meta.authors)
        if is_bio:
            bios.append(block.text)
        result.removals.append(Removal(doc_id, block.text, "author_bio" if is_bio else "boilerplate"))
    text = join_paragraphs(body)
    if not text:
        result.rejected["only_boilerplate"] += 1
        return None
    image = page.image
    try:
        return Article(
            id=doc_id, url=fetched.url, canonical_url=canonical, site=options.site,
            headline=meta.headline or "", authors=meta.authors, author_bios=bios,
            date_published=meta.date_published, date_modified=meta.date_modified,
            section=meta.section, tags=meta.tags, language=meta.language or options.language,
            description=meta.description, body=text,
            main_image=MainImage(url=image.url, caption=image.caption, credit=image.credit) if image else None,
            word_count=word_count(text), content_hash=content_hash(meta.headline or "", text),
            warc_file=fetched.warc_file, warc_record_id=fetched.warc_record_id, fetched_at=fetched.fetched_at,
            cleaner_version=CLEANER_VERSION,
        )
    except ValidationError as exc:
        logger.warning("invalid article %s: %s", fetched.url, exc.errors()[0]["msg"])
        result.rejected["invalid"] += 1
        return None
