"""Backfill a site from a web archive: its article URLs' captures in a window, one capture each, as WARC.

For each article (an index urlkey without its query; ``crawlers.archives.captures``) of the site
whose URL the site's article rules accept, the captures are tried earliest first (``latest``: newest
first) until one is the article: a redirect, an error, a soft 404, a bot check or an empty page is
skipped and counted by reason. The window bounds capture times, which is what the archives index.

Holds the site's crawl lease (one backfill or crawl of a site at a time). Killed at any point, a
rerun first stores the whole records of the WARC file that was open (``crawlers.archives.spool``),
then continues from the cursor and fetches nothing that was settled: on the same machine only the
capture being fetched at the kill is fetched again (on another one, the open file's captures). The
cursor advances durably at each index page (``_page_done``), before the next page is asked for, so
on the same machine the rerun reads again only the index page that was in flight.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from corpus import layout
from corpus.lease import Lease, crawl_lease
from corpus.store import Store
from crawlers.archives import commoncrawl, spool, wayback
from crawlers.archives.captures import (
    Capture,
    Page,
    Skip,
    Source,
    format_timestamp,
    grouped,
    on_site,
    page_of,
    with_carried,
)
from crawlers.archives.client import ArchiveClient
from crawlers.archives.settings import ArchiveSettings
from crawlers.archives.state import ArchiveState, ArticleSet
from crawlers.archives.writer import BackfillWriter
from crawlers.sites import SiteConfig
from crawlers.window import Window

logger = logging.getLogger(__name__)

Archive = Literal["wayback", "commoncrawl"]
Choice = Literal["earliest", "latest"]
ProgressCallback = Callable[["BackfillReport"], None]


@dataclass
class BackfillReport:
    site: str
    archive: str
    since: str
    until: str
    capture: str
    run_id: str
    captures_found: int = 0  # index rows read (a page read again after a restart counts again)
    articles_found: int = 0  # distinct articles among them (Common Crawl lists one in each crawl that has it)
    not_article: int = 0  # captures of URLs the site's article rules refuse: never fetched
    fetched: int = 0  # articles stored in raw/ by this run
    already_settled: int = 0  # articles an earlier backfill of this archive stored
    without_good_capture: int = 0  # articles whose every capture in the window was skipped
    recovered: int = 0  # captures a stopped backfill settled in its open WARC file, stored by this run
    skipped: Counter[str] = field(default_factory=Counter)  # captures fetched and refused, by reason
    requests: dict[str, int] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)
    warc_keys: list[str] = field(default_factory=list)
    finished: bool = False
    already_finished: bool = False  # the window was backfilled before: nothing was asked
    seconds: float = 0.0

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = dict(self.skipped)
        return data

    def summary(self) -> str:
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items())) or "none"
        recovered = f"{self.recovered} captures kept from the stopped backfill's open file; " if self.recovered else ""
        return (
            f"{self.site} from {self.archive}: {recovered}{self.captures_found} captures found, "
            f"{self.articles_found} articles, {self.fetched} fetched, {self.already_settled} already stored, "
            f"{self.skipped_total} captures skipped ({reasons}), {self.not_article} non-article captures left alone; "
            f"{sum(self.requests.values())} requests, {len(self.warc_keys)} WARC files"
        )


@dataclass(frozen=True)
class BackfillJob:
    site: SiteConfig
    archive: Archive
    since: str
    until: str
    capture: Choice = "earliest"
    settings: ArchiveSettings = field(default_factory=ArchiveSettings)

    def window(self) -> Window:
        window = Window.from_strings(self.since, self.until)
        if window.since is None or window.until is None:
            raise ValueError("a backfill needs both --since and --until")
        return window

    def window_id(self) -> str:
        window = self.window()
        assert window.since and window.until
        return f"{format_timestamp(window.since)}-{format_timestamp(window.until)}-{self.capture}"


def make_source(job: BackfillJob) -> tuple[Source, ArchiveClient]:
    window = job.window()
    if job.archive == "wayback":
        client = wayback.archive_client(job.settings)
        return wayback.WaybackSource(client, job.settings, job.site, window, job.capture), client
    if job.archive == "commoncrawl":
        client = commoncrawl.archive_client(job.settings)
        return commoncrawl.CommonCrawlSource(client, job.settings, job.site, window, job.capture), client
    raise ValueError(f"unknown archive {job.archive!r} (wayback or commoncrawl)")


def run_backfill(store: Store, job: BackfillJob, *, on_progress: ProgressCallback | None = None) -> BackfillReport:
    """Backfill ``job.site`` from ``job.archive``; raises ``ArchiveError`` when the archive cannot be used
    (what was fetched until then is stored, and the cursor saved), ``LeaseHeldError`` when another
    backfill or crawl of the site runs."""
    job.window()  # a bad window is refused before the lease is taken
    with crawl_lease(store, job.site.name) as lease:
        return _Backfill(store, job, lease, on_progress).run()


class _Backfill:
    def __init__(self, store: Store, job: BackfillJob, lease: Lease, on_progress: ProgressCallback | None) -> None:
        self.store, self.job, self.lease, self.on_progress = store, job, lease, on_progress
        self.window = job.window()
        self.report = BackfillReport(
            job.site.name, job.archive, job.since, job.until, job.capture, run_id=layout.new_run_id()
        )
        self.spool_dir = spool.spool_dir(store, job.site.name, job.archive, job.settings.spool_dir)
        # Before the state is read: what a stopped backfill settled in its open file counts as settled.
        recovered = spool.recover(store, job.site.name, job.archive, self.spool_dir)
        self.report.recovered = recovered.captures
        self.state = ArchiveState.load(store, job.site.name, job.archive)
        for window_id, position in recovered.cursors.items():  # its captures are stored: the cursor may pass them
            self.state.save_cursor(window_id, position, finished=False, warc_key=None)
        self.position: dict[str, Any] | None = None
        # Common Crawl lists an article once per crawl holding it, and an index sorts `/a-b` between
        # `/a` and `/a?utm_source=…`: the same article comes as several groups, counted once.
        self.found, self.unsettled = ArticleSet(), ArticleSet()

    def run(self) -> BackfillReport:
        started = time.monotonic()
        window_id = self.job.window_id()
        cursor = self.state.cursor(window_id)
        if cursor and cursor.get("finished"):
            self.report.finished = self.report.already_finished = True
            return self.report
        self.position = cursor.get("position") if cursor else None
        self.source, self.client = make_source(self.job)
        self.writer = BackfillWriter(
            self.store,
            self.job.site.name,
            self.job.archive,
            self.report.run_id,
            self.job.settings.warc_records,
            self.spool_dir,
        )
        try:
            pages = with_carried(self.position, self.source.pages(page_of(self.position) if self.position else None))
            for position, group in grouped(self._counted(pages)):
                if not group:  # an index page read through: durable before the next page is asked for
                    self._page_done(window_id, position)
                    self.position = position
                    continue
                self._settle(group)
                self.position = position
                if self.writer.full():
                    self._flush(window_id, finished=False)
                    self.lease.renew(if_due=True)
                self._progress()
            self._flush(window_id, finished=True)
            self.report.finished = True
        except BaseException:
            self._flush(window_id, finished=False)  # what was fetched is kept; the rerun goes on from here
            raise
        finally:
            self.writer.close()
            self.client.close()
            self.report.requests = dict(self.client.requests)
            self.report.retries = dict(self.client.retried)
            self.report.seconds = round(time.monotonic() - started, 2)
            self._progress()
        return self.report

    def _counted(self, pages: Iterable[Page]) -> Iterator[Page]:
        for page in pages:
            self.report.captures_found += len(page.captures)
            yield page

    def _settle(self, group: list[Capture]) -> None:
        """Fetch the article's captures in the chosen order until one is the article."""
        if not on_site(self.job.site, group[0].url):
            self.report.not_article += len(group)
            return
        article = group[0].article
        first_seen = self.found.add(article)
        self.report.articles_found += first_seen
        if self.state.has_article(article):
            self.report.already_settled += first_seen  # not when this run stored it from an earlier group
            return
        inside = [c for c in group if self.window.contains(c.captured_at)]  # a mirror that ignores from/to
        for capture in sorted(inside, key=lambda c: c.timestamp, reverse=self.job.capture == "latest"):
            if self.state.skipped_before(article, capture.timestamp):
                continue
            result = self.source.fetch(capture)
            if isinstance(result, Skip):
                logger.info("skipped (%s): %s at %s", result.reason, capture.url, capture.timestamp)
                self.report.skipped[result.reason] += 1
                self.writer.skip(capture, result.reason)
                self.state.note(article, capture.timestamp, result.reason)
                continue
            self.writer.add(result, capture)
            self.state.note(article, capture.timestamp, "fetched")
            self.report.fetched += 1
            self.report.without_good_capture -= self.unsettled.discard(article)
            return
        self.report.without_good_capture += self.unsettled.add(article)

    def _page_done(self, window_id: str, position: dict[str, Any]) -> None:
        """An index page is read through and the next is about to be asked for: every capture before
        ``position`` is settled, so a rerun need not read them again.

        Durable at once: in the store when nothing settled waits in an open file, else in that file's
        journal (the rerun that stores the file saves it). A rerun reads again only the page in flight.
        """
        if not self.writer.note_cursor(window_id, position):
            last = self.report.warc_keys[-1] if self.report.warc_keys else None
            self.state.save_cursor(window_id, position, finished=False, warc_key=last)

    def _flush(self, window_id: str, *, finished: bool) -> None:
        key = self.writer.flush()
        if key:
            self.report.warc_keys.append(key)
            logger.info("WARC file written: %s", self.store.uri(key))
        self.state.save_cursor(window_id, self.position, finished=finished, warc_key=key)

    def _progress(self) -> None:
        if self.on_progress:
            self.on_progress(self.report)
