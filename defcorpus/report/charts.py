"""The report's charts: Vega-Lite specs built with Altair, drawn to static SVG by vl-convert.

Why static SVG: the file opens anywhere without a script or a network (vl-convert runs Vega in
process, no browser), stays small enough to keep one per run in the store, and a screenshot or a
mail client shows it as it is. Data goes inline in each spec, and vl-convert is allowed no URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import altair as alt

from defcorpus.report.runs import COUNT_METRICS, LENGTH_METRIC, SHARE_METRICS

if TYPE_CHECKING:
    from defcorpus.report.data import ReportData

WIDTH = 760
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
_CONFIG = {"font": _FONT, "view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 12}}


@dataclass(frozen=True)
class Chart:
    name: str  # the section it belongs to; also the figure's data-chart attribute
    title: str
    svg: str


def charts(data: ReportData) -> list[Chart]:
    """Every chart the data has something for, in report order."""
    import vl_convert

    specs = [
        ("coverage", "Articles per site and publication month (gaps outlined in red)", _coverage(data)),
        ("crawls", "Pages per crawl run, by outcome", _crawls(data)),
        ("words", "Body length: articles per word-count bin", _words(data)),
        ("removals", "Paragraphs removed from bodies, by reason", _removals(data)),
        ("metadata", "Metadata completeness (share of articles)", _metadata(data)),
        ("drift", "Quality metrics per clean batch", _drift(data)),
    ]
    drawn = []
    for name, title, spec in specs:
        if spec is not None:
            # Room at the edges: the browser's font may set a label a little wider than vl-convert measured it.
            vega_lite = {**spec.to_dict(), "padding": {"left": 24, "right": 24, "top": 6, "bottom": 6}}
            drawn.append(Chart(name, title, vl_convert.vegalite_to_svg(vega_lite, allowed_base_urls=[])))
    return drawn


def _data(rows: list[dict[str, Any]]) -> alt.Data:
    return alt.Data(values=rows)


def _coverage(data: ReportData) -> alt.TopLevelMixin | None:
    rows = [
        {"site": c.site, "month": c.month, "articles": c.articles, "gap": c.gap, "usual": c.usual}
        for c in data.articles.coverage
    ]
    if not rows:
        return None
    months = sorted({c.month for c in data.articles.coverage})
    cell = max(16, min(44, (WIDTH - 120) // max(1, len(months))))
    base = alt.Chart(_data(rows)).encode(
        x=alt.X("month:O", title="publication month", sort=months),
        y=alt.Y("site:N", title=None),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("articles:Q", scale=alt.Scale(scheme="blues", domainMin=0), title="articles"),
        stroke=alt.condition("datum.gap", alt.value("#d62728"), alt.value(None)),
        strokeWidth=alt.condition("datum.gap", alt.value(3), alt.value(0)),
    )
    text = (
        base.mark_text(fontSize=10)
        .encode(
            text="articles:Q",
            color=alt.condition("datum.articles > datum.peak * 0.55", alt.value("white"), alt.value("#222")),
        )
        .transform_joinaggregate(peak="max(articles)")
    )
    return (heat + text).properties(width=cell * len(months), height={"step": 26}).configure(**_CONFIG)


def _crawls(data: ReportData) -> alt.TopLevelMixin | None:
    rows = []
    for run in data.runs.crawls:
        label = f"{run.site} {run.started[:16].replace('T', ' ')}"
        ok = max(0, run.pages_fetched - run.not_modified - run.paywalled)
        for outcome, count in (
            ("fetched", ok),
            ("304 not modified", run.not_modified),
            ("paywalled", run.paywalled),
            ("blocked", run.blocked),
            ("failed", run.failed),
        ):
            rows.append({"run": label, "outcome": outcome, "pages": count})
    if not rows:
        return None
    outcomes = ["fetched", "304 not modified", "paywalled", "blocked", "failed"]
    colors = ["#4c78a8", "#9ecae9", "#f2cf5b", "#d62728", "#7f7f7f"]
    return (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            y=alt.Y("run:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("pages:Q", title="pages"),
            color=alt.Color("outcome:N", scale=alt.Scale(domain=outcomes, range=colors), title=None),
            order=alt.Order("outcome_order:Q"),
        )
        .transform_calculate(outcome_order=f"indexof({outcomes!r}, datum.outcome)")
        .properties(width=WIDTH - 200, height={"step": 18})
        .configure(**_CONFIG)
    )


def _words(data: ReportData) -> alt.TopLevelMixin | None:
    rows = [{"site": b.site, "bin": b.label, "low": b.low, "articles": b.articles} for b in data.articles.word_bins]
    if not rows:
        return None
    order = [
        b.label for b in sorted({(b.low, b.label): b for b in data.articles.word_bins}.values(), key=lambda b: b.low)
    ]
    return (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            x=alt.X("bin:O", title="words in body", sort=order),
            y=alt.Y("articles:Q", title="articles"),
            color=alt.Color("site:N", legend=None),
            column=alt.Column("site:N", title=None),
        )
        .properties(width=max(120, (WIDTH - 40) // max(1, len(data.articles.word_stats)) - 30), height=140)
        .configure(**_CONFIG)
    )


def _removals(data: ReportData) -> alt.TopLevelMixin | None:
    rows = [
        {"site": site, "reason": reason, "paragraphs": count}
        for site, reasons in data.runs.removals.items()
        for reason, count in reasons.items()
    ]
    if not rows:
        return None
    return (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            y=alt.Y("site:N", title=None),
            x=alt.X("paragraphs:Q", title="paragraphs removed"),
            color=alt.Color("reason:N", scale=alt.Scale(scheme="tableau10"), title="reason"),
        )
        .properties(width=WIDTH - 260, height={"step": 26})
        .configure(**_CONFIG)
    )


def _metadata(data: ReportData) -> alt.TopLevelMixin | None:
    fields = ("authors", "date", "section", "image")
    rows = [
        {"site": c.site, "field": name, "share": getattr(c, name)}
        for c in data.articles.completeness
        for name in fields
    ]
    if not rows:
        return None
    base = alt.Chart(_data(rows)).encode(
        x=alt.X("field:N", title=None, sort=list(fields), axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("site:N", title=None),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("share:Q", scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]), title="share")
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("share:Q", format=".0%"),
        color=alt.condition("datum.share < 0.25 || datum.share > 0.85", alt.value("white"), alt.value("#222")),
    )
    return (heat + text).properties(width=90 * len(fields), height={"step": 26}).configure(**_CONFIG)


def _drift(data: ReportData) -> alt.TopLevelMixin | None:
    metrics = (*SHARE_METRICS, *COUNT_METRICS, LENGTH_METRIC)
    rows = [
        {"site": p.site, "cleaned": p.cleaned, "metric": p.metric, "value": p.value, "batch": p.batch_id}
        for p in data.runs.drift
        if p.metric in metrics
    ]
    if not rows:
        return None
    return (
        alt.Chart(_data(rows))
        .mark_line(point=True, interpolate="step-after")
        .encode(
            x=alt.X("cleaned:T", title="batch cleaned"),
            y=alt.Y("value:Q", title=None),
            color=alt.Color("site:N", title="site"),
        )
        .properties(width=WIDTH - 160, height=90)
        .facet(
            row=alt.Row("metric:N", title=None, sort=list(metrics), header=alt.Header(labelAngle=0, labelAlign="left"))
        )
        .resolve_scale(y="independent")
        .configure(**_CONFIG)
    )
