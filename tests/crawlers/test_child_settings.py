"""Crawl settings reach the crawl child typed: the runner's command line, read by the child's own parser."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawlers.__main__ import EXIT_REFUSED, crawl_settings, parse_args
from crawlers.runner import CrawlJob
from crawlers.sites import get_site

SITE = get_site("minisite")


def child_settings(job: CrawlJob, tmp_path: Path) -> Settings:
    argv = job.command(tmp_path / "report.json")[3:]  # past `python -m crawlers`
    return crawl_settings(parse_args(argv), SITE)


def test_a_list_and_a_dict_arrive_as_a_list_and_a_dict(tmp_path: Path) -> None:
    headers = {"Accept-Language": "fr, en;q=0.5", "X-Note": "a=b, c"}
    job = CrawlJob(
        SITE,
        str(tmp_path / "store"),
        settings={
            "DEFCORPUS_SSRF_ALLOW": ["10.0.0.0/8", "intranet.example"],
            "DEFAULT_REQUEST_HEADERS": headers,
            "DOWNLOAD_DELAY": 0.25,
            "AUTOTHROTTLE_ENABLED": False,
        },
    )
    settings = child_settings(job, tmp_path)
    assert settings.getlist("DEFCORPUS_SSRF_ALLOW") == ["10.0.0.0/8", "intranet.example"]
    assert settings.getdict("DEFAULT_REQUEST_HEADERS") == headers
    assert settings.get("DOWNLOAD_DELAY") == 0.25
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False


def test_typed_settings_win_over_the_site_rules_and_text_ones_over_both(tmp_path: Path) -> None:
    argv = [*CrawlJob(SITE, str(tmp_path), settings={"DOWNLOAD_DELAY": 3}).command(tmp_path / "r.json")[3:]]
    settings = crawl_settings(parse_args([*argv, "-s", "LOG_LEVEL=WARNING"]), SITE)
    assert settings.getfloat("DOWNLOAD_DELAY") == 3 and settings.get("LOG_LEVEL") == "WARNING"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{not json", "--settings-json is not JSON"),
        ('["DOWNLOAD_DELAY", 0]', "--settings-json must be a JSON object of NAME: value, got list"),
    ],
)
def test_bad_settings_json_is_refused_before_the_first_request(value: str, message: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    argv = ["--site", "minisite", "--store", str(tmp_path / "store"), "--report-file", str(report)]
    done = subprocess.run(
        [sys.executable, "-m", "crawlers", *argv, "--settings-json", value],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == EXIT_REFUSED
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: {message}")
    assert json.loads(report.read_text())["error"].startswith(message)
    assert not (tmp_path / "store").exists()  # nothing written, nothing fetched
