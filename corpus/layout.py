"""Where every object lives in the store. One module, so the layout is read in one place.

raw/site=<site>/<YYYY>/<MM>/<crawl_id>-<seq>.warc.gz   fetched responses (immutable)
raw/site=<site>/<YYYY>/<MM>/<crawl_id>.stats.json      what the crawl did
clean/site=<site>/month=<YYYY-MM>/<batch_id>-<n>.parquet   published articles (Hive partitions)
clean/_manifests/<batch_id>.json                        a batch is visible once its manifest exists
state/<site>/boilerplate.json                           learned paragraph statistics
state/<site>/fetched/<crawl_id>-<seq>.jsonl             what one WARC file fetched (URL, ETag, hash…)
state/<site>/fetched/snapshot-<crawl_id>.jsonl.gz       the segments merged (written by a later crawl)
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from crawlers.sites import NAME_PATTERN

RAW_PREFIX = "raw/"
CLEAN_PREFIX = "clean/"
MANIFEST_PREFIX = "clean/_manifests/"
STATE_PREFIX = "state/"
_SITE = re.compile(NAME_PATTERN)


def _site(site: str) -> str:
    if not _SITE.match(site):
        raise ValueError(f"invalid site name {site!r}")
    return site


def new_run_id(now: datetime | None = None) -> str:
    """Sortable, unique id for a crawl or a cleaning batch: UTC time plus random suffix."""
    now = now or datetime.now(UTC)
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def raw_site_prefix(site: str) -> str:
    return f"{RAW_PREFIX}site={_site(site)}/"


def raw_warc_key(site: str, crawl_id: str, seq: int) -> str:
    year, month = crawl_id[0:4], crawl_id[4:6]
    return f"{raw_site_prefix(site)}{year}/{month}/{crawl_id}-{seq:05d}.warc.gz"


def crawl_stats_key(site: str, crawl_id: str) -> str:
    year, month = crawl_id[0:4], crawl_id[4:6]
    return f"{raw_site_prefix(site)}{year}/{month}/{crawl_id}.stats.json"


def clean_data_key(site: str, month: str, batch_id: str, part: int) -> str:
    return f"{CLEAN_PREFIX}site={_site(site)}/month={month}/{batch_id}-{part:04d}.parquet"


def manifest_key(batch_id: str) -> str:
    return f"{MANIFEST_PREFIX}{batch_id}.json"


def boilerplate_state_key(site: str) -> str:
    return f"{STATE_PREFIX}{_site(site)}/boilerplate.json"


def crawl_state_prefix(site: str) -> str:
    return f"{STATE_PREFIX}{_site(site)}/fetched/"


def crawl_state_segment_key(site: str, crawl_id: str, seq: int) -> str:
    return f"{crawl_state_prefix(site)}{crawl_id}-{seq:05d}.jsonl"


def crawl_state_snapshot_key(site: str, crawl_id: str) -> str:
    return f"{crawl_state_prefix(site)}snapshot-{crawl_id}.jsonl.gz"


def clean_lease_key(site: str) -> str:
    return f"{STATE_PREFIX}{_site(site)}/clean.lease"


def crawl_lease_key(site: str) -> str:
    return f"{STATE_PREFIX}{_site(site)}/crawl.lease"
