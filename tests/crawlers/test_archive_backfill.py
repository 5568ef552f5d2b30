"""Backfill from the Wayback Machine, over its real protocols, of a generated two-year history.

2,000 articles in 5,000 captures: duplicates, redirects to other timestamps and to other URLs, 404
captures, archive errors, soft 404s, bot checks, http:// and tracking-query variants, non-article
URLs. What must come out is computed from the history model (``Article.choice``), not written down.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

import corpus
from corpus.store import open_store
from crawlers.archives import backfill
from crawlers.archives.backfill import BackfillJob, run_backfill
from crawlers.archives.captures import Capture, Memento, Page, Skip, Source, page_of
from crawlers.archives.client import ArchiveClient
from crawlers.archives.settings import ArchiveSettings
from crawlers.archives.state import ArchiveState
from crawlers.sites import load_site_file
from tests.support.archive_history import HOST, SITE_TOML, History, generate
from tests.support.archives import FakeArchive, archive_serving
from tests.support.backfilling import (
    FAST,
    archive_env,
    backfill_args,
    run_backfill_cli,
    stored_records,
    write_site_file,
)

pytestmark = pytest.mark.slow

WHOLE = ("2018-12-01", "2022-01-01")  # every capture of the history
BAD = ("soft_404", "challenge", "error")
real_make_source = backfill.make_source


@pytest.fixture(scope="module")
def history() -> History:
    return generate(articles=2000, captures=5000)


@pytest.fixture(scope="module")
def wayback(history: History) -> Any:
    with archive_serving(history) as archive:
        yield archive


@pytest.fixture(scope="module")
def site_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site_file(tmp_path_factory.mktemp("sites"), "archived", SITE_TOML.format(name="archived", host=HOST))


@pytest.fixture(scope="module")
def whole_run(wayback: FakeArchive, site_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One backfill of the whole history with --clean, as a user runs it."""
    store = tmp_path_factory.mktemp("whole") / "store"
    wayback.reset_log()
    done = run_backfill_cli(site_file, store, archive_env(wayback), "wayback", *WHOLE, "--clean")
    assert done.returncode == 0, done.stderr
    return {"store": store, "stdout": done.stdout, "log": list(wayback.log)}


def mementos(log: list[Any]) -> list[str]:
    """The original URLs asked for, as ``<timestamp> <url>``."""
    out = []
    for entry in log:
        match = re.match(r"/web/(\d{14})id_/(.+)$", entry.path)
        if entry.kind == "memento" and match:
            out.append(f"{match[1]} {match[2]}")
    return out


def test_history_is_the_size_asked_for(history: History) -> None:
    assert len(history.articles) == 2000
    assert history.size == 5000
    kinds = Counter(c.kind for c in history.captures())
    assert all(kinds[k] > 50 for k in ("dup", "changed", "redirect_ts", "redirect_away", "gone", *BAD)), kinds


def test_every_article_is_stored_once_from_its_earliest_good_capture(
    whole_run: dict[str, Any], history: History
) -> None:
    records = stored_records(whole_run["store"], "archived")
    per_article = Counter(r.path for r in records)
    assert set(per_article) == {a.path for a in history.articles}, "every article, and no non-article URL"
    assert set(per_article.values()) == {1}
    expected = {a.path: a.choice("earliest") for a in history.articles}
    wrong = [r.path for r in records if (c := expected[r.path]) is None or r.warc_date != c.at]
    assert not wrong, f"{len(wrong)} articles from the wrong capture, e.g. {wrong[:3]}"
    first = records[0].headers
    assert first["WARC-Defcorpus-Archive"] == "wayback"
    assert "id_/" in first["WARC-Defcorpus-Memento"]


def test_every_article_is_published_once_dated_at_its_capture(whole_run: dict[str, Any], history: History) -> None:
    rows = corpus.open(str(whole_run["store"])).articles(site="archived", latest=False).to_pylist()
    assert len(rows) == len({r["id"] for r in rows}) == len(history.articles)
    assert {urlsplit(r["url"]).path for r in rows} == {a.path for a in history.articles}
    captured = {a.path: a.choice("earliest").at for a in history.articles}  # type: ignore[union-attr]
    assert all(r["fetched_at"] == captured[urlsplit(r["url"]).path] for r in rows)
    assert "2000 articles published" in whole_run["stdout"]


def test_index_filters_and_article_rules_decide_what_is_fetched(whole_run: dict[str, Any], history: History) -> None:
    asked = mementos(whole_run["log"])
    assert len(asked) == len(set(asked)), "no capture asked for twice"
    paths = {urlsplit(line.split(" ", 1)[1]).path for line in asked}
    assert paths <= {a.path for a in history.articles}, "no non-article URL fetched"
    stamps = {line.split(" ", 1)[0] for line in asked}
    assert not stamps & {c.timestamp for c in history.captures() if c.kind == "gone"}, "404 captures filtered out"


