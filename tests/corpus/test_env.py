"""The DEFCORPUS_* environment in one typed model: defaults, per-site names, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.env import Environment
from crawlers.archives.settings import ArchiveSettings


def test_defaults_when_nothing_is_set() -> None:
    env = Environment.read({"HOME": "/root", "AWS_ENDPOINT_URL": "http://x"})
    assert (env.store, env.s3_endpoint_url, env.aws_conn_id, env.sites_dir) == ("", None, "aws_default", None)
    assert (env.compact_min_files, env.clean_parallel_sites, env.crawl_schedule) == (8, 1, None)
    assert env.clean_workers == 1


def test_values_are_typed_and_per_site_names_are_found() -> None:
    env = Environment.read(
        {
            "DEFCORPUS_STORE": " s3://corpus/prefix ",
            "DEFCORPUS_SITES_DIR": "/etc/defcorpus/sites",
            "DEFCORPUS_COMPACT_MIN_FILES": "0",
            "DEFCORPUS_CLEAN_PARALLEL_SITES": "4",
            "DEFCORPUS_CLEAN_WORKERS": "3",
            "DEFCORPUS_CRAWL_SCHEDULE__DEFENSE_NEWS": "@hourly",
            "DEFCORPUS_BASE_URL__DEFENSE_NEWS": "http://mirror.test/",
            "DEFCORPUS_CRAWL_SCHEDULE": "",  # empty means unset, as before
        }
    )
    assert env.store == "s3://corpus/prefix" and env.sites_dir == Path("/etc/defcorpus/sites")
    assert (env.compact_min_files, env.clean_parallel_sites, env.crawl_schedule) == (0, 4, None)
    assert env.clean_workers == 3
    assert env.for_site("CRAWL_SCHEDULE", "defense-news") == "@hourly"
    assert env.for_site("BASE_URL", "defense-news") == "http://mirror.test/"
    assert env.for_site("BASE_URL", "other") is None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "DEFCORPUS_COMPACT_MIN_FILES",
            "lots",
            "DEFCORPUS_COMPACT_MIN_FILES must be a whole number of files, got 'lots'",
        ),
        ("DEFCORPUS_COMPACT_MIN_FILES", "1", "DEFCORPUS_COMPACT_MIN_FILES must be 0 (off) or at least 2, got 1"),
        ("DEFCORPUS_CLEAN_PARALLEL_SITES", "two", "DEFCORPUS_CLEAN_PARALLEL_SITES must be a whole number of sites"),
        ("DEFCORPUS_CLEAN_WORKERS", "all", "DEFCORPUS_CLEAN_WORKERS must be a whole number of processes, got 'all'"),
        ("DEFCORPUS_CLEAN_WORKERS", "0", "DEFCORPUS_CLEAN_WORKERS must be at least 1 process, got 0"),
        (
            "DEFCORPUS_WAYBACK_CDX_PER_MINUTE",
            "fast",
            "DEFCORPUS_WAYBACK_CDX_PER_MINUTE must be a number of requests a minute, got 'fast'",
        ),
        ("DEFCORPUS_CC_DATA_PER_MINUTE", "0", "DEFCORPUS_CC_DATA_PER_MINUTE must be more than 0 requests a minute"),
        ("DEFCORPUS_ARCHIVE_TIMEOUT", "nan", "DEFCORPUS_ARCHIVE_TIMEOUT must be a number of seconds, got 'nan'"),
        ("DEFCORPUS_ARCHIVE_RETRIES", "-1", "DEFCORPUS_ARCHIVE_RETRIES must be 0 or more retries, got -1"),
        ("DEFCORPUS_ARCHIVE_RETRIES", "2.5", "DEFCORPUS_ARCHIVE_RETRIES must be a whole number of retries, got '2.5'"),
        ("DEFCORPUS_ARCHIVE_BACKOFF_BASE", "-2", "DEFCORPUS_ARCHIVE_BACKOFF_BASE must be 0 or more seconds"),
        (
            "DEFCORPUS_ARCHIVE_PAGE_ROWS",
            "200000",
            "DEFCORPUS_ARCHIVE_PAGE_ROWS must be at most 150000 (the CDX server's limit), got 200000",
        ),
        ("DEFCORPUS_ARCHIVE_WARC_RECORDS", "0", "DEFCORPUS_ARCHIVE_WARC_RECORDS must be at least 1 capture, got 0"),
        ("DEFCORPUS_WAYBACK_URL", "web.archive.org", "DEFCORPUS_WAYBACK_URL must be an http(s) URL"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        Environment.read({name: value})
    assert str(exc.value).startswith(message) and "\n" not in str(exc.value)


ARCHIVE_VARIABLES = {  # variable -> (value given, the ArchiveSettings field it sets, the value it gets)
    "DEFCORPUS_WAYBACK_URL": ("http://mirror.test/wayback/", "wayback_url", "http://mirror.test/wayback"),
    "DEFCORPUS_CC_INDEX_URL": ("http://cc-index.test", "cc_index_url", "http://cc-index.test"),
    "DEFCORPUS_CC_DATA_URL": ("https://cc-data.test", "cc_data_url", "https://cc-data.test"),
    "DEFCORPUS_WAYBACK_CDX_PER_MINUTE": ("12.5", "wayback_cdx_per_minute", 12.5),
    "DEFCORPUS_WAYBACK_MEMENTO_PER_MINUTE": ("30", "wayback_memento_per_minute", 30.0),
    "DEFCORPUS_CC_INDEX_PER_MINUTE": ("45", "cc_index_per_minute", 45.0),
    "DEFCORPUS_CC_DATA_PER_MINUTE": ("120", "cc_data_per_minute", 120.0),
    "DEFCORPUS_ARCHIVE_PAGE_ROWS": ("150000", "page_rows", 150_000),
    "DEFCORPUS_ARCHIVE_RETRIES": ("0", "retries", 0),
    "DEFCORPUS_ARCHIVE_BACKOFF_BASE": ("0", "backoff_base", 0.0),
    "DEFCORPUS_ARCHIVE_MAX_BACKOFF": ("90", "max_backoff", 90.0),
    "DEFCORPUS_ARCHIVE_TIMEOUT": ("7.5", "timeout", 7.5),
    "DEFCORPUS_ARCHIVE_MAX_BYTES": ("1048576", "max_bytes", 1_048_576),
    "DEFCORPUS_ARCHIVE_WARC_RECORDS": ("40", "warc_records", 40),
    "DEFCORPUS_ARCHIVE_SPOOL": ("/var/spool/defcorpus", "spool_dir", "/var/spool/defcorpus"),
}


def test_the_archive_settings_are_read_from_the_one_environment_model() -> None:
    """Every archive variable reaches its setting; unset or empty, the setting keeps its default."""
    given = ArchiveSettings.from_environment({name: value for name, (value, _, _) in ARCHIVE_VARIABLES.items()})
    assert {name: getattr(given, field) for name, (_, field, _) in ARCHIVE_VARIABLES.items()} == {
        name: expected for name, (_, _, expected) in ARCHIVE_VARIABLES.items()
    }
    unset = ArchiveSettings.from_environment({name: "" for name in ARCHIVE_VARIABLES})
    assert unset == ArchiveSettings() == ArchiveSettings.from_environment({})
    assert (unset.wayback_url, unset.wayback_cdx_per_minute, unset.page_rows, unset.spool_dir) == (
        "https://web.archive.org",
        20.0,
        5000,
        "",
    )
