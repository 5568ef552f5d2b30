"""Where the archives are and how hard a backfill may ask them: the settings one backfill runs with.

Endpoints are settings so that tests and private mirrors (a pywb instance, an internal copy of a
Common Crawl index) stand in for the public archives. The environment variables, their defaults
(what the archives publish or enforce, with a margin) and their checks are ``corpus.env``'s, the
project's one reader of the environment: a bad value is a one-line ``ValueError`` naming the
variable, before the first request. The defaults here are that model's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from corpus.env import MAX_CDX_ROWS, Environment
from corpus.version import VERSION

__all__ = ["MAX_CDX_ROWS", "ArchiveSettings"]

_DEFAULT = Environment()


@dataclass(frozen=True)
class ArchiveSettings:
    wayback_url: str = _DEFAULT.wayback_url
    cc_index_url: str = _DEFAULT.cc_index_url
    cc_data_url: str = _DEFAULT.cc_data_url
    wayback_cdx_per_minute: float = _DEFAULT.wayback_cdx_per_minute
    wayback_memento_per_minute: float = _DEFAULT.wayback_memento_per_minute
    cc_index_per_minute: float = _DEFAULT.cc_index_per_minute
    cc_data_per_minute: float = _DEFAULT.cc_data_per_minute
    page_rows: int = _DEFAULT.archive_page_rows  # Wayback CDX rows per page (resumeKey paging)
    retries: int = _DEFAULT.archive_retries  # per request, on 429, 5xx and connection errors
    backoff_base: float = _DEFAULT.archive_backoff_base  # seconds, doubled per retry, unless Retry-After
    max_backoff: float = _DEFAULT.archive_max_backoff
    timeout: float = _DEFAULT.archive_timeout
    max_bytes: int = _DEFAULT.archive_max_bytes  # a memento or record larger than this is skipped ("too_large")
    warc_records: int = _DEFAULT.archive_warc_records  # captures per WARC file: what a lost machine fetches again
    spool_dir: str = _DEFAULT.archive_spool  # the open WARC file's directory ("": <tmp>/defcorpus-backfill-spool-<uid>)
    user_agent: str = f"defcorpus/{VERSION} (+https://github.com/defcorpus/defcorpus; archive backfill)"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ArchiveSettings:
        """The ``DEFCORPUS_*`` archive variables of ``environ`` (``os.environ``), as ``corpus.env`` reads them."""
        env = Environment.read(environ)
        return cls(
            wayback_url=env.wayback_url,
            cc_index_url=env.cc_index_url,
            cc_data_url=env.cc_data_url,
            wayback_cdx_per_minute=env.wayback_cdx_per_minute,
            wayback_memento_per_minute=env.wayback_memento_per_minute,
            cc_index_per_minute=env.cc_index_per_minute,
            cc_data_per_minute=env.cc_data_per_minute,
            page_rows=env.archive_page_rows,
            retries=env.archive_retries,
            backoff_base=env.archive_backoff_base,
            max_backoff=env.archive_max_backoff,
            timeout=env.archive_timeout,
            max_bytes=env.archive_max_bytes,
            warc_records=env.archive_warc_records,
            spool_dir=env.archive_spool,
        )

    def with_archive_url(self, archive: str, url: str | None) -> ArchiveSettings:
        """``--archive-url``: the Wayback base, or the Common Crawl index server's."""
        if not url:
            return self
        base = url.rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise ValueError(f"--archive-url must be an http(s) URL, got {url!r}")
        if archive == "wayback":
            return replace(self, wayback_url=base)
        return replace(self, cc_index_url=base)
