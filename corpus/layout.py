"""Where every object lives in the store: every key is built here, and this is the one list of them.

The layout (``docs/storage.md`` shows the same list, checked by ``tests/corpus/test_layout.py``):

<!-- layout -->
```
raw/site=<site>/<YYYY>/<MM>/<crawl_id>-<seq>.warc.gz                each response and its request, WARC 1.1 (immutable)
raw/site=<site>/<YYYY>/<MM>/<crawl_id>-<seq>.cdx.parquet            its index: URL, record id, offset, length
raw/site=<site>/<YYYY>/<MM>/<crawl_id>-<seq>-salvaged.warc.gz       the whole records of a damaged WARC file
raw/site=<site>/<YYYY>/<MM>/<crawl_id>-<seq>-salvaged.cdx.parquet   the salvaged file's index
raw/site=<site>/<YYYY>/<MM>/<crawl_id>.stats.json                   the crawl's report (Scrapy stats, WARC files)
clean/site=<site>/month=<YYYY-MM>/<batch_id>-<n>.parquet            published articles (zstd), Hive partitions
clean/_manifests/<batch_id>.json                                    a batch is published once its manifest exists
clean/_staging/site=<site>/month=<YYYY-MM>/<batch_id>-<n>.parquet.staged  a batch's files until it commits
clean/_summaries/<batch_id>.json                                    what a clean batch removed, and its quality metrics
reports/latest.html                                                 the latest corpus report (defcorpus report)
reports/runs/<run_id>.html                                          the report each cleaning run wrote
quarantine/<key>                                                    a damaged object of clean/, set aside
quarantine/<key>.note.json                                          why <key> was set aside, when, what was done
state/<site>/boilerplate.json                                       learned paragraph statistics of the site
state/<site>/versions/root.json                                     version index: batches it holds, partitions stored
state/<site>/versions/<pp>.bin                                      published versions whose id hashes to <pp>
state/<site>/fetched/<crawl_id>-<seq>.jsonl                         what a WARC file fetched (URL, ETag, hash)
state/<site>/fetched/<crawl_id>-<seq>-salvaged.jsonl                what a salvaged WARC file holds
state/<site>/fetched/snapshot-<crawl_id>.jsonl.gz                   the segments merged by a later crawl
state/<site>/rejected/<batch_id>.jsonl                              fetched pages a clean rejected: asked again
state/<site>/rejected/snapshot-<crawl_id>.jsonl.gz                  those merged by a later crawl
state/<site>/clean.lease                                            present while a worker cleans the site
state/<site>/crawl.lease                                            present while a crawl of the site runs
state/<site>/archive/<archive>/cursor-<window>.json                 a web-archive backfill's resume point
state/<site>/archive/<archive>/settled/<name>.jsonl                 the captures a backfill WARC file settled
state/_dedup/<site>.json.gz                                         near-duplicate sketches of recent articles
state/_manifests/<site>.json.gz                                     the site's manifests as its last clean read them
```
<!-- /layout -->

``<pp>`` is two hex digits (``corpus.version_index``). ``<crawl_id>`` and ``<batch_id>`` are
``new_run_id()``s (``YYYYMMDDTHHMMSSZ-<random>``; a WARC file's
``<YYYY>/<MM>`` are its crawl id's), ``<seq>`` is five digits, ``<n>`` four; ``<key>`` is the key of the
object set aside. A raw/ object is never set aside: its note alone marks it.
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
DATA_SUFFIX = ".parquet"
SUMMARY_PREFIX = "clean/_summaries/"
REPORTS_PREFIX = "reports/"
QUARANTINE_PREFIX = "quarantine/"
NOTE_SUFFIX = ".note.json"
WARC_SUFFIX = ".warc.gz"
INDEX_SUFFIX = ".cdx.parquet"
CRAWL_STATS_SUFFIX = ".stats.json"
STATE_PREFIX = "state/"
LEASE_SUFFIX = ".lease"
DEDUP_STATE_PREFIX = f"{STATE_PREFIX}_dedup/"  # "_" cannot start a site name: no clash with state/<site>/
DEDUP_STATE_SUFFIX = ".json.gz"
MANIFEST_CATALOG_PREFIX = f"{STATE_PREFIX}_manifests/"
MANIFEST_CATALOG_SUFFIX = ".json.gz"
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


def warc_index_key(warc_key: str) -> str:
    """The Parquet index of a WARC file (``corpus.warc_index``), beside it."""
    return warc_key.removesuffix(WARC_SUFFIX) + INDEX_SUFFIX


def crawl_stats_key(site: str, crawl_id: str) -> str:
    year, month = crawl_id[0:4], crawl_id[4:6]
    return f"{raw_site_prefix(site)}{year}/{month}/{crawl_id}{CRAWL_STATS_SUFFIX}"


def site_of_raw(key: str) -> str:
    """The site of a key under raw/ (``raw/site=<site>/…``)."""
    return key.removeprefix(RAW_PREFIX).split("/", 1)[0].removeprefix("site=")


def clean_data_key(site: str, month: str, batch_id: str, part: int) -> str:
    return f"{CLEAN_PREFIX}site={_site(site)}/month={month}/{batch_id}-{part:04d}{DATA_SUFFIX}"


def month_of_data(key: str) -> str:
    """The ``YYYY-MM`` partition of a data file (published or staged): its ``month=`` path segment."""
    return next(part.split("=", 1)[1] for part in key.split("/") if part.startswith("month="))


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
    name = key.rsplit("/", 1)[-1].removesuffix(STAGED_SUFFIX).removesuffix(DATA_SUFFIX)
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


def key_of_note(note_key: str) -> str | None:
    """The key a quarantine note is about; None for a key that is not a note (a copy set aside)."""
    if not (note_key.startswith(QUARANTINE_PREFIX) and note_key.endswith(NOTE_SUFFIX)):
        return None
    return note_key[len(QUARANTINE_PREFIX) : -len(NOTE_SUFFIX)]


def salvaged_warc_key(warc_key: str) -> str:
    """The readable records of a damaged WARC file, beside it (raw/ is never deleted from)."""
    return warc_key.removesuffix(WARC_SUFFIX) + "-salvaged" + WARC_SUFFIX


def salvaged_state_key(site: str, salvaged_key: str) -> str:
    """The crawl-state segment of a salvaged WARC file: its pages count as fetched, the lost ones do not."""
    name = salvaged_key.rsplit("/", 1)[-1].removesuffix(WARC_SUFFIX)
    return f"{crawl_state_prefix(site)}{name}.jsonl"


def boilerplate_state_key(site: str) -> str:
    return f"{STATE_PREFIX}{_site(site)}/boilerplate.json"


def version_index_prefix(site: str) -> str:
    """The site's published-version index (``corpus.version_index``): derived from ``clean/``, rebuilt from it."""
    return f"{STATE_PREFIX}{_site(site)}/versions/"


