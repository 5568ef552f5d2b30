"""The ``DEFCORPUS_*`` environment variables of the store and the orchestration, typed, in one model.

``Environment.read()`` reads ``os.environ`` (or a mapping a test passes) once; a bad value is a
one-line ``ValueError`` naming the variable. docs/operations.md ("Environment variables") lists
every variable; the archive backfill's (endpoints, rates, limits: docs/backfill.md "Settings") are
here too, with their defaults, and ``crawlers.archives.settings`` builds its settings from them.

Why a small pydantic model, not pydantic-settings: the callers take a plain mapping (tests, the
crawl child's environment), and the per-site variables (``DEFCORPUS_CRAWL_SCHEDULE__<SITE>``) have
names that only exist once the sites are known.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

PREFIX = "DEFCORPUS_"
MAX_CDX_ROWS = 150_000  # the Wayback CDX server answers at most this many rows per query


class Environment(BaseModel):
    """One field per variable, named as the variable without ``DEFCORPUS_``, in lower case."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    store: str = ""  # DEFCORPUS_STORE: a directory, file:///dir or s3://bucket/prefix
    s3_endpoint_url: str | None = None  # DEFCORPUS_S3_ENDPOINT_URL
    aws_conn_id: str = "aws_default"  # DEFCORPUS_AWS_CONN_ID: the Airflow connection tasks read
    sites_dir: Path | None = None  # DEFCORPUS_SITES_DIR: site configs elsewhere than the package's
    crawl_schedule: str | None = None  # DEFCORPUS_CRAWL_SCHEDULE: all crawl DAGs (per site: __<SITE>)
    compact_min_files: int = 8  # DEFCORPUS_COMPACT_MIN_FILES: 0 (off) or at least 2
    clean_parallel_sites: int = 1  # DEFCORPUS_CLEAN_PARALLEL_SITES: at least 1
    clean_workers: int = 1  # DEFCORPUS_CLEAN_WORKERS: processes one clean task extracts pages with, at least 1
    retry_delay_seconds: int = 300  # DEFCORPUS_RETRY_DELAY_SECONDS: a failed task's first retry waits this long
    # The archive backfill (docs/backfill.md): endpoints, then rates (requests a minute), then limits.
    wayback_url: str = "https://web.archive.org"  # DEFCORPUS_WAYBACK_URL: CDX and mementos
    cc_index_url: str = "https://index.commoncrawl.org"  # DEFCORPUS_CC_INDEX_URL
    cc_data_url: str = "https://data.commoncrawl.org"  # DEFCORPUS_CC_DATA_URL: WARC records by HTTP range
    # The Wayback Machine blocks a client above about 20-30 CDX queries a minute (the EDGI ``wayback``
    # library uses 24); Common Crawl asks for about one index request a second.
    wayback_cdx_per_minute: float = 20.0  # DEFCORPUS_WAYBACK_CDX_PER_MINUTE
    wayback_memento_per_minute: float = 60.0  # DEFCORPUS_WAYBACK_MEMENTO_PER_MINUTE
    cc_index_per_minute: float = 60.0  # DEFCORPUS_CC_INDEX_PER_MINUTE
    cc_data_per_minute: float = 300.0  # DEFCORPUS_CC_DATA_PER_MINUTE
    archive_page_rows: int = 5000  # DEFCORPUS_ARCHIVE_PAGE_ROWS: CDX rows a page, at most MAX_CDX_ROWS
    archive_retries: int = 5  # DEFCORPUS_ARCHIVE_RETRIES: of a request answered 429 or 5xx; 0 or more
    archive_backoff_base: float = 2.0  # DEFCORPUS_ARCHIVE_BACKOFF_BASE: seconds, doubled per retry; 0 or more
    archive_max_backoff: float = 300.0  # DEFCORPUS_ARCHIVE_MAX_BACKOFF: seconds
    archive_timeout: float = 60.0  # DEFCORPUS_ARCHIVE_TIMEOUT: seconds to read an answer
    archive_max_bytes: int = 10 * 1024 * 1024  # DEFCORPUS_ARCHIVE_MAX_BYTES: a larger memento is skipped
    archive_warc_records: int = 200  # DEFCORPUS_ARCHIVE_WARC_RECORDS: captures per WARC file
    archive_spool: str = ""  # DEFCORPUS_ARCHIVE_SPOOL: the open WARC file's directory ("": under the temp dir)
    per_site: dict[str, str] = {}  # every DEFCORPUS_<NAME>__<SITE>, by its full name

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> Environment:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            name[len(PREFIX) :].lower(): value
            for name, value in env.items()
            if name.startswith(PREFIX) and "__" not in name and value.strip()
        }
        values["per_site"] = {name: value for name, value in env.items() if name.startswith(PREFIX) and "__" in name}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            message = str(error["msg"]).removeprefix("Value error, ")
            raise ValueError(f"{PREFIX}{str(error['loc'][0]).upper()} {message}") from None

    @field_validator("store", "s3_endpoint_url", "crawl_schedule")
    @classmethod
    def _stripped(cls, value: str | None) -> str | None:
        return value.strip() if value is not None else None

    @field_validator("compact_min_files", mode="before")
    @classmethod
    def _files(cls, value: Any) -> int:
        files = _whole(value, "files")
        if files < 0 or files == 1:
            raise ValueError(f"must be 0 (off) or at least 2, got {files}")
        return files

    @field_validator("clean_parallel_sites", mode="before")
    @classmethod
    def _parallel(cls, value: Any) -> int:
        return max(1, _whole(value, "sites"))

    @field_validator("clean_workers", mode="before")
    @classmethod
    def _workers(cls, value: Any) -> int:
        return _at_least_one(value, "process", "processes")

    @field_validator("retry_delay_seconds", mode="before")
    @classmethod
    def _delay(cls, value: Any) -> int:
        return _at_least_one(value, "second", "seconds")

    @field_validator("wayback_url", "cc_index_url", "cc_data_url", mode="before")
    @classmethod
    def _endpoint(cls, value: Any) -> str:
        url = str(value).strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return url

    @field_validator(
        "wayback_cdx_per_minute",
        "wayback_memento_per_minute",
        "cc_index_per_minute",
        "cc_data_per_minute",
        mode="before",
    )
    @classmethod
    def _rate(cls, value: Any) -> float:
        return _positive(value, "requests a minute")

    @field_validator("archive_max_backoff", "archive_timeout", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> float:
        return _positive(value, "seconds")

    @field_validator("archive_backoff_base", mode="before")
    @classmethod
    def _backoff(cls, value: Any) -> float:
        seconds = _number(value, "seconds")
        if seconds < 0:
            raise ValueError(f"must be 0 or more seconds, got {seconds}")
        return seconds

    @field_validator("archive_retries", mode="before")
    @classmethod
    def _retries(cls, value: Any) -> int:
        retries = _whole(value, "retries")
        if retries < 0:
            raise ValueError(f"must be 0 or more retries, got {retries}")
        return retries

    @field_validator("archive_page_rows", mode="before")
    @classmethod
    def _rows(cls, value: Any) -> int:
        rows = _at_least_one(value, "row", "rows")
        if rows > MAX_CDX_ROWS:
            raise ValueError(f"must be at most {MAX_CDX_ROWS} (the CDX server's limit), got {rows}")
        return rows

    @field_validator("archive_max_bytes", mode="before")
    @classmethod
    def _bytes(cls, value: Any) -> int:
        return _at_least_one(value, "byte", "bytes")

    @field_validator("archive_warc_records", mode="before")
    @classmethod
    def _records(cls, value: Any) -> int:
        return _at_least_one(value, "capture", "captures")

    def for_site(self, name: str, site: str) -> str | None:
        """``DEFCORPUS_<NAME>__<SITE>`` (the site name upper-cased, other characters as ``_``), if set."""
        return self.per_site.get(f"{PREFIX}{name}__{re.sub(r'[^A-Z0-9]', '_', site.upper())}") or None


def _whole(value: Any, units: str) -> int:
    """``value`` as an int, or the one-line error every numeric setting gives."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a whole number of {units}, got {value!r}") from None


def _at_least_one(value: Any, unit: str, units: str) -> int:
    number = _whole(value, units)
    if number < 1:
        raise ValueError(f"must be at least 1 {unit}, got {number}")
    return number


def _number(value: Any, units: str) -> float:
    """``value`` as a float, or the one-line error every numeric setting gives."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number of {units}, got {value!r}") from None
    if number != number:  # NaN compares false with everything: no rate or delay
        raise ValueError(f"must be a number of {units}, got {value!r}")
    return number


def _positive(value: Any, units: str) -> float:
    number = _number(value, units)
    if number <= 0:
        raise ValueError(f"must be more than 0 {units}, got {number}")
    return number
