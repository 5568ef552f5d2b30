"""One store per crawl process: the one that takes the site's lease is the one every component writes to.

The crawl runs as ``python -m crawlers`` does, in a child process, with each store class's constructor
wrapped to count; the count is what the child wrote before it exited.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from corpus import layout
from corpus.store import LocalStore, open_store
from crawlers.crawl_store import attach_store, crawl_store
from crawlers.runner import CrawlJob
from tests.support.crawling import LOOPBACK
from tests.support.http import FixtureSite, serving
from tests.support.pages import Story, day
from tests.support.publishers.plain import sitemap_site
from tests.support.site_configs import fixture_site

STORIES = [Story(f"/2024/10/story-{n:02d}/", f"Story {n}", day(2024, 10, n + 1)) for n in range(12)]


def build(base: str) -> FixtureSite:
    return sitemap_site(base, STORIES)


_COUNTING_CRAWL = """
import json, sys
from corpus.store.local import LocalStore
from corpus.store.s3 import S3Store

opened = []
for cls in (LocalStore, S3Store):
    def counting(self, *args, _init=cls.__init__, _name=cls.__name__, **kwargs):
        opened.append(_name)
        _init(self, *args, **kwargs)
    cls.__init__ = counting

from crawlers.__main__ import main

code = main(sys.argv[2:])
with open(sys.argv[1], "w") as fh:
    json.dump(opened, fh)
sys.exit(code)
"""


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_a_crawl_opens_its_store_once(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if backend == "local":
        url, endpoint, expected = str(tmp_path / "store"), None, "LocalStore"
    else:
        endpoint, bucket = request.getfixturevalue("s3_bucket")
        url, expected = f"s3://{bucket}/corpus", "S3Store"
    counted = tmp_path / "opened.json"
    with serving(build) as (server, _):
        site = fixture_site("resume", server.base_url)
        job = CrawlJob(site=site, store=url, s3_endpoint_url=endpoint, settings=LOOPBACK)
        command = job.command(tmp_path / "report.json")
        assert command[1:3] == ["-m", "crawlers"]
        done = subprocess.run(
            [sys.executable, "-c", _COUNTING_CRAWL, str(counted), *command[3:]],
            env=job.environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"]["articles_new"] == len(STORIES)
    assert json.loads(counted.read_text()) == [expected]
    store = open_store(url, s3_endpoint_url=endpoint)  # everything the components wrote is in that one store
    assert report["warc_keys"] and all(store.exists(key) for key in report["warc_keys"])
    assert store.list(layout.crawl_state_prefix("resume"))
    assert all(store.exists(layout.warc_index_key(key)) for key in report["warc_keys"])


def test_components_built_alone_share_the_store_their_settings_name(tmp_path: Path) -> None:
    """Without a crawl process to hand one over (a component built in a test), it is opened once."""
    crawler = get_crawler(settings_dict={"DEFCORPUS_STORE": str(tmp_path / "store")})
    first = crawl_store(crawler)
    assert isinstance(first, LocalStore) and first.root == (tmp_path / "store").resolve()
    assert crawl_store(crawler) is first
    handed = LocalStore(tmp_path / "other")
    other = get_crawler(settings_dict={"DEFCORPUS_STORE": str(tmp_path / "store")})
    attach_store(other, handed)
    assert crawl_store(other) is handed
