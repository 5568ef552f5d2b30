"""Quality checks: pure checks on article records, and the quality task on a published batch."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from cleaning.boilerplate import BoilerplateStats
from cleaning.pipeline import clean_batch
from corpus import layout
from corpus.pages import FetchedPage
from corpus.store import open_store
from corpus.table import publish
from crawlers.sites import SiteConfig, get_site
from defcorpus.clean import clean_options
from defcorpus.minisite import build_site, load_content
from defcorpus.orchestration import tasks
from defcorpus.orchestration.settings import StoreSettings, resolve_store_settings
from defcorpus.quality import QualityCheckError, check_articles

BASE = "http://127.0.0.1:8045"
FETCHED = datetime(2023, 2, 1, tzinfo=UTC)
BODY_OPEN = '<div class="zox-post-body left zoxrel zox100">'


def record(n: int, **fields: Any) -> dict[str, Any]:
    base = {
        "url": f"https://example.mil/{n}/",
        "authors": ["A. Writer"],
        "word_count": 600,
        "body": "Ships and shipyards. " * 100,
        "date_published": FETCHED - timedelta(days=n),
        "date_modified": None,
        "fetched_at": FETCHED,
    }
    return {**base, **fields}


def test_clean_records_pass() -> None:
    report = check_articles("demo", [record(n) for n in range(5)], [record(n) for n in range(20)])
    assert report.ok, report.summary()


@pytest.mark.parametrize(
    ("change", "metric"),
    [
        ({"authors": []}, "missing_author_share"),
        ({"date_published": None}, "missing_date_share"),
        ({"body": "Too short.", "word_count": 2}, "empty_body_share"),
        ({"date_published": FETCHED + timedelta(days=30)}, "future_date_count"),
        ({"body": "Text. Sign up for our newsletter today!"}, "chrome_article_count"),
        ({"word_count": 150}, "body_length_ratio"),
    ],
)
def test_each_metric_fails_with_site_and_metric(change: dict[str, Any], metric: str) -> None:
    report = check_articles("demo", [record(n, **change) for n in range(6)], [record(n) for n in range(20)])
    failed = {f.metric: f for f in report.failures}
    assert metric in failed, report.summary()
    assert str(failed[metric]).startswith(f"demo: {metric} = ")


def test_a_backfilled_month_is_judged_by_each_articles_fetch_not_by_its_interval() -> None:
    """A backfill of December 2022 crawled on 1 February 2023: an edit of 15 January falls after the
    run's data interval but before the fetch, so it is no future date; a date after the fetch is.
    The verdict needs no clock, so a retry years later gives the same one."""
    edited = datetime(2023, 1, 15, tzinfo=UTC)
    december = [record(n, date_published=datetime(2022, 12, 1 + n, tzinfo=UTC), date_modified=edited) for n in range(6)]
    history = [record(n) for n in range(20)]
    assert check_articles("demo", december, history).ok
    late = [*december[:5], record(5, date_modified=FETCHED + timedelta(hours=2))]
    report = check_articles("demo", late, history)
    assert [f.metric for f in report.failures] == ["future_date_count"]
    assert report.metrics["future_date_count"] == 1


def pages(site: SiteConfig, leak: bool) -> list[FetchedPage]:
    """The mini-site's article pages; ``leak`` is a template change that puts a share line in the body."""
    rendered = build_site(BASE)
    result = []
    for n, article in enumerate(load_content().public):
        html = rendered[article.path].body.decode()
        if leak:
            html = html.replace(BODY_OPEN, f"{BODY_OPEN}<p>Share this article: {article.headline}</p>", 1)
        result.append(
            FetchedPage(
                url=BASE + article.path,
                html=html.encode(),
                fetched_at=FETCHED,
                warc_file=f"raw/site={site.name}/x.warc.gz",
                warc_record_id=f"<urn:uuid:{n}>",
            )
        )
    return result


@pytest.mark.parametrize("leak", [False, True])
def test_quality_task_fails_when_the_template_leaks_chrome(tmp_path: Path, leak: bool) -> None:
    site = get_site("minisite").with_base_url(BASE)
    store = open_store(str(tmp_path))
    options = clean_options(site)
    result = clean_batch(pages(site, leak), options, BoilerplateStats(site.cleaning.boilerplate_min_articles))
    batch_id = layout.new_run_id()
    publish(store, site.name, result.articles, batch_id, inputs=[])
    settings = StoreSettings(store.url)
    if not leak:
        assert tasks.check_site_quality(site, batch_id, settings=settings)["articles"] > 0
        return
    with pytest.raises(QualityCheckError, match=r"'minisite'.*minisite: chrome_article_count = \d+") as exc:
        tasks.check_site_quality(site, batch_id, settings=settings)
    assert "share this article" in str(exc.value)


class FakeConnection:
    login, password = "AKIDEXAMPLE", "s3cr3t-value"
    extra_dejson: ClassVar[dict[str, str]] = {"endpoint_url": "http://minio:9000", "region_name": "eu-west-1"}


def test_store_settings_from_connection_keep_secrets_out_of_repr() -> None:
    env = {"DEFCORPUS_STORE": "s3://corpus/defcorpus"}
    settings = resolve_store_settings(env, get_connection=lambda conn_id: FakeConnection())
    assert settings.s3_endpoint_url == "http://minio:9000"
    assert settings.aws_env["AWS_SECRET_ACCESS_KEY"] == "s3cr3t-value"
    assert settings.aws_env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert "s3cr3t" not in repr(settings) and "AKID" not in repr(settings)
    env_wins = resolve_store_settings(
        {**env, "DEFCORPUS_S3_ENDPOINT_URL": "http://other:9000"}, get_connection=lambda conn_id: FakeConnection()
    )
    assert env_wins.s3_endpoint_url == "http://other:9000"
    local = resolve_store_settings({"DEFCORPUS_STORE": "/data"}, get_connection=lambda conn_id: 1 / 0)
    assert replace(local) == StoreSettings("/data")
