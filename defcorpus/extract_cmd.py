"""``defcorpus extract``: clean HTML pages (files, directories, stdin), one record per page.

Pages go through the pipeline's own passes (``cleaning.pipeline.extract_pages`` and ``build_article``).
By default each page is cleaned alone, with an empty boilerplate state: site learning needs many
articles of a site, so for single pages it is off, while the page-level cues (a bio at the end
naming the author, a paragraph printed twice, the lead image's caption) still apply. With
``learn=True`` the pages of each site (URL host) are cleaned together by ``clean_batch`` with site
learning on, exactly as a crawl's clean does. A page that cannot be read or is not an article gives
an error record, and the other pages still come out.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
import sys
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.exceptions import ArchiveLoadFailed

from cleaning.boilerplate import BoilerplateStats
from cleaning.options import CleanOptions
from cleaning.pipeline import BatchResult, build_article, clean_pages, extract_pages
from cleaning.screen import screen_page
from corpus.errors import DamagedWarcError
from corpus.pages import FetchedPage
from corpus.schema import Article
from corpus.warc import html_records

logger = logging.getLogger(__name__)

STDIN = "-"
FORMATS = ("jsonl", "json", "txt")
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz", ".xhtml.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")
# Fields that describe a crawl's WARC record: a single page read from a file has none (``paywalled``
# is the crawler's flag on the record, so a page read from a file has no say on it either).
_NO_PROVENANCE = {"warc_file", "warc_record_id", "paywalled"}
_GZIP_MAGIC = b"\x1f\x8b"
_SITE = "single-page"


class _NoSiteLearning(BoilerplateStats):
    """Site learning off: one page has no site to learn from, so nothing is boilerplate by statistics."""

    def classify(self, paragraphs: Sequence[str], authors: Sequence[str] = ()) -> list[str | None]:
        return [None] * len(paragraphs)


@dataclass(frozen=True)
class Outcome:
    """One input page: its article, or why there is none."""

    source: str
    article: Article | None = None
    error: str | None = None

    url: str | None = None

    def record(self) -> dict[str, Any]:
        """The page as a JSON-ready dict: the Article's fields plus ``source`` (or ``url`` and ``error``)."""
        if self.article is None:
            return {"source": self.source, "url": self.url, "error": self.error}
        exclude = _NO_PROVENANCE if not self.article.warc_file else set()  # a WARC record keeps its provenance
        return {**self.article.model_dump(mode="json", exclude=exclude), "source": self.source}


def single_page_options(*, learn: bool = False) -> CleanOptions:
    """Generic rules: no body selector, nothing site-specific, no template to learn. Build once, pass
    to ``extract_html``; ``learn`` keeps template learning on for pages cleaned together."""
    return dataclasses.replace(CleanOptions.build(_SITE), learn_template=learn)


def extract_html(
    html: bytes, url: str, *, fetched_at: datetime, source: str = STDIN, options: CleanOptions | None = None
) -> Outcome:
    """Clean one page as the pipeline would, with site learning off; ``site`` is the URL's host."""
    fetched = FetchedPage(url=url, html=html, fetched_at=fetched_at, warc_file="", warc_record_id="")
    return extract_fetched(fetched, source=source, options=options)


def extract_fetched(fetched: FetchedPage, *, source: str = STDIN, options: CleanOptions | None = None) -> Outcome:
    """``extract_html`` for a page already read, a WARC record's provenance kept."""
    options = dataclasses.replace(options or single_page_options(), site=urlsplit(fetched.url).hostname or _SITE)
    refused = screen_page(
        fetched.html, content_type=fetched.content_type
    )  # the pipeline's own screen: a binary file, a 30 MB page
    if refused is not None:
        return Outcome(source, error=f"not an article ({refused.reason})", url=fetched.url)
    result = BatchResult()
    for item in extract_pages([fetched], options, result):
        article = build_article(item, options, _NoSiteLearning(), result)
        if article is not None:
            return Outcome(source, article)
    reasons = ", ".join(sorted(result.rejected)) or "no article"
    return Outcome(source, error=f"not an article ({reasons})", url=fetched.url)


def iter_sources(paths: Iterable[str]) -> Iterator[str]:
    """Expand directories (recursively, sorted) into their HTML and WARC files; files and ``-`` pass as given."""
    for raw in paths:
        path = Path(raw)
        if raw != STDIN and path.is_dir():
            found = (p for p in path.rglob("*") if p.is_file() and p.name.endswith((*HTML_SUFFIXES, *WARC_SUFFIXES)))
            yield from sorted(str(p) for p in found)
        else:
            yield raw


def read_source(source: str, stdin: IO[bytes] | None = None) -> tuple[bytes, datetime]:
    """The page's bytes (gunzipped if compressed) and when it was saved (stdin: now)."""
    if source == STDIN:
        data, saved = (stdin or sys.stdin.buffer).read(), datetime.now(UTC)
    else:
        path = Path(source)
        data, saved = path.read_bytes(), datetime.fromtimestamp(path.stat().st_mtime, UTC)
    if data.startswith(_GZIP_MAGIC):
        data = gzip.decompress(data)
    return data, saved


