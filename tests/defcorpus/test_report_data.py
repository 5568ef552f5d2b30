"""The report's numbers (``collect_report``) and its HTML, on a corpus with a gap month, a template that
starts leaking chrome, a blocked crawl and cross-site copies (tests/support/report_corpus.py), and on
the demo corpus."""

from __future__ import annotations

import io
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from corpus import layout
from corpus.store import Store, open_store
from corpus.table import read_manifests
from defcorpus.clean_report import CleanReport
from defcorpus.demo import run_demo
from defcorpus.minisite import load_content
from defcorpus.report import ReportData, ReportInputError, collect_report, render_html
from tests.support import report_corpus as rc
from tests.support.http import free_port
from tests.support.publishers import challenges

pytestmark = pytest.mark.slow


def test_coverage_counts_every_month_and_flags_the_gap(data: ReportData) -> None:
    steady = [c for c in data.articles.coverage if c.site == "steady"]
    assert {c.month: c.articles for c in steady} == rc.MONTHS
    assert [c.month for c in data.articles.coverage if c.gap] == ["2024-03"]
    assert {c.usual for c in steady} == {8.0}
    span = next(s for s in data.articles.spans if s.site == "steady")
    stories = rc.stories()
    assert (span.articles, span.months, span.gap_months) == (len(stories), len(rc.MONTHS), ["2024-03"])
    assert (span.first, span.last) == (min(s.published for s in stories)[:10], max(s.published for s in stories)[:10])


def test_crawl_health_shows_the_blocked_run(built: tuple[Store, Path, list[CleanReport]], data: ReportData) -> None:
    first, second = data.runs.crawls
    assert first.site == second.site == "jumpy"
    assert (first.blocked, first.articles_fetched) == (0, challenges.JUMP_ARTICLES)
    assert second.blocked == challenges.JUMP_BLOCKED
    assert second.blocked_by_reason == {"challenge": challenges.JUMP_BLOCKED}
    assert second.articles_fetched == challenges.JUMP_ARTICLES - challenges.JUMP_BLOCKED
    stored = json.loads(built[0].read(layout.crawl_stats_key("jumpy", second.crawl_id)))
    assert second.requests == stored["summary"]["requests"]
    assert second.requests_per_article == round(second.requests / second.articles_fetched, 2)
    assert second.blocked_share == round(
        second.blocked / (second.blocked + stored["stats"]["response_received_count"]), 4
    )


def test_removals_name_the_leaked_paragraph(built: tuple[Store, Path, list[CleanReport]], data: ReportData) -> None:
    leaky = sum(rc.MONTHS[m] for m in rc.BATCHES[rc.LEAKY_BATCH])
    assert data.runs.removals["steady"] == {"boilerplate": leaky}
    assert sum(r.boilerplate_removed for r in built[2][:3]) == leaky  # what the cleans themselves counted
    top = [t for t in data.runs.removed_texts if t.site == "steady"]
    assert [(t.reason, t.text, t.count) for t in top] == [("boilerplate", rc.NEWSLETTER, leaky)]
    assert data.runs.removals["echo"] == {}


def test_drift_steps_where_the_template_starts_leaking(data: ReportData) -> None:
    chrome = [p.value for p in data.runs.drift if p.site == "steady" and p.metric == "chrome_article_count"]
    leaky = sum(rc.MONTHS[m] for m in rc.BATCHES[rc.LEAKY_BATCH])
    assert chrome == [0, 0, leaky]
    (step,) = [s for s in data.runs.steps if s.site == "steady"]
    assert (step.metrics, step.before) == ({"chrome_article_count": leaky}, {"chrome_article_count": 0})
    assert step.batch_id == [m.batch_id for m in read_manifests_of(data, "steady")][-1]


def read_manifests_of(data: ReportData, site: str) -> list[dict[str, Any]]:
    manifests = read_manifests(open_store(data.store), site)
    return sorted(manifests, key=lambda m: m.created_at)


def test_metadata_and_cross_site_duplicates(data: ReportData) -> None:
    steady = next(c for c in data.articles.completeness if c.site == "steady")
    assert (steady.articles, steady.authors, steady.date, steady.section, steady.image) == (41, 1.0, 1.0, 0.0, 0.0)
    jumpy = next(c for c in data.articles.completeness if c.site == "jumpy")
    assert jumpy.authors == 0.0  # the fixture's articles carry no byline
    assert data.articles.duplicate_groups == rc.COPIED
    assert {tuple(g.sites) for g in data.articles.duplicates_shown} == {("echo", "steady")}
    assert all(g.canonical_url and "/report-" in g.canonical_url for g in data.articles.duplicates_shown)


def test_html_names_the_gap_the_drift_and_the_blocked_pages(data: ReportData) -> None:
    html = render_html(data)
    assert "Gap: steady has 1 articles in 2024-03, against 8 in its usual month." in html
    assert "chrome_article_count 0 → 16" in html
    assert f"had {challenges.JUMP_BLOCKED} blocked pages (challenge {challenges.JUMP_BLOCKED})" in html
    assert rc.NEWSLETTER.replace("'", "&#39;") in html  # escaped, as every corpus text
    assert html.count('<figure class="chart"') == 6
    assert "<script" not in html and 'src="http' not in html and "<link" not in html  # nothing to fetch


def test_a_window_and_a_site_filter(built: tuple[Store, Path, list[CleanReport]]) -> None:
    store = built[0]
    windowed = collect_report(store, ["steady"], since="2024-04-01", until="2024-06-01")
    assert [(c.month, c.articles) for c in windowed.articles.coverage] == [("2024-04", 8), ("2024-05", 8)]
    assert windowed.sites == ["steady"] and not windowed.runs.crawls  # the crawls and cleans ran after the window
    with pytest.raises(ReportInputError, match=r"no site 'nosuch' in .* \(sites there: echo, jumpy, steady\)"):
        collect_report(store, ["nosuch"])


def test_a_batch_without_summary_is_named(built: tuple[Store, Path, list[CleanReport]], tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(built[1], copy)
    store = open_store(str(copy))
    first = read_manifests(store, "steady")[0].batch_id
    store.delete(layout.batch_summary_key(first))
    data = collect_report(store, ["steady"])
    assert (data.runs.batches["steady"], data.runs.without_summary["steady"]) == (3, 1)
    assert any("steady: 1 of 3 clean batches have no summary" in f.text for f in data.findings)


# --------------------------------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, CleanReport, str]:
    port = free_port()
    store = open_store(str(tmp_path_factory.mktemp("demo") / "store"))
    out = io.StringIO()
    report = run_demo(Console(file=out, width=200), store, port=port)
    return store, report, out.getvalue()


def test_the_demo_report(demo: tuple[Store, CleanReport, str]) -> None:
    store, report, printed = demo
    data = collect_report(store)
    public = load_content().public
    assert {c.month: c.articles for c in data.articles.coverage} == Counter(f"{a.date_published:%Y-%m}" for a in public)
    assert not any(c.gap for c in data.articles.coverage)
    (crawl,) = data.runs.crawls
    stored = json.loads(store.read(layout.crawl_stats_key("minisite", crawl.crawl_id)))
    assert (crawl.pages_fetched, crawl.articles_fetched) == (stored["pages_fetched"], len(public))
    removed = data.runs.removals["minisite"]
    assert sum(removed.values()) == report.boilerplate_removed + report.dropped_by_rule
    assert sum(n for reason, n in removed.items() if reason.startswith("author_bio")) == report.bios_removed
    assert store.read(layout.latest_report_key()).decode().count('<figure class="chart"') == 6
    assert store.uri(layout.latest_report_key()) in printed