def version_index_root_key(site: str) -> str:
    return f"{version_index_prefix(site)}root.json"


def version_index_partition_key(site: str, partition: int) -> str:
    """``<pp>``: two hex digits, the partition (``corpus.version_index.PARTITIONS``) of the article id."""
    return f"{version_index_prefix(site)}{partition:02x}.bin"


def crawl_state_prefix(site: str) -> str:
    return f"{STATE_PREFIX}{_site(site)}/fetched/"


def crawl_state_segment_key(site: str, crawl_id: str, seq: int) -> str:
    return f"{crawl_state_prefix(site)}{crawl_id}-{seq:05d}.jsonl"


def crawl_state_snapshot_key(site: str, crawl_id: str) -> str:
    return f"{crawl_state_prefix(site)}snapshot-{crawl_id}.jsonl.gz"


def rejected_state_prefix(site: str) -> str:
    return f"{STATE_PREFIX}{_site(site)}/rejected/"


def rejected_state_key(site: str, batch_id: str) -> str:
    """The pages a clean's batch rejected (``crawlers.state.write_rejections``), read by the next crawl."""
    return f"{rejected_state_prefix(site)}{batch_id}.jsonl"


def rejected_state_snapshot_key(site: str, crawl_id: str) -> str:
    return f"{rejected_state_prefix(site)}snapshot-{crawl_id}.jsonl.gz"


def dedup_state_key(site: str) -> str:
    """The site's near-duplicate sketches (``cleaning.dedup``), read by the cleans of every site."""
    return f"{DEDUP_STATE_PREFIX}{_site(site)}{DEDUP_STATE_SUFFIX}"


def manifest_catalog_key(site: str) -> str:
    """The site's copy of its manifests (``corpus.manifest_catalog``): derived, checked against a listing."""
    return f"{MANIFEST_CATALOG_PREFIX}{_site(site)}{MANIFEST_CATALOG_SUFFIX}"


def clean_lease_key(site: str) -> str:
    return f"{STATE_PREFIX}{_site(site)}/clean{LEASE_SUFFIX}"


def crawl_lease_key(site: str) -> str:
    return f"{STATE_PREFIX}{_site(site)}/crawl{LEASE_SUFFIX}"


ARCHIVES = ("wayback", "commoncrawl")


def _archive(archive: str) -> str:
    if archive not in ARCHIVES:
        raise ValueError(f"unknown archive {archive!r} (one of {', '.join(ARCHIVES)})")
    return archive


def archive_state_prefix(site: str, archive: str) -> str:
    return f"{STATE_PREFIX}{_site(site)}/archive/{_archive(archive)}/"


def archive_cursor_key(site: str, archive: str, window: str) -> str:
    """Where the backfill of one capture window stands; ``window`` is ``<since>-<until>-<capture>``."""
    if not re.fullmatch(r"[0-9TZ]+-[0-9TZ]+-(earliest|latest)", window):
        raise ValueError(f"invalid backfill window {window!r}")
    return f"{archive_state_prefix(site, archive)}cursor-{window}.json"


def archive_settled_prefix(site: str, archive: str) -> str:
    return f"{archive_state_prefix(site, archive)}settled/"


def archive_settled_key(site: str, archive: str, warc_key: str) -> str:
    """The captures a backfill WARC file settled (fetched or skipped), named after that file."""
    name = warc_key.rsplit("/", 1)[-1].removesuffix(WARC_SUFFIX)
    return f"{archive_settled_prefix(site, archive)}{name}.jsonl"