def extract_sources(
    paths: Iterable[str], *, url: str | None = None, stdin: IO[bytes] | None = None, learn: bool = False
) -> Iterator[Outcome]:
    """One outcome per input page, in input order; an unreadable page does not stop the others."""
    if learn:
        yield from _learned(_read_all(paths, url, stdin))
        return
    options = single_page_options()
    for item in _read_all(paths, url, stdin):
        if isinstance(item, Outcome):
            yield item
            continue
        source, fetched = item
        try:
            yield extract_fetched(fetched, source=source, options=options)
        except Exception as exc:  # one bad page must not lose the others
            logger.debug("extraction failed: %s", source, exc_info=True)
            yield Outcome(source, error=f"extraction failed: {type(exc).__name__}: {exc}", url=fetched.url)


def _read_all(
    paths: Iterable[str], url: str | None, stdin: IO[bytes] | None
) -> Iterator[tuple[str, FetchedPage] | Outcome]:
    """Each input page with its source name, or an error outcome for one that cannot be read.

    A WARC file gives one page per HTML response record, named ``<file>#<WARC-Record-ID>``, with
    its ``WARC-Target-URI`` as the URL and its ``WARC-Date`` as the fetch time.
    """
    for source in iter_sources(paths):
        try:
            if source != STDIN and source.endswith(WARC_SUFFIXES):
                yield from _warc_pages(source)
                continue
            html, saved = read_source(source, stdin)
        except (OSError, EOFError, zlib.error, ArchiveLoadFailed) as exc:
            yield Outcome(source, error=f"cannot read: {exc}")
            continue
        page_url = url or (Path(source).resolve().as_uri() if source != STDIN else "stdin:")
        yield source, FetchedPage(url=page_url, html=html, fetched_at=saved, warc_file="", warc_record_id="")


def _warc_pages(path: str) -> Iterator[tuple[str, FetchedPage] | Outcome]:
    """The pages of a WARC file; a damaged file gives its whole records, then an error outcome."""
    found = 0
    with Path(path).open("rb") as fh:
        try:
            for page in html_records(fh, path):
                found += 1
                yield f"{path}#{page.warc_record_id}", page
        except DamagedWarcError as exc:
            yield Outcome(path, error=f"cannot read all of it: {exc}")
            return
    if not found:
        yield Outcome(path, error="cannot read: no HTML response record in this WARC file")


def extract_site_pages(pages: Iterable[FetchedPage]) -> Iterator[Outcome]:
    """``extract_sources(learn=True)`` for pages already in memory with their own URLs (a page's
    ``warc_record_id`` names it): each site's pages cleaned together, outcomes in input order."""
    yield from _learned((page.warc_record_id, page) for page in pages)


def _learned(items: Iterable[tuple[str, FetchedPage] | Outcome]) -> Iterator[Outcome]:
    """Pages cleaned site by site with site learning on; outcomes in input order."""
    order: list[str] = []
    errors: dict[str, Outcome] = {}
    by_site: dict[str, list[tuple[str, FetchedPage]]] = {}
    for item in items:
        if isinstance(item, Outcome):
            errors[item.source] = item
            order.append(item.source)
            continue
        source, fetched = item
        order.append(source)
        by_site.setdefault(urlsplit(fetched.url).hostname or _SITE, []).append((source, fetched))
    outcomes: dict[str, Outcome] = {}
    for site, pages in by_site.items():
        outcomes.update(_clean_site(site, pages))
    for source in order:
        yield errors.get(source) or outcomes[source]


def _clean_site(site: str, pages: list[tuple[str, FetchedPage]]) -> dict[str, Outcome]:
    """``clean_pages`` over one site's pages (the pipeline's two passes), keeping each page's own outcome."""
    options = dataclasses.replace(single_page_options(learn=True), site=site)
    stats = BoilerplateStats(min_articles=options.rules.boilerplate_min_articles)
    outcomes: dict[str, Outcome] = {}
    sources: dict[int, str] = {}
    for source, page in pages:
        refused = screen_page(page.html, content_type=page.content_type)
        if refused is None:
            sources[id(page)] = source
        else:
            outcomes[source] = Outcome(source, error=f"not an article ({refused.reason})", url=page.url)
    screened = (page for _, page in pages if id(page) in sources)
    for fetched, article, result in clean_pages(screened, options, stats):
        source = sources[id(fetched)]
        outcomes[source] = Outcome(source, article) if article is not None else _rejected(source, fetched, result)
    logger.info("%s: %d pages cleaned together with site learning", site, len(pages))
    return outcomes


def _rejected(source: str, page: FetchedPage, result: BatchResult) -> Outcome:
    reasons = ", ".join(sorted(result.rejected)) or "no article"
    return Outcome(source, error=f"not an article ({reasons})", url=page.url)


def write_outcomes(outcomes: Iterable[Outcome], fmt: str, out: IO[str], err: IO[str]) -> int:
    """Write the pages to ``out`` in ``fmt``; returns the number of pages that failed.

    jsonl: one record per line, errors as ``{"source", "error"}`` lines. json: one array of those
    records. txt: headline, blank line, body; pages separated by a form feed; errors go to ``err``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    failed = 0
    records: list[dict[str, Any]] = []
    for n, outcome in enumerate(outcomes):
        failed += outcome.article is None
        if fmt == "jsonl":
            out.write(json.dumps(outcome.record(), ensure_ascii=False) + "\n")
        elif fmt == "json":
            records.append(outcome.record())
        elif outcome.article is None:
            err.write(f"{outcome.source}: {outcome.error}\n")
        else:
            out.write(("\f\n" if n else "") + f"{outcome.article.headline}\n\n{outcome.article.body}\n")
    if fmt == "json":
        out.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    return failed
