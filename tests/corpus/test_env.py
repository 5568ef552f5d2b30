"""The DEFCORPUS_* environment in one typed model: defaults, per-site names, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.env import Environment


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
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        Environment.read({name: value})
    assert str(exc.value).startswith(message) and "\n" not in str(exc.value)
