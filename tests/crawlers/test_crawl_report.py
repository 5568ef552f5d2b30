"""The crawl report as a model: a stored one reads, and reads back to the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from corpus import layout
from corpus.store import open_store
from crawlers.extensions.crawl_report import build_report
from crawlers.report import CrawlReport, Reach, format_summary
from defcorpus.crawl_job import crawl_reports

# Written by a demo crawl before reports were a model.
STORED = Path(__file__).parent / "stored" / "20261202T011544Z-a584c51e.stats.json"
# Summary fields later crawls added: a report written before them has none.
LATER_FIELDS = ("failed", "failed_by_error", "refused", "refused_by_reason", "discovery_capped", "robots_unreachable")


def older_report() -> bytes:
    data = json.loads(STORED.read_bytes())
    for name in LATER_FIELDS:
        del data["summary"][name]
    return json.dumps(data, indent=2, sort_keys=True).encode()


@pytest.mark.parametrize("raw", [STORED.read_bytes(), older_report()], ids=["stored", "before-failures"])
def test_a_stored_report_reads_and_round_trips_to_the_same_bytes(raw: bytes) -> None:
    report = CrawlReport.parse(raw)
    assert report.site == "minisite" and report.finish_reason == "finished"
    assert report.articles_fetched == 14 and report.summary is not None and report.summary.articles_new == 14
    assert len(report.warc_keys) == 1
    assert report.to_json() == raw


def test_an_older_report_is_judged_as_before() -> None:
    report = CrawlReport.parse(older_report())
    assert report.summary is not None and report.summary.failed_by_error is None
    assert Reach.of(report) == Reach(requests=23, responses=23, failed=0, failed_by_error={})
    assert format_summary(report) == format_summary(CrawlReport.parse(STORED.read_bytes()))


def test_a_report_built_from_stats_round_trips() -> None:
    stats = json.loads(STORED.read_bytes())["stats"]
    report = build_report("minisite", "finished", stats)
    assert report.to_json() == STORED.read_bytes()  # the same stats give the same report, byte for byte
    assert CrawlReport.parse(report.to_json()) == report


def test_earlier_reports_are_read_from_the_store_and_what_is_not_one_is_skipped(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    report = CrawlReport.parse(STORED.read_bytes())
    assert report.crawl_id is not None
    store.write(layout.crawl_stats_key("minisite", report.crawl_id), STORED.read_bytes())
    store.write(layout.crawl_stats_key("minisite", "20261203T000000Z-00000001"), b'{"site": 7}')
    assert crawl_reports(store, "minisite") == [report]
    with pytest.raises(ValidationError):
        CrawlReport.parse(b'{"site": 7}')
