"""Test helpers: crawl a site config in a child process (``crawlers.runner``), read back its WARC files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from crawlers.report import CrawlReport
from crawlers.runner import CrawlJob, run_crawl
from crawlers.sites import SiteConfig

# Loopback servers are our own, on 127.0.0.1: they need no politeness delay; all else stays as shipped.
NO_PACING = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}
# ... and a retry after a fault need not wait as long as on a publisher.
LOOPBACK = {**NO_PACING, "DEFCORPUS_BACKOFF_BASE": 0.2}


def crawl(site: SiteConfig, store: Path, **settings: Any) -> CrawlReport:
    return run_crawl(CrawlJob(site=site, store=str(store), settings={**LOOPBACK, **settings}))


@dataclass(frozen=True)
class WarcResponse:
    key: str
    url: str
    status: int
    flags: str

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


def warc_responses(store: Path, site: str) -> list[WarcResponse]:
    found = []
    for path in sorted((store / "raw" / f"site={site}").rglob("*.warc.gz")):
        key = path.relative_to(store).as_posix()
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    found.append(
                        WarcResponse(
                            key,
                            record.rec_headers.get_header("WARC-Target-URI"),
                            int(record.http_headers.get_statuscode()),
                            record.rec_headers.get_header("WARC-Defcorpus-Flags") or "",
                        )
                    )
    return found


def article_paths(responses: list[WarcResponse], site: SiteConfig) -> list[str]:
    """Paths of the 200 article responses in the WARC files, with repeats (to catch duplicates)."""
    return sorted(r.path for r in responses if r.status == 200 and site.is_article_url(r.url))
