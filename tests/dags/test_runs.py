"""DAG runs with ``dag.test()``: crawl the mini-site on loopback, clean into the S3 server, re-run."""

from __future__ import annotations

import io
import json
import re
import socket
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import corpus
from corpus import layout
from corpus.store import open_store
from corpus.table import live_files, read_manifests
from crawlers.sites import get_site
from defcorpus import clean as clean_job
from defcorpus.minisite import build_site, load_content
from defcorpus.orchestration import config, tasks
from tests.support import minisite_facts as facts
from tests.support.crawling import NO_PACING
from tests.support.dags import crawl_conf, dag_bag, no_retries
from tests.support.raw import write_backlog

pytestmark = pytest.mark.slow


def published(store_url: str, endpoint: str) -> list[dict[str, Any]]:
    return corpus.open(store_url, s3_endpoint_url=endpoint).articles(site="minisite", latest=False).to_pylist()


def test_crawl_then_clean_lands_articles_in_s3_and_rerun_adds_nothing(
    airflow_db: None, minisite: Any, s3_store_env: str, s3_bucket: tuple[str, str]
) -> None:
    bag = dag_bag()
    crawl, clean = no_retries(bag.dags["crawl_minisite"]), no_retries(bag.dags["defcorpus_clean"])
    everything = crawl_conf(minisite, since="2000-01-01", until="2100-01-01")

    assert crawl.test(run_conf=everything).state == "success"
    assert clean.test().state == "success"
    first = published(s3_store_env, s3_bucket[0])
    assert {urlsplit(a["url"]).path for a in first} == facts.article_paths()

    assert crawl.test(run_conf=everything).state == "success"
    assert clean.test().state == "success"
    assert len(published(s3_store_env, s3_bucket[0])) == len(first)