def test_skipped_captures_are_counted_by_reason(whole_run: dict[str, Any], history: History) -> None:
    by_stamp = {(c.path, c.timestamp): c.kind for a in history.articles for c in a.captures}
    asked: Counter[str] = Counter()
    for line in mementos(whole_run["log"]):
        stamp, url = line.split(" ", 1)
        parts = urlsplit(url)
        asked[by_stamp[(parts.path + (f"?{parts.query}" if parts.query else ""), stamp)]] += 1
    for reason in BAD:
        counted = re.search(rf"(\d+) {reason}", whole_run["stdout"])
        assert counted and int(counted[1]) == asked[reason] > 0, (reason, whole_run["stdout"])
    assert int(re.search(r"(\d+) redirect", whole_run["stdout"])[1]) == asked["redirect_away"] > 0  # type: ignore[index]


def test_latest_capture_is_the_newest_good_one_in_the_window(
    wayback: FakeArchive, history: History, site_file: Path, tmp_path: Path
) -> None:
    window = (datetime(2019, 6, 1, tzinfo=UTC), datetime(2019, 9, 1, tzinfo=UTC))
    env = archive_env(wayback)
    done = run_backfill_cli(
        site_file, tmp_path / "store", env, "wayback", "2019-06-01", "2019-09-01", "--capture", "latest"
    )
    assert done.returncode == 0, done.stderr
    records = {r.path: r for r in stored_records(tmp_path / "store", "archived")}
    expected = {a.path: c for a in history.articles if (c := a.choice("latest", within=window))}
    assert set(records) == set(expected)
    assert {p: r.warc_date for p, r in records.items()} == {p: c.at for p, c in expected.items()}
    assert any(c.kind == "changed" for c in expected.values()), "an edited text is taken when it is the newest"


def test_requests_stay_within_the_rate_setting(wayback: FakeArchive, site_file: Path, tmp_path: Path) -> None:
    """Counted where the archive sees them: no 1-second span holds more mementos than the setting allows."""
    per_second = 20
    settings = ArchiveSettings(
        wayback_url=wayback.base_url, wayback_memento_per_minute=per_second * 60, wayback_cdx_per_minute=120
    )
    job = BackfillJob(load_site_file(site_file), "wayback", "2019-03-01", "2019-03-15", settings=settings)
    wayback.reset_log()
    report = run_backfill(open_store(str(tmp_path / "store")), job)
    arrivals = [entry.at for entry in wayback.requests("memento")]
    assert len(arrivals) == report.requests["memento"] > 2 * per_second
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= per_second + 1  # +1: a request may reach the server later than it left


def open_file_captures(spool: Path, store: Path) -> int:
    """Captures settled in the backfill's open WARC file: its journal's lines after the header, once
    a file is stored and the journal is of a file not stored yet."""
    if not any(store.rglob("*.cdx.parquet")):
        return 0
    settled = 0
    for journal in spool.rglob("*.jsonl"):
        lines = journal.read_bytes().splitlines()
        if lines and not (store / json.loads(lines[0])["warc_key"]).exists():
            settled += sum(b'"outcome"' in line for line in lines[1:])  # not the index positions it notes
    return settled


def cdx_pages(log: list[Any]) -> Counter[str]:
    """CDX requests per index page (its resumeKey; the first page has none), as the archive saw them."""
    return Counter(dict(parse_qsl(urlsplit(e.path).query)).get("resumeKey", "") for e in log if e.kind == "cdx")


