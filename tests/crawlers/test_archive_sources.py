"""Common Crawl backfills over its real protocols, and a live crawl before or after a backfill.

Common Crawl: collinfo.json, one NDJSON index per crawl paged by showNumPages/page, records read by
HTTP Range from WARC files. The live crawl: the bundled mini-site archived in a fake Wayback
Machine, backfilled and cleaned, then crawled live and cleaned, or the other way round: nothing is
published twice, and the one article whose archived text differs from the live one gets a second version.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import corpus
from corpus.store import open_store
from crawlers.archives.backfill import BackfillJob, run_backfill
from crawlers.archives.settings import ArchiveSettings
from crawlers.sites import load_site_file
from defcorpus.clean import clean_site
from defcorpus.minisite import load_content
from tests.support.archive_history import HOST, SITE_TOML, Article, Capture, History, generate
from tests.support.archives import FakeArchive, archive_serving
from tests.support.backfilling import (
    FAST,
    MiniSiteHistory,
    archive_env,
    run_backfill_cli,
    stored_records,
    write_site_file,
)
from tests.support.crawling import crawl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cc_history() -> History:
    return generate(articles=300, captures=750, seed=11)


@pytest.fixture(scope="module")
def commoncrawl(cc_history: History) -> Any:
    with archive_serving(cc_history, commoncrawl=True) as archive:
        yield archive


@pytest.mark.parametrize("capture", ["earliest", "latest"])
def test_commoncrawl_takes_each_article_from_the_right_crawl_by_ranged_reads(
    commoncrawl: FakeArchive, cc_history: History, tmp_path: Path, capture: str
) -> None:
    site_file = write_site_file(tmp_path, "archived", SITE_TOML.format(name="archived", host=HOST))
    commoncrawl.reset_log()
    env = archive_env(commoncrawl)
    done = run_backfill_cli(
        site_file, tmp_path / "store", env, "commoncrawl", "2018-12-01", "2022-01-01", "--capture", capture
    )
    assert done.returncode == 0, done.stderr
    records = stored_records(tmp_path / "store", "archived")
    expected = {a.path: c for a in cc_history.articles if (c := a.choice(capture, archive="commoncrawl"))}
    assert Counter(r.path for r in records) == Counter(set(expected))
    assert {r.path: r.warc_date for r in records} == {p: c.at for p, c in expected.items()}
    headers = records[0].headers
    assert headers["WARC-Defcorpus-Archive"] == "commoncrawl"
    assert headers["WARC-Defcorpus-CC-File"].startswith("crawl-data/CC-MAIN-")
    assert int(headers["WARC-Defcorpus-CC-Length"]) > 0
    data = commoncrawl.requests("data")
    assert data and all(re.fullmatch(r"bytes=\d+-\d+", d.headers.get("range", "")) for d in data)
    assert len(commoncrawl.requests("collinfo")) == 1
    assert len({d.path + d.headers["range"] for d in data}) == len(data), "no record read twice"


def test_a_live_crawl_after_a_backfill_adds_no_duplicate(minisite: Any, tmp_path: Path) -> None:
    history = MiniSiteHistory(minisite.base_url)
    store = tmp_path / "store"
    site_file = Path(__file__).parents[2] / "crawlers" / "sites" / "demo" / "minisite.toml"
    with archive_serving(history) as wayback:
        env = archive_env(wayback)
        done = run_backfill_cli(
            site_file, store, env, "wayback", "2022-01-01", "2024-01-01", "--clean", "--base-url", minisite.base_url
        )
    assert done.returncode == 0, done.stderr
    public = {a.path for a in load_content().public}
    archived = stored_records(store, "minisite")
    assert {r.path for r in archived} == public
    assert "1 challenge" in done.stdout
    assert f"{len(public)} articles published" in done.stdout
    early = next(
        r for r in corpus.open(str(store)).articles(site="minisite").to_pylist() if r["url"].endswith(history.premature)
    )
    assert early["date_published"] is None or early["date_published"] <= early["fetched_at"], "its later date refused"

    site = load_site_file(site_file).with_base_url(minisite.base_url)
    crawl(site, store)  # the live crawl, as `defcorpus run` does it, without the politeness delay on loopback
    live = clean_site(open_store(str(store)), site)
    rows = corpus.open(str(store)).articles(site="minisite", latest=False).to_pylist()
    versions = Counter(urlsplit(r["url"]).path for r in rows)
    assert set(versions) == public
    # The changed text is a new version; so is the premature capture's text fetched live with the date
    # the capture could not have (metadata repaired); every other article is the same version.
    assert {p: n for p, n in versions.items() if n > 1} == {history.changed: 2, history.premature: 2}
    assert (live.articles_published, live.articles_unchanged) == (2, len(public) - 2)
    latest = next(
        r for r in corpus.open(str(store)).articles(site="minisite").to_pylist() if r["url"].endswith(history.premature)
    )
    assert latest["date_published"] is not None and latest["content_hash"] == early["content_hash"]


def test_commoncrawl_asks_only_the_crawls_that_overlap_the_window(
    commoncrawl: FakeArchive, cc_history: History, tmp_path: Path
) -> None:
    """May 2019: the May crawl, and April's, which ends as May begins; April holds nothing of May
    (its index answers "No Captures found") and every other crawl is left alone."""
    site_file = write_site_file(tmp_path, "archived", SITE_TOML.format(name="archived", host=HOST))
    commoncrawl.reset_log()
    env = archive_env(commoncrawl)
    done = run_backfill_cli(site_file, tmp_path / "store", env, "commoncrawl", "2019-05-01", "2019-06-01")
    assert done.returncode == 0, done.stderr
    asked = {entry.path.split("-index", 1)[0].lstrip("/") for entry in commoncrawl.requests("index")}
    may = (datetime(2019, 5, 1, tzinfo=UTC), datetime(2019, 6, 1, tzinfo=UTC))
    overlapping = {c.id for c in commoncrawl.crawls if c.start < may[1] and c.end >= may[0]}
    assert asked == overlapping and len(asked) == 2
    expected = {a.path: c.at for a in cc_history.articles if (c := a.choice(archive="commoncrawl", within=may))}
    assert {r.path: r.warc_date for r in stored_records(tmp_path / "store", "archived")} == expected


def test_an_article_listed_by_two_crawls_is_one_article(tmp_path: Path) -> None:
    """Common Crawl lists an article in each monthly crawl that captured it: found once, fetched once.

    ``one`` is in the January and March crawls; ``late`` was a bot check in January and good in March
    (one article with a good capture, not one "without a good capture" and one fetched); ``single``
    is in February only.
    """
    one = Article(1, datetime(2019, 1, 10, tzinfo=UTC), "story-one")
    late = Article(2, datetime(2019, 1, 12, tzinfo=UTC), "story-late")
    single = Article(3, datetime(2019, 2, 3, tzinfo=UTC), "story-single")
    one.captures += [Capture(one.path, "20190111080000", "good"), Capture(one.path, "20190305080000", "dup")]
    late.captures += [Capture(late.path, "20190113080000", "challenge"), Capture(late.path, "20190306080000", "good")]
    single.captures += [Capture(single.path, "20190204080000", "good")]
    history = History([one, late, single], [Capture("/tag/navy/", "20190201080000", "good")])
    site = load_site_file(write_site_file(tmp_path, "archived", SITE_TOML.format(name="archived", host=HOST)))
    store = open_store(str(tmp_path / "store"))
    with archive_serving(history, commoncrawl=True) as archive:
        assert len(archive.crawls) == 3
        fast = float(FAST)
        settings = replace(
            ArchiveSettings(),
            cc_index_url=archive.base_url,
            cc_data_url=archive.base_url,
            cc_index_per_minute=fast,
            cc_data_per_minute=fast,
        )
        report = run_backfill(store, BackfillJob(site, "commoncrawl", "2019-01-01", "2019-04-01", settings=settings))
        again = run_backfill(store, BackfillJob(site, "commoncrawl", "2019-01-01", "2019-05-01", settings=settings))
    assert (report.articles_found, report.fetched, report.without_good_capture) == (3, 3, 0)
    assert report.already_settled == 0 and report.skipped == {"challenge": 1}
    assert report.captures_found == 6, "the rows are counted as the index gave them"
    assert "6 captures found, 3 articles, 3 fetched" in report.summary()
    assert (again.articles_found, again.already_settled, again.fetched) == (3, 3, 0)
    assert Counter(r.path for r in stored_records(tmp_path / "store", "archived")) == Counter(
        [one.path, late.path, single.path]
    )


def test_a_backfill_after_a_live_crawl_adds_only_the_archived_text_that_differs(minisite: Any, tmp_path: Path) -> None:
    """The other order: the live crawl published every article; a backfill of the same window then
    stores their captures, and its clean republishes none of the same texts (nor the capture whose
    date the clean refuses: an older fetch of the live text) and adds one version, of the text the
    archive captured before the site corrected it. The live text stays the latest version."""
    history = MiniSiteHistory(minisite.base_url)
    store = tmp_path / "store"
    site_file = Path(__file__).parents[2] / "crawlers" / "sites" / "demo" / "minisite.toml"
    site = load_site_file(site_file).with_base_url(minisite.base_url)
    public = {a.path for a in load_content().public}
    crawl(site, store)
    live = clean_site(open_store(str(store)), site)
    assert live.articles_published == len(public)
    live_rows = {urlsplit(r["url"]).path: r for r in corpus.open(str(store)).articles(site="minisite").to_pylist()}

    with archive_serving(history) as wayback:
        done = run_backfill_cli(
            site_file,
            store,
            archive_env(wayback),
            "wayback",
            "2022-01-01",
            "2024-01-01",
            "--clean",
            "--base-url",
            minisite.base_url,
        )
    assert done.returncode == 0, done.stderr
    archived = [r for r in stored_records(store, "minisite") if r.headers.get("WARC-Defcorpus-Archive") == "wayback"]
    assert {r.path for r in archived} == public, "every article's capture was stored: dedup is the clean's"
    assert f"minisite: 1 articles published, {len(public) - 1} unchanged" in done.stdout, done.stdout

    rows = corpus.open(str(store)).articles(site="minisite", latest=False).to_pylist()
    versions = Counter(urlsplit(r["url"]).path for r in rows)
    assert set(versions) == public
    assert {p: n for p, n in versions.items() if n > 1} == {history.changed: 2}
    changed = [r for r in rows if urlsplit(r["url"]).path == history.changed]
    assert len({r["content_hash"] for r in changed}) == 2, "the archived text is a version of its own"
    latest = {urlsplit(r["url"]).path: r for r in corpus.open(str(store)).articles(site="minisite").to_pylist()}
    assert {p: r["content_hash"] for p, r in latest.items()} == {p: r["content_hash"] for p, r in live_rows.items()}
