"""Parse-time config for the DAGs and the crawl window: pure functions, no Airflow needed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlers.sites import get_site
from defcorpus.orchestration import config, tasks
from defcorpus.orchestration.__main__ import main as orchestration_main

DEC = datetime(2022, 12, 1, tzinfo=UTC)
JAN = datetime(2023, 1, 1, tzinfo=UTC)


def test_schedule_default_global_and_per_site() -> None:
    site = get_site("minisite")
    assert config.schedule_for(site, {}) == "@daily"
    assert config.schedule_for(site, {"DEFCORPUS_CRAWL_SCHEDULE": "@hourly"}) == "@hourly"
    env = {"DEFCORPUS_CRAWL_SCHEDULE": "@hourly", "DEFCORPUS_CRAWL_SCHEDULE__MINISITE": "@monthly"}
    assert config.schedule_for(site, env) == "@monthly"


def test_one_pool_per_domain_shared_by_its_sites() -> None:
    site = get_site("minisite")
    twin = site.model_copy(update={"name": "minisite-copy"})
    spec = config.pools_spec([site, twin])
    assert list(spec) == [config.pool_name(site)] == ["crawl_127.0.0.1"]
    assert spec["crawl_127.0.0.1"]["slots"] == 1
    assert spec["crawl_127.0.0.1"]["description"].endswith("minisite, minisite-copy")


def test_pools_command_prints_importable_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert orchestration_main(["pools"]) == 0
    assert '"crawl_127.0.0.1"' in capsys.readouterr().out


def test_check_names_a_bad_setting_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEFCORPUS_RETRY_DELAY_SECONDS", "soon")
    assert orchestration_main(["check"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "error: DEFCORPUS_RETRY_DELAY_SECONDS must be a whole number of seconds, got 'soon'\n"
    assert captured.out == ""


def test_base_url_param_wins_over_environment() -> None:
    env = {"DEFCORPUS_BASE_URL__MINISITE": "http://mirror.test/"}
    assert config.base_url_override("minisite", None, env) == "http://mirror.test/"
    assert config.base_url_override("minisite", "http://other.test/", env) == "http://other.test/"
    assert config.base_url_override("minisite", None, {}) is None


def test_window_is_the_data_interval_unless_params_say_otherwise() -> None:
    assert tasks.crawl_window({}, DEC, JAN) == (DEC.isoformat(), JAN.isoformat())
    assert tasks.crawl_window({"since": "2022-01-01", "until": None}, DEC, JAN) == ("2022-01-01", JAN.isoformat())
    with pytest.raises(ValueError, match="no data interval"):
        tasks.crawl_window(None, None, None)


def test_a_run_cannot_switch_off_robots_txt() -> None:
    with pytest.raises(ValueError, match="ROBOTSTXT_OBEY"):
        tasks.crawl_site_window(
            get_site("minisite"), since="2022-12-01", until="2023-01-01", scrapy_settings={"ROBOTSTXT_OBEY": False}
        )


@pytest.mark.parametrize(("value", "files"), [(None, 8), ("", 8), ("0", 0), ("2", 2), ("50", 50)])
def test_compaction_threshold(value: str | None, files: int) -> None:
    environ = {} if value is None else {config.COMPACT_MIN_FILES_ENV: value}
    assert config.compact_min_files(environ) == files


@pytest.mark.parametrize("value", ["1", "-3", "eight"])
def test_compaction_threshold_refuses_what_would_rewrite_every_file_or_is_no_number(value: str) -> None:
    with pytest.raises(ValueError, match=f"DEFCORPUS_COMPACT_MIN_FILES must .*{value}"):
        config.compact_min_files({config.COMPACT_MIN_FILES_ENV: value})


@pytest.mark.parametrize(("value", "seconds"), [(None, 300), ("", 300), ("2", 2), ("900", 900)])
def test_retry_delay(value: str | None, seconds: int) -> None:
    environ = {} if value is None else {config.RETRY_DELAY_ENV: value}
    assert config.retry_delay(environ).total_seconds() == seconds


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "five"])
def test_retry_delay_refuses_no_wait_or_no_number(value: str) -> None:
    with pytest.raises(ValueError, match=f"DEFCORPUS_RETRY_DELAY_SECONDS must .*{value}"):
        config.retry_delay({config.RETRY_DELAY_ENV: value})
