"""Run a crawl in a child process and return its report.

The child is ``python -m crawlers``; its log streams to ``on_log`` line by line (the CLI's progress
display, an Airflow task log). A failed crawl raises ``CrawlError`` (refused, busy, unreachable,
interrupted, or failed), whose ``reason`` is one line and whose message adds the log's tail.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from crawlers.extensions.progress import PROGRESS_PREFIX
from crawlers.report import CrawlReport, Reach
from crawlers.sites import SiteConfig

EXIT_BUSY = 75  # python -m crawlers: another crawl holds the site's lease (crawlers/__main__.py)

logger = logging.getLogger(__name__)

# Scrapy's LogStats line: "Crawled 12 pages (at 720 pages/min), scraped 5 items (at 300 items/min)"
_PROGRESS = re.compile(rf"{PROGRESS_PREFIX} pages=(\d+) articles=(\d+)")
_LOGSTATS = re.compile(r"Crawled (\d+) pages .*scraped (\d+) items")


class CrawlError(RuntimeError):
    """The crawl failed. ``reason`` says why in one line (what the CLI shows); ``str()`` adds the end
    of the crawl's log (what a task log shows); ``report`` is the crawl's report if it wrote one."""

    def __init__(self, reason: str, log_tail: str = "", report: CrawlReport | None = None) -> None:
        super().__init__(f"{reason}\n{log_tail}" if log_tail else reason)
        self.reason, self.log_tail, self.report = reason, log_tail, report


class CrawlRefusedError(CrawlError):
    """The crawl refused to start (site config, window, store): it sent no request."""


class CrawlBusyError(CrawlRefusedError):
    """Another crawl of the site holds its lease; try again when it is done."""


class CrawlUnreachableError(CrawlError):
    """Every request failed without a response (DNS, refused, TLS, timeouts): the crawl reached nothing.

    Why an error: "0 WARC files (finished)" with exit status 0 reads as "nothing new", so a site that
    moved or a network that is down would go unnoticed (a green Airflow task) for as long as it lasts.
    """


class CrawlInterruptedError(CrawlError):
    """The crawl was stopped by a signal (Ctrl-C, SIGTERM) and stopped in order: what it fetched is stored."""

    def __init__(self, reason: str, log_tail: str, report: CrawlReport | None, signum: int) -> None:
        super().__init__(reason, log_tail, report)
        self.signum = signum

    @property
    def pages_kept(self) -> int | None:
        """Responses in the WARC files the crawl stored; None if it could not tell (forced to stop
        before its report, or a WARC file failed)."""
        if self.report is None or self.report.stats.get("warc/errors"):
            return None
        return int(self.report.stats.get("warc/records", 0)) // 2


@dataclass(frozen=True)
class CrawlJob:
    """One crawl: the site's config travels whole to the child, wherever it was loaded from.

    The S3 endpoint travels in the child's environment (``DEFCORPUS_S3_ENDPOINT_URL``), not on its
    command line, which any user of the machine can read (``ps``): an endpoint URL may carry user info.
    """

    site: SiteConfig
    store: str
    s3_endpoint_url: str | None = None
    since: str | None = None
    until: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    def command(self, report_file: Path) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "crawlers",
            "--site-json",
            self.site.model_dump_json(),
            "--store",
            self.store,
            "--report-file",
            str(report_file),
        ]
        optional = {"--since": self.since, "--until": self.until}
        for flag, value in optional.items():
            if value:
                cmd += [flag, str(value)]
        if self.settings:  # as JSON: a list or a dict arrives as one, not as the text of its repr
            cmd += ["--settings-json", json.dumps(dict(self.settings))]
        return cmd

    def environment(self) -> dict[str, str]:
        """The child's environment: this process's, with the S3 endpoint when the job names one."""
        env = dict(os.environ)
        if self.s3_endpoint_url:
            env["DEFCORPUS_S3_ENDPOINT_URL"] = self.s3_endpoint_url
        return env


ProgressCallback = Callable[[int, int], None]


class _Signalled(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C while the crawl runs, so that the child is stopped, not orphaned."""

    signum = signal.SIGTERM


