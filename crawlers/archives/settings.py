"""Where the archives are and how hard a backfill may ask them: one place, read from the environment.

Endpoints are settings so that tests and private mirrors (a pywb instance, an internal copy of a
Common Crawl index) stand in for the public archives. The rates default to what the archives publish
or enforce, with a margin: the Wayback Machine blocks a client that sends its CDX server more than
about 20-30 queries a minute (the EDGI ``wayback`` library lowered its default to 24/min to match), and
Common Crawl asks for about one index request a second. A value that is not a positive number is a
one-line error before the first request (``ValueError``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from corpus.version import VERSION

WAYBACK_URL_ENV = "DEFCORPUS_WAYBACK_URL"
CC_INDEX_URL_ENV = "DEFCORPUS_CC_INDEX_URL"
CC_DATA_URL_ENV = "DEFCORPUS_CC_DATA_URL"
SPOOL_ENV = "DEFCORPUS_ARCHIVE_SPOOL"

# setting name -> (attribute, default, type)
_NUMBERS: dict[str, tuple[str, float, type]] = {
    "DEFCORPUS_WAYBACK_CDX_PER_MINUTE": ("wayback_cdx_per_minute", 20.0, float),
    "DEFCORPUS_WAYBACK_MEMENTO_PER_MINUTE": ("wayback_memento_per_minute", 60.0, float),
    "DEFCORPUS_CC_INDEX_PER_MINUTE": ("cc_index_per_minute", 60.0, float),
    "DEFCORPUS_CC_DATA_PER_MINUTE": ("cc_data_per_minute", 300.0, float),
    "DEFCORPUS_ARCHIVE_PAGE_ROWS": ("page_rows", 5000, int),
    "DEFCORPUS_ARCHIVE_RETRIES": ("retries", 5, int),
    "DEFCORPUS_ARCHIVE_BACKOFF_BASE": ("backoff_base", 2.0, float),
    "DEFCORPUS_ARCHIVE_MAX_BACKOFF": ("max_backoff", 300.0, float),
    "DEFCORPUS_ARCHIVE_TIMEOUT": ("timeout", 60.0, float),
    "DEFCORPUS_ARCHIVE_MAX_BYTES": ("max_bytes", 10 * 1024 * 1024, int),
    "DEFCORPUS_ARCHIVE_WARC_RECORDS": ("warc_records", 200, int),
}
MAX_CDX_ROWS = 150_000  # the Wayback CDX server answers at most this many rows per query
_MAY_BE_ZERO = {"retries", "backoff_base"}


@dataclass(frozen=True)
class ArchiveSettings:
    wayback_url: str = "https://web.archive.org"
    cc_index_url: str = "https://index.commoncrawl.org"
    cc_data_url: str = "https://data.commoncrawl.org"
    wayback_cdx_per_minute: float = 20.0
    wayback_memento_per_minute: float = 60.0
    cc_index_per_minute: float = 60.0
    cc_data_per_minute: float = 300.0
    page_rows: int = 5000  # Wayback CDX rows per page (resumeKey paging); at most MAX_CDX_ROWS
    retries: int = 5  # per request, on 429, 5xx and connection errors
    backoff_base: float = 2.0  # seconds, doubled per retry, unless the archive sends Retry-After
    max_backoff: float = 300.0
    timeout: float = 60.0
    max_bytes: int = 10 * 1024 * 1024  # a memento or record larger than this is skipped ("too_large")
    warc_records: int = 200  # captures per WARC file: what a backfill killed on a lost machine fetches again
    spool_dir: str = ""  # where the open WARC file is written ("": <tmp>/defcorpus-backfill-spool-<uid>)
    user_agent: str = f"defcorpus/{VERSION} (+https://github.com/defcorpus/defcorpus; archive backfill)"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ArchiveSettings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, attr in ((WAYBACK_URL_ENV, "wayback_url"), (CC_INDEX_URL_ENV, "cc_index_url")):
            if env.get(name):
                values[attr] = env[name]
        if env.get(CC_DATA_URL_ENV):
            values["cc_data_url"] = env[CC_DATA_URL_ENV]
        if env.get(SPOOL_ENV):
            values["spool_dir"] = env[SPOOL_ENV]
        for name, (attr, _, kind) in _NUMBERS.items():
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            try:
                values[attr] = kind(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number, got {raw!r}") from None
        return cls(**values).checked()  # type: ignore[arg-type]

    def checked(self) -> ArchiveSettings:
        for name, (attr, _, _) in _NUMBERS.items():
            value = getattr(self, attr)
            if value < 0 or (value == 0 and attr not in _MAY_BE_ZERO):
                raise ValueError(f"{name} must be positive, got {value}")
        if self.page_rows > MAX_CDX_ROWS:
            raise ValueError(f"DEFCORPUS_ARCHIVE_PAGE_ROWS must be at most {MAX_CDX_ROWS} (the CDX server's limit)")
        for url in (self.wayback_url, self.cc_index_url, self.cc_data_url):
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"archive endpoint must be an http(s) URL, got {url!r}")
        return self

    def with_archive_url(self, archive: str, url: str | None) -> ArchiveSettings:
        """``--archive-url``: the Wayback base, or the Common Crawl index server's."""
        if not url:
            return self
        base = url.rstrip("/")
        if archive == "wayback":
            return replace(self, wayback_url=base).checked()
        return replace(self, cc_index_url=base).checked()