def test_a_backlog_cleaned_in_many_chunks_is_compacted_to_one_file_per_month(
    airflow_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Raw WARC files of 3 responses cleaned 4 pages at a time: several batches per month, which the
    cleaning DAG's ``compact`` task merges (threshold lowered to 2); readers see the same rows."""
    monkeypatch.setenv("DEFCORPUS_STORE", str(tmp_path / "store"))
    monkeypatch.setenv(config.COMPACT_MIN_FILES_ENV, "2")
    monkeypatch.setattr(clean_job, "CLEAN_CHUNK_PAGES", 4)
    store, site = open_store(str(tmp_path / "store")), get_site("minisite")
    (tmp_path / "warc").mkdir()
    write_backlog(store, site, tmp_path / "warc")
    written = sorted(path for path in build_site(site.base_url) if site.is_article_url(site.absolute(path)))
    clean = no_retries(dag_bag().dags["defcorpus_clean"])

    run = clean.test()
    assert run.state == "success"
    assert {ti.task_id: ti.state for ti in run.get_task_instances()}["compact"] == "success"
    manifests = read_manifests(store, "minisite")
    assert len([m for m in manifests if m.kind == "clean"]) > 2, "the backlog took several batches"
    assert [m.kind for m in manifests].count("compaction") == 1
    files_per_month = Counter(layout_month(f.key) for f in live_files(manifests))
    assert set(files_per_month.values()) == {1}, files_per_month
    articles = corpus.open(store).articles(site="minisite", latest=False).to_pylist()
    assert sorted(urlsplit(a["url"]).path for a in articles) == written


def test_a_clean_task_with_two_worker_processes_publishes_what_one_process_publishes(
    airflow_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``DEFCORPUS_CLEAN_WORKERS=2``: the DAG's ``clean`` task takes two pool slots and extracts with two
    processes; its corpus equals a one-process clean of the same backlog."""
    monkeypatch.setattr(clean_job, "CLEAN_CHUNK_PAGES", 4)  # several chunks: the pool serves each
    site = get_site("minisite")
    alone = open_store(str(tmp_path / "alone"))
    (tmp_path / "warc-alone").mkdir()
    write_backlog(alone, site, tmp_path / "warc-alone")
    clean_job.clean_site(alone, site, workers=1)
    monkeypatch.setenv("DEFCORPUS_STORE", str(tmp_path / "store"))
    monkeypatch.setenv(config.CLEAN_WORKERS_ENV, "2")
    (tmp_path / "warc").mkdir()
    write_backlog(open_store(str(tmp_path / "store")), site, tmp_path / "warc")
    clean = no_retries(dag_bag().dags["defcorpus_clean"])
    assert clean.get_task("clean").pool_slots == 2

    run = clean.test()
    assert run.state == "success"
    summaries = [
        ti.xcom_pull(task_ids="clean", map_indexes=ti.map_index)
        for ti in run.get_task_instances()
        if ti.task_id == "clean"
    ]
    assert [s["workers"] for s in summaries] == [2]
    same = ("id", "content_hash", "body", "headline", "authors", "date_published", "url")
    two = corpus.open(str(tmp_path / "store")).articles(site="minisite", latest=False).sort_by("id")
    one = corpus.open(alone).articles(site="minisite", latest=False).sort_by("id")
    assert two.num_rows == one.num_rows > 0
    assert two.select(same).to_pylist() == one.select(same).to_pylist()


def layout_month(key: str) -> str:
    return next(part for part in key.split("/") if part.startswith("month="))


def test_backfill_style_run_for_december_fetches_only_december(
    airflow_db: None, minisite: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``airflow backfill create`` does for one month of a monthly site: a run whose interval is Dec 2022."""
    monkeypatch.setenv(f"{config.SCHEDULE_ENV}__MINISITE", "@monthly")
    monkeypatch.setenv("DEFCORPUS_STORE", str(tmp_path / "store"))
    bag = dag_bag()
    crawl, clean = no_retries(bag.dags["crawl_minisite"]), no_retries(bag.dags["defcorpus_clean"])
    december = (datetime(2022, 12, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC))
    expected = {a.path for a in load_content().public if december[0] <= a.date_published < december[1]}
    minisite.reset_requests()

    # A manual run's interval is the one that ends at its logical date (a backfill run's starts there).
    run = crawl.test(logical_date=december[1], run_conf=crawl_conf(minisite))
    assert run.state == "success"
    assert (run.data_interval_start, run.data_interval_end) == december
    requests = minisite.requests
    assert {path for path in facts.article_paths() if requests[path]} == expected

    assert clean.test().state == "success"
    articles = corpus.open(open_store(str(tmp_path / "store"))).articles(site="minisite").to_pylist()
    assert {urlsplit(a["url"]).path for a in articles} == expected


def write_leaky_warc(store_dir: Path, base_url: str) -> None:
    """Raw pages as a crawl would store them, from a template that now prints a share line in the body."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    body_open = '<div class="zox-post-body left zoxrel zox100">'
    rendered = build_site(base_url)
    path = store_dir.parent / "leaky.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for article in load_content().public:
            html = rendered[article.path].body.decode()
            html = html.replace(body_open, f"{body_open}<p>Share this article: {article.headline}</p>", 1)
            payload = html.encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=UTF-8")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    base_url + article.path,
                    "response",
                    payload=io.BytesIO(payload),
                    length=len(payload),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Date": "2023-02-01T00:00:00Z"},
                )
            )
    crawl_id = layout.new_run_id(datetime(2023, 2, 1, tzinfo=UTC))
    open_store(str(store_dir)).upload_file(layout.raw_warc_key("minisite", crawl_id, 0), path)


def test_cleaning_run_fails_naming_site_and_metric_when_a_template_leaks_chrome(
    airflow_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    store_dir = tmp_path / "store"
    write_leaky_warc(store_dir, "http://127.0.0.1:8045")
    monkeypatch.setenv("DEFCORPUS_STORE", str(store_dir))
    clean = no_retries(dag_bag().dags["defcorpus_clean"])

    run = clean.test()
    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {
        "find_new_warc": "success",
        "clean": "success",
        "quality": "failed",
        "compact": "upstream_failed",
        "report": "success",
    }
    out, err = capfd.readouterr()
    assert "quality checks failed for site 'minisite': minisite: chrome_article_count" in out + err
    # The report of the failed run is in the store, and names the failed metric of the batch.
    store = open_store(str(store_dir))
    run_key = next(k for k in store.list(layout.REPORTS_PREFIX) if k.startswith("reports/runs/"))
    html = store.read(layout.latest_report_key()).decode()
    assert store.read(run_key).decode() == html
    (batch,) = [m.batch_id for m in read_manifests(store, "minisite")]
    leaked = json.loads(store.read(layout.batch_summary_key(batch)))["quality"]["chrome_article_count"]
    assert (
        leaked > 0
        and f"Drift: minisite batch {batch} fails its quality checks (chrome_article_count {leaked:g})" in html
    )


def test_a_crawl_that_reaches_nothing_fails_its_task_naming_the_error(
    airflow_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """A site whose every request is refused would otherwise be a green task with 0 WARC files, every day."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    monkeypatch.setenv("DEFCORPUS_STORE", str(tmp_path / "store"))
    monkeypatch.setattr(tasks, "RUN_SETTINGS", tasks.RUN_SETTINGS | {"RETRY_TIMES"})  # no retries to wait out
    crawl = no_retries(dag_bag().dags["crawl_minisite"])
    conf = {"base_url": closed, "scrapy_settings": {**NO_PACING, "RETRY_TIMES": 0}}

    run = crawl.test(run_conf={**conf, "since": "2022-12-01", "until": "2023-01-01"})
    assert run.state == "failed"
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == {"crawl": "failed"}
    out, err = capfd.readouterr()
    assert re.search(
        r"CrawlUnreachableError: crawl of minisite reached nothing: (\d+) of \1 requests failed "
        r"\(DownloadConnectionRefusedError \1\)",
        out + err,
    ), (out + err)[-3000:]
    assert not list((tmp_path / "store").rglob("*.warc.gz"))
