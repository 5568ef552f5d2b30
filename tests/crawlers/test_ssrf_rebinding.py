"""DNS rebinding against a real crawl: a name that passes the SSRF check must not be fetched from another address.

The site ``site.test`` is served on 127.0.0.1; one of its articles redirects to ``media.site.test``, a
name whose first answer is 127.0.0.1 and whose later answers are 127.0.0.2, where a stand-in for the
cloud metadata service listens on the same port. 127.0.0.1 plays a public address (the test allows
it with ``DEFCORPUS_SSRF_ALLOW``); 127.0.0.2 stays forbidden, as every loopback address is. The
crawl child's DNS is the rebinding stub in ``tests/crawlers/dns_stub``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from crawlers.runner import CrawlJob, run_crawl
from tests.support.crawling import LOOPBACK, warc_responses
from tests.support.http import RSS, TEXT, FixtureServer, FixtureSite, Route
from tests.support.pages import Story, article_ld, day, page, rss
from tests.support.site_configs import FEED, fixture_site

STUB = Path(__file__).parent / "dns_stub"
CANARY = b'{"Code": "Success", "AccessKeyId": "ASIAREBINDINGCANARY7Q", "SecretAccessKey": "rebound"}'
CREDENTIALS = "/latest/meta-data/iam/security-credentials/crawler-role"
GOOD = Story("/a/frigate-sails/", "The frigate sails", day(2024, 9, 2))


def publisher(base: str) -> FixtureSite:
    moved = Story("/a/media-moved/", "Moved", day(2024, 9, 3))
    media = base.replace("//site.test", "//media.site.test").rstrip("/") + CREDENTIALS
    routes = {
        "/robots.txt": Route(b"User-agent: *\nAllow: /\n", content_type=TEXT),
        "/feed/": Route(rss(base, [GOOD, moved]), content_type=RSS),
        GOOD.path: Route(page(GOOD.headline, "<p>" + GOOD.body * 5 + "</p>", article_ld(base, GOOD))),
        moved.path: Route(status=302, headers={"Location": media}),
    }
    return FixtureSite(routes, {GOOD.path})


@pytest.mark.slow
def test_a_name_that_rebinds_to_a_forbidden_address_is_never_connected_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_server = FixtureServer("127.0.0.1")
    port = int(site_server.base_url.rsplit(":", 1)[1].rstrip("/"))
    metadata = FixtureServer("127.0.0.2", port)  # the rebound address, on the port the URL names
    base = f"http://site.test:{port}/"
    site_server.serve(publisher(base))
    metadata.serve(FixtureSite({CREDENTIALS: Route(CANARY, content_type="application/json")}, set()))
    lookups = tmp_path / "lookups.txt"
    answers = {"site.test": ["127.0.0.1"], "media.site.test": ["127.0.0.1", "127.0.0.2"]}
    monkeypatch.setenv("PYTHONPATH", str(STUB))
    monkeypatch.setenv("DEFCORPUS_TEST_DNS_ANSWERS", json.dumps(answers))
    monkeypatch.setenv("DEFCORPUS_TEST_DNS_LOG", str(lookups))
    config = fixture_site("rebinding", base, sources=(FEED,), allow="^/a/")
    settings = {**LOOPBACK, "DEFCORPUS_SSRF_ALLOW": "127.0.0.1/32", "RETRY_TIMES": 0}
    try:
        report = run_crawl(CrawlJob(site=config, store=str(tmp_path / "store"), settings=settings))
    finally:
        site_server.close()
        metadata.close()

    requested = [entry.path for entry in site_server.log]
    assert report.finish_reason == "finished"
    assert GOOD.path in requested and "/a/media-moved/" in requested  # the redirect was served
    assert metadata.log == []  # the rebound address got no connection, let alone a request
    assert any(r.path == GOOD.path for r in warc_responses(tmp_path / "store", "rebinding"))
    for warc in (tmp_path / "store").rglob("*.warc.gz"):
        assert b"REBINDINGCANARY" not in gzip.decompress(warc.read_bytes())
    asked = [line.split()[0] for line in lookups.read_text().splitlines()]
    assert asked.count("media.site.test") == 1  # resolved once: the checked answer is the one connected to
