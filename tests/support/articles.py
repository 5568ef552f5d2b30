"""Hand-made Article records for table, reader and dedup tests: one builder, valid by construction."""

from __future__ import annotations

from datetime import UTC, datetime

from corpus.schema import Article, article_id, content_hash

WARC_FILE = "raw/site=minisite/2023/02/x-00000.warc.gz"
WARC_RECORD_ID = "<urn:uuid:00000000-0000-0000-0000-000000000000>"


def article_record(
    url: str,
    headline: str,
    body: str,
    *,
    site: str,
    published: datetime | None,
    fetched_at: datetime,
    authors: tuple[str, ...] = (),
    canonical_url: str | None = None,
    warc_file: str = WARC_FILE,
    warc_record_id: str = WARC_RECORD_ID,
) -> Article:
    """An Article whose id, word count and content hash follow from its canonical URL (its URL unless
    given) and its text."""
    canonical = canonical_url or url
    return Article(
        id=article_id(canonical),
        url=url,
        canonical_url=canonical,
        site=site,
        headline=headline,
        authors=list(authors),
        date_published=published,
        body=body,
        word_count=len(body.split()),
        content_hash=content_hash(headline, body),
        warc_file=warc_file,
        warc_record_id=warc_record_id,
        fetched_at=fetched_at,
        cleaner_version="test",
    )


def make_article(
    slug: str,
    body: str = "Body text of the article.",
    *,
    published: str = "2022-12-05",
    fetched: str = "2023-02-01",
    site: str = "minisite",
) -> Article:
    """A mini-site-like article by Jane Roe, its URL dated by its publication month."""
    return article_record(
        f"https://example.test/{published[:7].replace('-', '/')}/{slug}/",
        f"Headline {slug}",
        body,
        site=site,
        authors=("Jane Roe",),
        published=datetime.fromisoformat(published).replace(tzinfo=UTC),
        fetched_at=datetime.fromisoformat(fetched).replace(tzinfo=UTC),
    )
