"""The systems the bench runs: ``defcorpus extract`` (alone, and ``--learn``) and the baselines.

Each system takes a *unit* of pages and returns one ``Output`` per page. A unit is one page, except
on a set with several pages per publisher, where it is one publisher's pages: ``defcorpus extract
--learn`` cleans those together, and the others simply go through them one by one. Every system that
reads metadata is given the page URL from the ground truth and the same fixed fetch time.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.sets import Output, Page

# One fetch time for every page (all ground-truth dates are earlier), so no result depends on the
# day the bench runs: defcorpus refuses dates later than the fetch.
FETCHED_AT = datetime(2026, 12, 1, tzinfo=UTC)
REFERENCE = "trafilatura"
NAMES = ("defcorpus", "defcorpus-learn", REFERENCE, "trafilatura-precision", "readability")  # table order

Extractor = Callable[[bytes, str], Output]
UnitRunner = Callable[[Sequence[Page]], list[Output]]


@dataclass(frozen=True)
class System:
    name: str
    label: str
    run: UnitRunner
    learning_only: bool = False  # meaningful only where a publisher has several pages


def _article_output(article: Any) -> Output:
    if article is None:
        return Output(metadata=True)
    published, modified = article.date_published, article.date_modified
    return Output(
        body=article.body,
        title=article.headline,
        authors=tuple(article.authors),
        # .date() keeps the offset the page gave: the day it displays, not the UTC day
        published=published.date().isoformat() if published else None,
        modified=modified.date().isoformat() if modified else None,
        metadata=True,
    )


def defcorpus() -> Extractor:
    """What ``defcorpus extract --url URL FILE`` gives for one page: the same library call, with one
    options object for all pages as the command builds."""
    from defcorpus.extract_cmd import extract_html, single_page_options

    options = single_page_options()

    def run(html: bytes, url: str) -> Output:
        return _article_output(extract_html(html, url, fetched_at=FETCHED_AT, options=options).article)

    return run


def defcorpus_learn(pages: Sequence[Page]) -> list[Output]:
    """``defcorpus extract --learn``: a publisher's pages cleaned together with site learning on."""
    from corpus.pages import FetchedPage
    from defcorpus.extract_cmd import extract_site_pages

    fetched = [FetchedPage(p.url, p.html, FETCHED_AT, warc_file="", warc_record_id=p.id) for p in pages]
    return [_article_output(outcome.article) for outcome in extract_site_pages(fetched)]


def _trafilatura(**kwargs: Any) -> Extractor:
    """``bare_extraction`` with the URL and metadata on: defcorpus reads metadata too, so this is
    the like-for-like reference (its ``text`` is the body without comments)."""
    import trafilatura

    def run(html: bytes, url: str) -> Output:
        document = trafilatura.bare_extraction(html, url=url, with_metadata=True, **kwargs)
        if document is None:
            return Output(metadata=True)
        date = getattr(document, "date", None)
        return Output(
            body=getattr(document, "text", None) or "",
            title=getattr(document, "title", None),
            authors=tuple(a.strip() for a in (getattr(document, "author", None) or "").split(";") if a.strip()),
            published=date[:10] if date else None,
            metadata=True,
        )

    return run


def _readability(html: bytes, url: str) -> Output:
    import html_text
    from readability import Document

    return Output(body=html_text.extract_text(Document(html.decode("utf-8", "replace")).summary(html_partial=True)))


def per_page(extract: Extractor) -> UnitRunner:
    """A page-by-page system run over a unit."""

    def run(pages: Sequence[Page]) -> list[Output]:
        return [extract(page.html, page.url) for page in pages]

    return run


def available(names: Sequence[str] | None = None) -> dict[str, System]:
    """name -> System, in table order; ``names`` picks some. A baseline whose package is missing is
    left out (``missing`` says which)."""
    makers: dict[str, Callable[[], System]] = {
        "defcorpus": lambda: System("defcorpus", "defcorpus extract", per_page(defcorpus())),
        "defcorpus-learn": lambda: System(
            "defcorpus-learn", "defcorpus extract --learn", defcorpus_learn, learning_only=True
        ),
        REFERENCE: lambda: System(REFERENCE, "trafilatura (default)", per_page(_trafilatura())),
        "trafilatura-precision": lambda: System(
            "trafilatura-precision", "trafilatura favor_precision", per_page(_trafilatura(favor_precision=True))
        ),
        "readability": lambda: System("readability", "readability-lxml + html-text", per_page(_readability)),
    }
    chosen = [n for n in (names if names is not None else NAMES) if n in makers and n not in missing()]
    return {name: makers[name]() for name in chosen}


def missing() -> list[str]:
    """Baselines whose packages are not installed (the ``bench`` dependency group has them)."""
    return [] if importlib.util.find_spec("readability") and importlib.util.find_spec("html_text") else ["readability"]
