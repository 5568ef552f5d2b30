"""Hand-made Article records for table and reader tests."""

from __future__ import annotations

from datetime import UTC, datetime

from corpus.schema import Article, article_id, content_hash


def make_article(
    slug: str,
    body: str = "Body text of the article.",
    *,
    published: str = "2022-12-05",
    fetched: str = "2023-02-01",
    site: str = "minisite",
) -> Article:
    url = f"https://example.test/{published[:7].replace('-', '/')}/{slug}/"
    headline = f"Headline {slug}"
    return Article(
        id=article_id(url),
        url=url,
        canonical_url=url,
        site=site,
        headline=headline,
        authors=["Jane Roe"],
        date_published=datetime.fromisoformat(published).replace(tzinfo=UTC),
        body=body,
        word_count=len(body.split()),
        content_hash=content_hash(headline, body),
        warc_file="raw/site=minisite/2023/02/x-00000.warc.gz",
        warc_record_id="<urn:uuid:00000000-0000-0000-0000-000000000000>",
        fetched_at=datetime.fromisoformat(fetched).replace(tzinfo=UTC),
        cleaner_version="test",
    )
