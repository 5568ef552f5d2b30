"""Kill a crawl with SIGKILL part-way, run it again: every article is in raw/ exactly once, as many as a
crawl that was never interrupted stores. WARC files rotate every few responses, so the kill loses
only the open file, whose pages the second run fetches again."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from crawlers.runner import CrawlJob
from tests.support.crawling import LOOPBACK, article_paths, crawl, warc_responses
from tests.support.http import FixtureSite, serving
from tests.support.pages import Story, day
from tests.support.publishers.plain import sitemap_site
from tests.support.site_configs import fixture_site

STORIES = [Story(f"/2024/10/story-{n:02d}/", f"Story {n}", day(2024, 10, n + 1)) for n in range(16)]
ROTATE = {"DEFCORPUS_WARC_MAX_RECORDS": 3, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}


def build(base: str) -> FixtureSite:
    return sitemap_site(base, STORIES, delay=0.06)


def kill_after_files(job: CrawlJob, store: Path, files: int, tmp: Path) -> None:
    raw = store / "raw"
    with subprocess.Popen(
        job.command(tmp / "report.json"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as proc:
        deadline = time.monotonic() + 30
        while len(list(raw.rglob("*.warc.gz"))) < files and proc.poll() is None:
            assert time.monotonic() < deadline, "the crawl wrote no WARC files"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL, "the crawl finished before it could be killed"


@pytest.mark.slow
def test_sigkill_then_rerun_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    killed_store, clean_store = tmp_path / "killed", tmp_path / "clean"
    with serving(build) as (server, site):
        config = fixture_site("resume", server.base_url)
        job = CrawlJob(site=config, store=str(killed_store), settings={**LOOPBACK, **ROTATE})
        kill_after_files(job, killed_store, files=2, tmp=tmp_path)
        after_kill = article_paths(warc_responses(killed_store, "resume"), config)
        resumed = crawl(config, killed_store, **ROTATE)
        uninterrupted = crawl(config, clean_store, **ROTATE)

    assert 0 < len(after_kill) < len(STORIES), "the kill should land mid-crawl"
    stored = article_paths(warc_responses(killed_store, "resume"), config)
    assert stored == sorted(site.article_paths), "every article exactly once after kill + rerun"
    assert stored == article_paths(warc_responses(clean_store, "resume"), config)
    assert resumed.summary.articles_new == len(STORIES) - len(after_kill)
    assert resumed.summary.articles_unchanged == len(after_kill)
    assert uninterrupted.summary.articles_new == len(STORIES)
