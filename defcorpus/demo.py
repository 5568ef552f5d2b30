"""The offline demo: the bundled mini-site on loopback, crawled, cleaned and published end to end.

Politeness delays are switched off for this crawl only: the server is our own, on 127.0.0.1.
"""

from __future__ import annotations

from contextlib import ExitStack
from urllib.parse import urlsplit

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from corpus import layout
from corpus.reader import Corpus
from corpus.store import Store
from crawlers.report import CrawlReport
from crawlers.sites import get_site
from defcorpus.clean_report import CleanReport
from defcorpus.minisite import serve
from defcorpus.minisite.server import MiniSite
from defcorpus.progress import clean_with_progress, crawl_with_progress, removals_summary

LOOPBACK_CRAWL_SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOGSTATS_INTERVAL": 0.5}
BODY_PREVIEW_PARAGRAPHS = 6


def run_demo(
    console: Console, store: Store, s3_endpoint_url: str | None = None, port: int | None = None
) -> CleanReport:
    """``port`` defaults to the one in the mini-site's config."""
    configured = get_site("minisite")
    with ExitStack() as stack:
        server = _serve_on_configured_port(stack, port or urlsplit(configured.base_url).port or 0)
        console.rule("defcorpus demo: offline, on the bundled mini-site")
        site = configured.with_base_url(server.base_url)
        console.print(f"Serving the mini-site at {server.base_url} (loopback only)", highlight=False)
        crawl = crawl_with_progress(
            console, store, site, s3_endpoint_url=s3_endpoint_url, settings=LOOPBACK_CRAWL_SETTINGS
        )
    report = clean_with_progress(console, store, site)
    _print_summary(console, store, crawl, report)
    _print_article(console, store, report)
    _write_report(console, store, report)
    return report


def _write_report(console: Console, store: Store, report: CleanReport) -> None:
    """The corpus report of the demo store (``defcorpus report``), kept in the store as a clean run writes it."""
    from defcorpus.report import write_report

    _, written = write_report(store, run_id=report.batch_id or "demo")
    console.print(f"Corpus report (open it in a browser): {written[-1]}", highlight=False, soft_wrap=True)


class PortInUseError(Exception):
    """The demo's port is taken: refused, so the store never gets a second copy of the site."""

    def __init__(self, port: int) -> None:
        super().__init__(
            f"port {port} on 127.0.0.1 is in use; free it, or pass --port N with a fresh --store "
            "(on another port the articles get other URLs, and so other ids)"
        )
        self.port = port


def _serve_on_configured_port(stack: ExitStack, port: int) -> MiniSite:
    """Serve on ``port`` or refuse: the port is part of every article URL, and so of its id.

    Why refuse and not take a free port: the articles would get other URLs, and a rerun would
    publish the whole site again beside the first copy in the same store.
    """
    try:
        return stack.enter_context(serve(port=port))
    except OSError:
        raise PortInUseError(port) from None


def _print_summary(console: Console, store: Store, crawl: CrawlReport, report: CleanReport) -> None:
    """The counts in a table; paths and commands on lines of their own, never cut or wrapped (copy-paste)."""
    in_store = Corpus(store).articles(site=report.site).num_rows
    table = Table(title="Summary", show_header=False, title_justify="left")
    table.add_row("pages fetched", str(crawl.pages_fetched))
    table.add_row("article pages fetched", str(crawl.articles_fetched))
    table.add_row(
        "articles published",
        f"{report.articles_published} new, {in_store - report.articles_published} already in the store",
    )
    table.add_row("paragraphs removed", removals_summary(report))
    if report.rejected:
        table.add_row("pages not published", ", ".join(f"{k}: {v}" for k, v in sorted(report.rejected.items())))
    console.print(table)
    console.print(f"raw WARC: {store.uri(layout.raw_site_prefix(report.site))}", highlight=False, soft_wrap=True)
    console.print(f"corpus (Parquet): {store.uri(layout.CLEAN_PREFIX)}", highlight=False, soft_wrap=True)


def _print_article(console: Console, store: Store, report: CleanReport) -> None:
    """The published article the cleaner had most to remove from."""
    articles = Corpus(store).articles(site=report.site).to_pylist()
    if not articles:
        return
    removed, most = report.most_removed or (0, "")
    article = next((a for a in articles if a["id"] == most), None) or max(articles, key=lambda a: a["id"])
    paragraphs = article["body"].split("\n\n")
    shown = "\n\n".join(paragraphs[:BODY_PREVIEW_PARAGRAPHS])
    if len(paragraphs) > BODY_PREVIEW_PARAGRAPHS:
        shown += f"\n\n[dim]… {len(paragraphs) - BODY_PREVIEW_PARAGRAPHS} more paragraphs[/dim]"
    published = article["date_published"].isoformat() if article["date_published"] else "undated"
    head = (
        f"[bold]{article['headline']}[/bold]\n{', '.join(article['authors'])} · {published} · "
        f"{article['section']} · {article['word_count']} words\n{article['url']}\n"
    )
    removed = removed if article["id"] == most else 0
    console.print(
        Panel(head + "\n" + shown, title=f"One cleaned article ({removed} paragraphs removed)", title_align="left")
    )
    hint = f"Read the whole corpus: defcorpus export --store {store.url} --format jsonl"
    console.print(hint, highlight=False, soft_wrap=True)
