"""Where every object lives in the store. One module, so the layout is read in one place.

raw/site=<site>/<YYYY>/<MM>/<crawl_id>-<seq>.warc.gz   fetched responses (immutable)
raw/site=<site>/<YYYY>/<MM>/<crawl_id>.stats.json      what the crawl did
clean/site=<site>/month=<YYYY-MM>/<batch_id>-<n>.parquet   published articles (Hive partitions)
clean/_manifests/<batch_id>.json                        a batch is visible once its manifest exists
clean/_staging/site=<site>/month=<YYYY-MM>/<batch_id>-<n>.parquet.staged   a batch's files until it commits
clean/_summaries/<batch_id>.json                        what a clean batch removed and its quality metrics
reports/latest.html                                     the latest corpus report (``defcorpus report``)
reports/runs/<run_id>.html                              the report each cleaning run wrote
quarantine/<key>                                        a damaged object of clean/, set aside
quarantine/<key>.note.json                              why <key> was set aside (raw/ objects stay in place)
state/<site>/boilerplate.json                           learned paragraph statistics
state/<site>/fetched/<crawl_id>-<seq>.jsonl             what one WARC file fetched (URL, ETag, hash…)
state/<site>/fetched/snapshot-<crawl_id>.jsonl.gz       the segments merged (written by a later crawl)
raw/…/<crawl_id>-<seq>-salvaged.warc.gz                 the readable records of a damaged WARC file
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

# A site name is one path segment of every key (``site=<name>``): lowercase, digits, "-" and "_".
SITE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"

RAW_PREFIX = "raw/"
CLEAN_PREFIX = "clean/"
MANIFEST_PREFIX = "clean/_manifests/"
# Under "_" (pyarrow, pandas, Spark skip it) and not ending in ".parquet" (so "**/*.parquet" globs of
# Polars, DuckDB and Hugging Face datasets skip it too): no reader of the files sees an uncommitted batch.
STAGING_PREFIX = "clean/_staging/"
STAGED_SUFFIX = ".staged"
SUMMARY_PREFIX = "clean/_summaries/"
REPORTS_PREFIX = "reports/"
QUARANTINE_PREFIX = "quarantine/"
NOTE_SUFFIX = ".note.json"
WARC_SUFFIX = ".warc.gz"
STATE_PREFIX = "state/"
_SITE = re.compile(SITE_NAME_PATTERN)


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


def batch_summary_key(batch_id: str) -> str:
    """Beside the manifests, under "_": no reader of the Parquet files looks there."""
    return f"{SUMMARY_PREFIX}{batch_id}.json"


def latest_report_key() -> str:
    return f"{REPORTS_PREFIX}latest.html"


def run_report_key(run_id: str) -> str:
    """One report per cleaning run; a run id from Airflow may hold ':' and '+', kept out of the key."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("_") or "run"
    return f"{REPORTS_PREFIX}runs/{safe}.html"


def batch_of_manifest(key: str) -> str:
    return key.removeprefix(MANIFEST_PREFIX).removesuffix(".json")


def batch_of_data(key: str) -> str:
    """The batch id in a data file's name (published or staged): ``<batch_id>-<n>.parquet``."""
    name = key.rsplit("/", 1)[-1].removesuffix(STAGED_SUFFIX).removesuffix(".parquet")
    return name.rsplit("-", 1)[0]


def staged_key(data_key: str) -> str:
    """Where a data file of ``clean/`` waits until its batch's manifest commits."""
    return f"{STAGING_PREFIX}{data_key.removeprefix(CLEAN_PREFIX)}{STAGED_SUFFIX}"


def published_key(staged: str) -> str:
    return f"{CLEAN_PREFIX}{staged.removeprefix(STAGING_PREFIX).removesuffix(STAGED_SUFFIX)}"


def staging_site_prefix(site: str) -> str:
    return f"{STAGING_PREFIX}site={_site(site)}/"


def clean_site_prefix(site: str) -> str:
    return f"{CLEAN_PREFIX}site={_site(site)}/"


def quarantine_key(key: str) -> str:
    return f"{QUARANTINE_PREFIX}{key}"


def quarantine_note_key(key: str) -> str:
    return f"{QUARANTINE_PREFIX}{key}{NOTE_SUFFIX}"


def salvaged_warc_key(warc_key: str) -> str:
    """The readable records of a damaged WARC file, beside it (raw/ is never deleted from)."""
    return warc_key.removesuffix(WARC_SUFFIX) + "-salvaged" + WARC_SUFFIX


def salvaged_state_key(site: str, salvaged_key: str) -> str:
    """The crawl-state segment of a salvaged WARC file: its pages count as fetched, the lost ones do not."""
    name = salvaged_key.rsplit("/", 1)[-1].removesuffix(WARC_SUFFIX)
    return f"{crawl_state_prefix(site)}{name}.jsonl"


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
