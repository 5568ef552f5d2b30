"""The ``DEFCORPUS_*`` environment variables of the store and the orchestration, typed, in one model.

``Environment.read()`` reads ``os.environ`` (or a mapping a test passes) once; a bad value is a
one-line ``ValueError`` naming the variable. docs/operations.md ("Environment variables") lists
every variable, these and the crawl's and the archive backfill's.

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