def _raise_signalled(signum: int, frame: object) -> None:
    raise _Signalled


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Where nothing handles SIGTERM (the CLI), treat it as Ctrl-C for as long as the child runs.

    Left alone where a handler is installed (Airflow's task runner) or off the main thread.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _raise_signalled)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_crawl(
    job: CrawlJob,
    *,
    on_log: Callable[[str], None] | None = None,
    on_progress: ProgressCallback | None = None,
) -> CrawlReport:
    """Crawl one site; returns the crawl report (``crawlers.report.CrawlReport``).

    Raises ``CrawlError`` (or a subclass saying which failure it was) when the crawl failed. An
    interrupt (Ctrl-C, SIGTERM without another handler, any exception while waiting) stops the child
    the way Ctrl-C stops a Scrapy crawl: it stores what it fetched and releases the site's lease.
    The child runs in its own session, so a Ctrl-C at the terminal reaches it once, from here.
    """
    tail: deque[str] = deque(maxlen=40)
    interrupted: BaseException | None = None
    with tempfile.TemporaryDirectory(prefix="defcorpus-crawl-") as tmp, _sigterm_as_interrupt():
        report_file = Path(tmp) / "report.json"
        progress = ["-s", "DEFCORPUS_PROGRESS_ENABLED=True"] if on_progress else []  # live counts, not LogStats
        with subprocess.Popen(
            job.command(report_file) + progress,
            env=job.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        ) as proc:
            assert proc.stdout is not None
            stops = 0
            while True:
                try:
                    _follow(proc.stdout, tail, on_log, on_progress)
                    proc.wait()
                    break
                except BaseException as exc:  # whatever stops us, the child must stop too
                    interrupted = interrupted or exc
                    stops += 1
                    _stop(proc, stops)
        report, refusal = _read_report(report_file)
    log_tail = "\n".join(tail)
    name = job.site.name
    if interrupted is not None:
        if not isinstance(interrupted, KeyboardInterrupt):
            raise interrupted
        signum = getattr(interrupted, "signum", signal.SIGINT)
        raise CrawlInterruptedError(f"crawl of {name!r} interrupted", log_tail, report, signum) from None
    if refusal is not None:
        refused = CrawlBusyError if proc.returncode == EXIT_BUSY else CrawlRefusedError
        raise refused(refusal, log_tail)
    if report is not None and (reach := Reach.of(report)).nothing:
        raise CrawlUnreachableError(f"crawl of {name} reached nothing: {reach.describe()}", log_tail, report)
    if proc.returncode != 0 or report is None:
        finish = f"finish reason {report.finish_reason}, " if report else ""
        last = _last_error(tail)
        reason = f"crawl of {name!r} failed ({finish}exit code {proc.returncode})" + (f": {last}" if last else "")
        raise CrawlError(reason, log_tail, report)
    if on_progress:
        on_progress(report.pages_fetched, report.articles_fetched)
    return report


def _follow(
    lines: IO[str], tail: deque[str], on_log: Callable[[str], None] | None, on_progress: ProgressCallback | None
) -> None:
    for line in lines:
        line = line.rstrip("\n")
        if line.startswith(PROGRESS_PREFIX):  # crawlers.extensions.progress: counts, not a log line
            if on_progress and (counts := _PROGRESS.match(line)):
                on_progress(int(counts[1]), int(counts[2]))
            continue
        tail.append(line)
        if on_log:
            on_log(line)
        if on_progress and (match := _LOGSTATS.search(line)):
            on_progress(int(match[1]), int(match[2]))


def _stop(proc: subprocess.Popen[str], attempt: int) -> None:
    """First a graceful stop (Scrapy finishes its requests and stores the open WARC file), then
    Scrapy's forced one, then SIGKILL: a user pressing Ctrl-C again gets each in turn."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGINT if attempt <= 2 else signal.SIGKILL)
    if attempt == 1:
        logger.warning("stopping the crawl once its requests under way are done; interrupt again to stop at once")
    elif attempt == 2:
        logger.warning(
            "stopping the crawl at once: the pages of its open WARC file are lost (the next run refetches them)"
        )


def _read_report(path: Path) -> tuple[CrawlReport | None, str | None]:
    """The crawl's report, or the one line saying why it refused to start (``{"error": …}``); None if neither."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None, None
    if isinstance(data, dict) and "error" in data:
        return None, str(data["error"])
    try:
        return CrawlReport.model_validate(data), None
    except ValueError:
        return None, None


_LOG_ERROR = re.compile(r"\[[^\]]+\] (?:ERROR|CRITICAL): (.+)|^error: (.+)")


def _last_error(tail: deque[str]) -> str | None:
    """The crawl's last logged error: the likeliest why, for a one-line message."""
    for line in reversed(tail):
        if match := _LOG_ERROR.search(line):
            return (match[1] or match[2]).strip() or None
    return None
