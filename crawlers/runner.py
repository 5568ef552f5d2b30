"""Run a crawl in a child process and return its report.

The child is ``python -m crawlers``; its log streams to ``on_log`` line by line (the CLI's progress
display, an Airflow task log), and a non-zero exit raises ``CrawlError`` with the log's tail.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers.sites import SiteConfig

logger = logging.getLogger(__name__)

# Scrapy's LogStats line: "Crawled 12 pages (at 720 pages/min), scraped 5 items (at 300 items/min)"
_LOGSTATS = re.compile(r"Crawled (\d+) pages .*scraped (\d+) items")


class CrawlError(RuntimeError):
    """The crawl process failed; the message carries the end of its log."""


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
        for name, value in self.settings.items():
            cmd += ["-s", f"{name}={value}"]
        return cmd

    def environment(self) -> dict[str, str]:
        """The child's environment: this process's, with the S3 endpoint when the job names one."""
        env = dict(os.environ)
        if self.s3_endpoint_url:
            env["DEFCORPUS_S3_ENDPOINT_URL"] = self.s3_endpoint_url
        return env


ProgressCallback = Callable[[int, int], None]


def run_crawl(
    job: CrawlJob,
    *,
    on_log: Callable[[str], None] | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Crawl one site; returns the crawl report (see ``crawlers.extensions.crawl_report``)."""
    tail: deque[str] = deque(maxlen=40)
    with tempfile.TemporaryDirectory(prefix="defcorpus-crawl-") as tmp:
        report_file = Path(tmp) / "report.json"
        with subprocess.Popen(
            job.command(report_file),
            env=job.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip("\n")
                tail.append(line)
                if on_log:
                    on_log(line)
                if on_progress and (match := _LOGSTATS.search(line)):
                    on_progress(int(match[1]), int(match[2]))
        if proc.returncode != 0 or not report_file.exists():
            log_tail = "\n".join(tail)
            raise CrawlError(f"crawl of {job.site.name!r} failed (exit code {proc.returncode}):\n{log_tail}")
        report: dict[str, Any] = json.loads(report_file.read_text())
    if on_progress:
        on_progress(report["pages_fetched"], report["articles_fetched"])
    return report
