"""One crawl per site at a time: a second crawl is refused before its first request, and a crawl that
lost its lease to another stops, keeping what it stored; the rest is fetched by the next crawl."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from corpus import layout
from corpus.lease import crawl_lease
from corpus.store import LocalStore
from crawlers.report import CrawlReport
from crawlers.runner import CrawlBusyError, CrawlJob
from tests.support.crawling import LOOPBACK, article_paths, crawl, warc_responses
from tests.support.http import FixtureSite, serving
from tests.support.pages import Story, day
from tests.support.publishers.plain import sitemap_site
from tests.support.site_configs import fixture_site

STORIES = [Story(f"/2024/10/story-{n:02d}/", f"Story {n}", day(2024, 10, n + 1)) for n in range(12)]
ONE_AT_A_TIME = {"DEFCORPUS_WARC_MAX_RECORDS": 2, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}


def build(base: str, delay: float = 0.0) -> FixtureSite:
    return sitemap_site(base, STORIES, delay=delay)


def test_a_second_crawl_of_a_site_is_refused_before_its_first_request(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    key = layout.crawl_lease_key("resume")
    with serving(build) as (server, _):
        config = fixture_site("resume", server.base_url)
        with crawl_lease(store, "resume") as running:
            held = f"site 'resume' is being crawled by {running.holder} since"
            with pytest.raises(CrawlBusyError, match=held) as busy:
                crawl(config, store.root)
            assert "\n" not in busy.value.reason, "the lease's own message, nothing else"
            assert server.log == [], "the refused crawl sent no request to the site"
            assert not (store.root / "raw").exists()
        report = crawl(config, store.root)  # once the first crawl is done, the next one runs
    assert report.summary.articles_new == len(STORIES)
    assert not store.exists(key), "a crawl releases its lease when it ends"


def test_a_crawl_that_lost_its_lease_stops_and_the_next_crawl_fetches_the_rest(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    key = layout.crawl_lease_key("resume")
    rival = {"holder": "rival-crawl", "acquired_at": datetime.now(UTC).isoformat()}
    with serving(lambda base: build(base, delay=0.1)) as (server, site):
        config = fixture_site("resume", server.base_url)
        # 12 pages 0.25 s apart take 3 s or more; renewed every 0.3 s, the lease's loss is noticed well before.
        # One request in the downloader at a time: a closing spider still fetches what the downloader holds.
        slow = {**LOOPBACK, **ONE_AT_A_TIME, "CONCURRENT_REQUESTS": 1, "DOWNLOAD_DELAY": 0.25}
        job = CrawlJob(site=config, store=str(store.root), settings={**slow, "DEFCORPUS_CRAWL_LEASE_TTL": 0.9})
        with subprocess.Popen(
            job.command(tmp_path / "report.json"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as proc:
            deadline = time.monotonic() + 30
            while not any(entry.path.startswith("/2024/") for entry in server.log):
                assert proc.poll() is None and time.monotonic() < deadline, "the crawl fetched no article"
                time.sleep(0.02)
            _, tag = store.read_tagged(key)  # another crawl takes the lease over, as if it had expired
            expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
            store.replace(key, json.dumps(rival | {"expires_at": expires}).encode(), if_match=tag)
            log, _ = proc.communicate(timeout=60)
        stopped = CrawlReport.parse((tmp_path / "report.json").read_bytes())
        assert proc.returncode == 1, log[-3000:]
        assert "was taken over by rival-crawl; stopped before publishing more" in log
        assert stopped.finish_reason == "lease_lost"
        assert json.loads(store.read(key))["holder"] == "rival-crawl", "the stopped crawl left the rival's lease"
        fetched_before = article_paths(warc_responses(store.root, "resume"), config)
        assert 0 < len(fetched_before) < len(STORIES), "the crawl stopped part-way"

        store.delete(key)  # the rival is done
        resumed = crawl(config, store.root, **ONE_AT_A_TIME)
    stored = article_paths(warc_responses(store.root, "resume"), config)
    assert stored == sorted(site.article_paths), "every article stored exactly once"
    assert resumed.summary.articles_new == len(STORIES) - len(fetched_before)