@pytest.mark.parametrize("spool_kept", [True, False], ids=["same-machine", "spool-lost"])
def test_a_killed_backfill_rerun_fetches_nothing_stored_again_and_loses_nothing(
    wayback: FakeArchive, history: History, site_file: Path, tmp_path: Path, spool_kept: bool
) -> None:
    """SIGKILL with one WARC file stored and 30 captures settled in the open one, counted at the archive.

    Rerun on the same machine, the open file's whole records are kept: only the capture being fetched
    at the kill is asked for again, and only the CDX page in flight is read again (pages of 20 rows,
    several to a file of 40 captures). With the spool lost (another machine), the open file's captures are.
    """
    store, spool, window = tmp_path / "store", tmp_path / "spool", ("2019-01-01", "2020-01-01")
    records = 40
    env = archive_env(
        wayback,
        DEFCORPUS_ARCHIVE_WARC_RECORDS=str(records),
        DEFCORPUS_ARCHIVE_PAGE_ROWS="20",
        DEFCORPUS_ARCHIVE_SPOOL=str(spool),
    )
    wayback.reset_log()
    child = subprocess.Popen(
        backfill_args(site_file, store, "wayback", *window),
        env={**env, "DEFCORPUS_WAYBACK_MEMENTO_PER_MINUTE": "1200"},  # slow enough to kill between two files
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while open_file_captures(spool, store) < 30 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "killed mid-backfill, not finished"
    open_captures = open_file_captures(spool, store)
    assert 30 <= open_captures < records, "killed with a file open"
    before, pages_before = mementos(list(wayback.log)), cdx_pages(list(wayback.log))
    kept = {r.headers["WARC-Defcorpus-Memento"].split("/web/", 1)[1] for r in stored_records(store, "archived")}
    assert kept, "some files reached the store before the kill"
    if not spool_kept:
        shutil.rmtree(spool)

    wayback.reset_log()
    done = run_backfill_cli(site_file, store, env, "wayback", *window)
    assert done.returncode == 0, done.stderr
    again, pages_again = mementos(list(wayback.log)), cdx_pages(list(wayback.log))
    assert len(again) == len(set(again)), "the rerun asks for each capture once"
    assert set(pages_again.values()) == {1}, "the rerun reads each index page once"
    read_again = sorted(set(pages_again) & set(pages_before))
    kept_stamped = {k.replace("id_/", " ", 1) for k in kept}
    assert not set(again) & kept_stamped, "a capture already stored was fetched again"
    fetched_twice = set(again) & set(before)
    if spool_kept:
        assert f"{open_captures} captures kept from the stopped backfill's open file" in done.stdout
        assert len(fetched_twice) <= 1, f"only the capture in flight at the kill is fetched again: {fetched_twice}"
        assert len(read_again) <= 1, f"only the index page in flight is read again: {read_again}"
    else:
        assert "kept from the stopped backfill" not in done.stdout
        assert open_captures <= len(fetched_twice) <= records + 1, "the open file's captures are fetched again"
    assert not any(spool.rglob("*.warc.gz")), "nothing is left in the spool"

    in_window = (datetime(2019, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC))
    expected = {a.path for a in history.articles if a.choice(within=in_window)}
    per_article = Counter(r.path for r in stored_records(store, "archived"))
    assert set(per_article) == expected and set(per_article.values()) == {1}

    wayback.reset_log()
    third = run_backfill_cli(site_file, store, {**env, "DEFCORPUS_WAYBACK_CDX_PER_MINUTE": FAST}, "wayback", *window)
    assert third.returncode == 0 and "nothing to do" in third.stdout
    assert wayback.log == []


class _Watched:
    """A source that notes, as each index page is asked for, the cursor a kill at that moment would leave."""

    def __init__(self, source: Source, durable: Callable[[], dict[str, Any] | None]) -> None:
        self.source, self.durable, self.archive = source, durable, source.archive
        self.asked: list[tuple[dict[str, Any] | None, dict[str, Any]]] = []  # (durable cursor then, page asked)

    def pages(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        pages = self.source.pages(cursor)
        while True:
            durable = self.durable()
            page = next(pages, None)  # the index request is sent here
            if page is None:
                return
            self.asked.append((durable, page.position))
            yield page

    def fetch(self, capture: Capture) -> Memento | Skip:
        return self.source.fetch(capture)


def test_the_cursor_names_each_index_page_before_it_is_asked_for(
    wayback: FakeArchive, site_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kill test's promise, without its timing: a stop while page N+1 is being read (the request
    sent, the answer not in) leaves a cursor, in the open file's journal or in the store, that reads
    page N+1, so a rerun reads again only that page (before the fix: page N too)."""
    store, spool_root = open_store(str(tmp_path / "store")), tmp_path / "spool"
    settings = replace(
        ArchiveSettings(),
        wayback_url=wayback.base_url,
        wayback_cdx_per_minute=float(FAST),
        wayback_memento_per_minute=float(FAST),
        page_rows=20,
        warc_records=40,
        spool_dir=str(spool_root),
    )
    job = BackfillJob(load_site_file(site_file), "wayback", "2019-01-01", "2019-03-01", settings=settings)

    def durable() -> dict[str, Any] | None:
        for journal in spool_root.rglob("*.jsonl"):
            lines = [json.loads(line) for line in journal.read_text().splitlines()]
            cursors = [line["cursor"] for line in lines if "cursor" in line]
            if cursors:
                return cursors[-1]
        saved = ArchiveState(store, "archived", "wayback").cursor(job.window_id())
        return saved["position"] if saved else None

    watched: list[_Watched] = []

    def make_source(job: BackfillJob) -> tuple[Source, ArchiveClient]:
        source, client = real_make_source(job)
        watched.append(_Watched(source, durable))
        return watched[-1], client

    monkeypatch.setattr(backfill, "make_source", make_source)
    report = run_backfill(store, job)
    assert report.finished and len(report.warc_keys) >= 2, "several files, several pages to each"
    asked = watched[0].asked
    assert len(asked) >= 10
    late = [page for cursor, page in asked[1:] if cursor is None or page_of(cursor) != page]
    assert not late, f"{len(late)} of {len(asked) - 1} index pages asked for before a cursor named them"
