"""Each platform family crawled end to end from a hand-written loopback imitation, with the shipped
config of a real publisher on that platform pointed at it: every article found and stored once, no
non-article page fetched, nothing outside the site's routes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from crawlers.platforms import json_ld_types, published_date
from crawlers.sites import get_site
from tests.support.crawling import article_paths, crawl, warc_responses
from tests.support.http import serving
from tests.support.publishers import PLATFORMS


@pytest.mark.slow
@pytest.mark.parametrize(("family", "fixture", "publisher"), PLATFORMS, ids=[p[0] for p in PLATFORMS])
def test_platform_crawled_end_to_end(family: str, fixture: ModuleType, publisher: str, tmp_path: Path) -> None:
    with serving(fixture.build) as (server, site):
        config = get_site(publisher).with_base_url(server.base_url)
        report = crawl(config, tmp_path)
        requested = [entry.path for entry in server.log]

    assert report.finish_reason == "finished"
    stored = warc_responses(tmp_path, config.name)
    assert article_paths(stored, config) == sorted(site.article_paths), "each article stored exactly once"
    assert not set(requested) & site.non_article_paths, "a non-article page was fetched"
    assert report.articles_fetched == len(site.article_paths)
    assert report.summary.articles_new == len(site.article_paths)
    assert all(r.status != 404 for r in stored), "the config asked for a route the platform does not serve"


LD = b'<script type="application/ld+json">'


@pytest.mark.parametrize(
    ("html", "types"),
    [
        (b'<SCRIPT TYPE="Application/LD+JSON">{"@type": "NewsArticle"}</Script>', {"NewsArticle"}),
        (LD + b'{"@graph": [{"@type": ["WebPage", 1]}, {"x": {"@type": "Person"}}]}</script>', {"WebPage", "Person"}),
        (b"<script>var a;</script>" + LD + b'{"@type": "A"}</script>' + LD + b'{"@type": "B"}</script>', {"A", "B"}),
        (LD + b"not json</script>" + LD + b'{"@type": "C"}</script>', {"C"}),
        (LD + b'{"@type": "Unterminated"}', set()),
        (b'<script>"application/ld+json"</script>{"@type": "Outside"}</script>', set()),
    ],
)
def test_json_ld_types(html: bytes, types: set[str]) -> None:
    assert json_ld_types(html) == types


def test_arc_story_type_is_read_wherever_it_sits_in_the_global_content() -> None:
    from crawlers.platforms.arc import ArcAdapter

    filler = {"_id": "ABC", "content_elements": [{"type": "text", "content": "x" * 5000}]}
    story = {**filler, "type": "story"}  # the type after 5,000 characters of other keys
    page = f"<script>Fusion.globalContent={json.dumps(story)};Fusion.contentCache={{}};</script>".encode()
    assert ArcAdapter().platform_says_article(page)
    related = {"type": "section", "content_elements": [{"type": "story", "headline": "Other"}]}
    page = f"<script>Fusion.globalContent={json.dumps(related)};</script>".encode()
    assert not ArcAdapter().platform_says_article(page)  # a story nested in a section page is not the page


NOV_28 = datetime(2022, 11, 28, 12, 50, 21, tzinfo=UTC)


@pytest.mark.parametrize(
    ("html", "published"),
    [
        # Yoast's graph: the WebPage node comes first, the article's date wins.
        (
            LD + b'{"@graph": [{"@type": "WebPage", "datePublished": "2022-11-01T00:00:00Z"},'
            b' {"@type": ["NewsArticle"], "datePublished": "2022-11-28T07:50:21-05:00"}]}</script>',
            NOV_28,
        ),
        (LD + b'{"@type": "WebPage", "datePublished": "2022-11-28T12:50:21Z"}</script>', NOV_28),
        (b'<meta content="2022-11-28T12:50:21+00:00" property="article:published_time">', NOV_28),
        (LD + b'{"@type": "NewsArticle", "datePublished": "soon"}</script>', None),
        (b"<p>Published 28 November</p>", None),
    ],
)
def test_published_date(html: bytes, published: datetime | None) -> None:
    assert published_date(html) == published
