"""The walking skeleton end to end: crawl the bundled mini-site on loopback, clean, publish, read.

One crawl + clean per store backend (module scope); each test checks one promise on the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import corpus
from corpus import layout
from corpus.store import Store, open_store
from crawlers.report import CrawlReport
from crawlers.sites import SiteConfig, get_site
from defcorpus.clean import clean_site
from defcorpus.clean_report import CleanReport
from defcorpus.crawl_job import crawl_site
from tests.support import minisite_facts as facts
from tests.support.crawling import NO_PACING

SEED_HEADLINE = "Putin Is Eyeing One Specific Country to Help Him Invade Ukraine"
GOLDEN = Path(__file__).parent / "golden" / "seed_article_body.txt"
PROVENANCE = {"warc_file", "warc_record_id", "fetched_at"}


@dataclass
class Run:
    store: Store
    site: SiteConfig
    crawl: CrawlReport
    clean: CleanReport
    articles: list[dict[str, Any]]


def crawl_and_clean(store: Store, site: SiteConfig, endpoint: str | None = None) -> Run:
    report = crawl_site(store.url, site, s3_endpoint_url=endpoint, settings=NO_PACING)
    cleaned = clean_site(store, site)
    return Run(store, site, report, cleaned, corpus.open(store).articles(site=site.name).to_pylist())


@pytest.fixture(scope="module")
def local_run(minisite: Any, tmp_path_factory: pytest.TempPathFactory) -> Run:
    site = get_site("minisite").with_base_url(minisite.base_url)
    return crawl_and_clean(open_store(str(tmp_path_factory.mktemp("store"))), site)


@pytest.fixture(scope="module")
def s3_run(minisite: Any, s3_server: Any) -> Iterator[Run]:
    bucket = "defcorpus-e2e"
    s3_server.client.create_bucket(Bucket=bucket)
    site = get_site("minisite").with_base_url(minisite.base_url)
    store = open_store(f"s3://{bucket}/corpus", s3_endpoint_url=s3_server.endpoint_url)
    yield crawl_and_clean(store, site, s3_server.endpoint_url)


def by_path(run: Run) -> dict[str, dict[str, Any]]:
    return {urlsplit(a["url"]).path: a for a in run.articles}


def test_every_article_found_and_nothing_else(local_run: Run, minisite: Any) -> None:
    assert set(by_path(local_run)) == facts.article_paths()
    assert not set(by_path(local_run)) & facts.non_article_paths()
    assert local_run.clean.articles_published == len(facts.article_paths())


def test_robots_txt_honoured(local_run: Run, minisite: Any) -> None:
    assert minisite.requests["/robots.txt"] >= 1
    for path in facts.disallowed_paths():
        assert minisite.requests[path] == 0, f"{path} is disallowed by robots.txt but was fetched"
        assert path not in by_path(local_run)
    assert local_run.crawl.stats.get("robotstxt/forbidden", 0) >= 1


def test_seed_article_is_exactly_the_article(local_run: Run) -> None:
    seed = next(a for a in local_run.articles if a["headline"] == SEED_HEADLINE)
    assert seed["body"] == GOLDEN.read_text().strip()
    assert seed["authors"] == ["Stavros Atlamazoglou"]
    assert seed["section"] == "Smart Bombs"
    assert any(bio.startswith("Expert Biography and Expertise") for bio in seed["author_bios"])
    assert seed["main_image"]["caption"].startswith("Coalition forces fire an M3")
    assert seed["main_image"]["credit"] == "DoD photo by Sgt. Benjamin Tuck, U.S. Army/Released"
    assert seed["date_published"].date().isoformat() == "2022-12-27"


def test_every_body_is_the_article_text(local_run: Run) -> None:
    bodies = {path: article["body"] for path, article in by_path(local_run).items()}
    assert bodies == {path: facts.expected_body(path) for path in facts.article_paths()}


def test_no_chrome_bio_or_caption_survives(local_run: Run) -> None:
    leaks = [
        (article["url"], text)
        for article in local_run.articles
        for text in facts.chrome_strings() + facts.bio_sentences() + facts.captions()
        if text in article["body"]
    ]
    assert leaks == []


def test_records_carry_provenance(local_run: Run) -> None:
    warc_files = [k for k in local_run.store.list("raw/") if k.endswith(".warc.gz")]
    assert warc_files and all(local_run.store.exists(layout.warc_index_key(k)) for k in warc_files)
    for article in local_run.articles:
        assert local_run.store.exists(article["warc_file"])
        assert article["warc_record_id"].startswith("<urn:uuid:")
        assert article["cleaner_version"] and article["schema_version"] == "1.2"


def test_rerun_is_idempotent(local_run: Run) -> None:
    again = crawl_and_clean(local_run.store, local_run.site)
    assert again.clean.articles_published == 0
    everything = corpus.open(local_run.store).articles(latest=False)
    assert everything.num_rows == len(local_run.articles)
    assert len(set(everything["id"].to_pylist())) == everything.num_rows


def test_s3_store_lands_the_same_records(local_run: Run, s3_run: Run) -> None:
    def content(run: Run) -> list[dict[str, Any]]:
        return sorted(
            ({k: v for k, v in a.items() if k not in PROVENANCE} for a in run.articles), key=lambda a: a["id"]
        )

    assert content(s3_run) == content(local_run)
    assert all(a["warc_file"].startswith("raw/site=minisite/") for a in s3_run.articles)
