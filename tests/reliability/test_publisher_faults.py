"""Publisher-side faults and SSRF, against one loopback site: redirects to cloud metadata, private and
non-HTTP addresses, a redirect loop, a sitemap that is HTML, a broken feed, XXE and entity expansion
in a sitemap, a gzip bomb. The crawl must finish, store each good article once, and fetch none of
the forbidden addresses.

5xx bursts, resets, read timeouts, 429/503 with Retry-After, oversized responses and bot checks are
covered by the crawler's own suite (tests/crawlers/test_robustness.py, test_resume.py); see
docs/reliability.md.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import corpus
from corpus.store import open_store
from crawlers.report import CrawlReport
from crawlers.sites import SiteConfig
from defcorpus.clean import clean_site
from tests.support.crawling import WarcResponse, article_paths, warc_responses
from tests.support.http import HTML, RSS, XML, FixtureSite, Route, serving
from tests.support.pages import Story, article_ld, day, page, rss, sitemap_gzip_bomb
from tests.support.raw import paragraph
from tests.support.site_configs import FEED, fixture_site

pytestmark = pytest.mark.reliability

GOOD = [Story(f"/a/good-{n}/", f"Good story {n}", day(2024, 9, n + 1)) for n in range(3)]
# Articles a misconfigured server labels wrongly: still articles, and still published.
MISLABELLED = {
    Story("/a/octet-stream/", "Octet stream story", day(2024, 9, 5)): "application/octet-stream",
    Story("/a/text-plain/", "Plain text story", day(2024, 9, 6)): "text/plain; charset=utf-8",
}
FORBIDDEN = ["169.254.169.254", "10.0.0.1", "192.168.1.1", "[::1]", "file:", "ftp:", "gopher:"]
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/hostname"><!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>BASEa/xxe-&xxe;/</loc></url><url><loc>BASEa/laughs-&e;&e;&e;&e;/</loc></url>
</urlset>"""


def _body(rng: random.Random) -> str:
    return "".join(f"<p>{paragraph(rng)}</p>" for _ in range(5))


def build(base: str) -> FixtureSite:
    redirect = {
        "/a/metadata/": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "/a/private/": "http://10.0.0.1/admin/",
        "/a/router/": "http://192.168.1.1/",
        "/a/ipv6-loopback/": "http://[::1]:22/",
        "/a/file/": "file:///etc/passwd",
        "/a/ftp/": "ftp://127.0.0.1/etc/passwd",
        "/a/gopher/": "gopher://127.0.0.1:6379/_INFO",
        "/a/loop-1/": base + "a/loop-2/",
        "/a/loop-2/": base + "a/loop-1/",
    }
    listed = [*GOOD, *MISLABELLED, *(Story(path, path, day(2024, 9, 9)) for path in redirect)]
    routes = {
        "/robots.txt": Route(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
        "/feed/": Route(rss(base, listed), content_type=RSS),
        "/broken-feed/": Route(rss(base, GOOD)[:-200] + b"<item><title>unclosed", content_type=RSS),
        "/sitemap-html.xml": Route(page("Not a sitemap", "<p>Oops, HTML.</p>"), content_type=XML),
        "/sitemap-xxe.xml": Route(XXE.replace(b"BASE", base.encode()), content_type=XML),
        "/sitemap-bomb.xml.gz": Route(sitemap_gzip_bomb(300 << 20), content_type="application/x-gzip"),
    }
    routes.update(
        {path: Route(status=302, headers={"Location": target}, content_type=HTML) for path, target in redirect.items()}
    )
    rng = random.Random(17)
    routes.update({s.path: Route(page(s.headline, _body(rng), article_ld(base, s))) for s in GOOD})
    routes.update(
        {
            s.path: Route(page(s.headline, _body(rng), article_ld(base, s)), content_type=kind)
            for s, kind in MISLABELLED.items()
        }
    )
    return FixtureSite(routes, {s.path for s in [*GOOD, *MISLABELLED]})


@dataclass
class Run:
    report: CrawlReport
    log: list[str]
    stored: list[WarcResponse]
    requested: list[str]
    config: SiteConfig
    published: list[str]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    from crawlers.runner import CrawlJob, run_crawl

    store: Path = tmp_path_factory.mktemp("store")
    with serving(build) as (server, _site):
        config = fixture_site(
            "hostilepub",
            server.base_url,
            sources=(
                FEED,
                {"type": "rss", "url": "/broken-feed/"},
                {"type": "sitemap", "url": "/sitemap-html.xml"},
                {"type": "sitemap", "url": "/sitemap-xxe.xml"},
                {"type": "sitemap", "url": "/sitemap-bomb.xml.gz"},
            ),
            allow="^/a/",
        )
        log: list[str] = []
        settings = {
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_TIMEOUT": 5,
            "RETRY_TIMES": 0,
            "DEFCORPUS_BACKOFF_BASE": 0.1,
        }
        report = run_crawl(CrawlJob(site=config, store=str(store), settings=settings), on_log=log.append)
        local = open_store(str(store))
        clean_site(local, config)
        published = sorted(urlsplit(u).path for u in corpus.open(local).articles(latest=False)["url"].to_pylist())
        yield Run(report, log, warc_responses(store, "hostilepub"), [e.path for e in server.log], config, published)


def test_crawl_finishes_and_stores_each_good_article_once(run: Run) -> None:
    assert run.report.finish_reason == "finished"
    assert article_paths(run.stored, run.config) == sorted(s.path for s in [*GOOD, *MISLABELLED])
    for path in (
        "/a/metadata/",
        "/a/file/",
        "/a/loop-1/",
        "/sitemap-xxe.xml",
        "/sitemap-bomb.xml.gz",
        "/sitemap-html.xml",
        "/broken-feed/",
    ):
        assert path in run.requested, f"{path}: the fault was never served"


def test_every_article_is_published_once_even_when_mislabelled(run: Run) -> None:
    assert run.published == sorted(s.path for s in [*GOOD, *MISLABELLED])


def test_no_forbidden_address_is_fetched_or_stored(run: Run) -> None:
    assert run.stored, "the crawl stored nothing: the check below would hold vacuously"
    for response in run.stored:
        assert not any(bad in response.url for bad in FORBIDDEN), response.url


def test_xxe_and_entity_expansion_are_not_resolved(run: Run) -> None:
    import socket

    hostname = socket.gethostname()
    assert not any(hostname in path or "aaaaaaaaaa" in path for path in run.requested)


def test_redirect_loop_ends(run: Run) -> None:
    assert run.requested.count("/a/loop-1/") <= 21  # Scrapy's REDIRECT_MAX_TIMES (20) bounds it


def test_forbidden_redirects_are_refused_with_a_clear_log_line(run: Run) -> None:
    refused = [line for line in run.log if "169.254.169.254" in line and "refus" in line.lower()]
    assert refused
