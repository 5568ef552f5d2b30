"""The report as one self-contained HTML file: styles and charts inline, nothing fetched when opened.

``write_report`` is what the CLI, the cleaning DAG and the demo call: collect, draw, render, store.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from corpus import layout
from corpus.store import Store
from defcorpus.report.charts import charts
from defcorpus.report.data import ReportData, collect_report

SECTIONS = (
    ("summary", "Summary"),
    ("coverage", "Coverage"),
    ("crawls", "Crawl health"),
    ("words", "Body length"),
    ("removals", "Removed paragraphs"),
    ("metadata", "Metadata completeness"),
    ("duplicates", "Near-duplicates across sites"),
    ("drift", "Drift over time"),
)


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("defcorpus.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(data: ReportData) -> str:
    """The HTML of ``data``; every corpus text in it (URLs, removed paragraphs) is escaped."""
    drawn = {chart.name: (chart.title, Markup(chart.svg)) for chart in charts(data)}
    template = _environment().get_template("report.html.j2")
    return template.render(data=data, charts=drawn, sections=SECTIONS)


def write_report(
    store: Store,
    *,
    output: Path | None = None,
    run_id: str | None = None,
    sites: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    now: datetime | None = None,
) -> tuple[ReportData, list[str]]:
    """Collect and render the report; write it to ``output`` and, with ``run_id``, into the store
    (``reports/runs/<run_id>.html`` and ``reports/latest.html``). Returns the data and where it went."""
    data = collect_report(store, sites, since, until, now=now)
    html = render_html(data).encode()
    written = []
    if output is not None:
        output.write_bytes(html)
        written.append(str(output))
    if run_id is not None:
        for key in (layout.run_report_key(run_id), layout.latest_report_key()):
            store.write(key, html)
            written.append(store.uri(key))
    return data, written
