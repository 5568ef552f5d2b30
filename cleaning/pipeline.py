"""Clean a batch of fetched pages of one site into Articles, learning the site's boilerplate.

Two passes: first every page is extracted and its paragraphs are counted in the site's statistics,
then each page's recurring paragraphs are removed. Counting the whole batch first means the first
articles of a batch are cleaned as well as the last. The passes are also public (``extract_pages``,
``observe``, ``build_article``) so a re-clean of a whole site can stream them file by file.

Every paragraph removed from a body is a ``Removal`` with its reason:
``boilerplate`` (recurs across the site), ``author_bio`` (recurs and names the byline author),
``author_bio_cue`` (bio-shaped paragraph naming the author at the end of the body),
``author_bio_repeated`` (names the author and is printed again on the page, e.g. in an author box),
``duplicate_in_page`` (a second copy of a body paragraph), ``image_caption`` (the lead image's caption),
``template_chrome`` (outside the container that holds the site's articles, ``cleaning.template``),
``teaser_card`` (in a small box whose title links to another story of the site, ``cleaning.cards``),
``chrome_slot`` (at a position of the site's template whose text recurs across its pages,
``cleaning.slots``: the same box, whatever it prints this time).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import NamedTuple

from lxml import etree
from lxml import html as lxml_html
from pydantic import ValidationError
from trafilatura.utils import load_html

from cleaning import CLEANER_VERSION
from cleaning.bios import named_author, repeated_in_page, tail_bios
from cleaning.blocks import Block
from cleaning.boilerplate import BoilerplateStats
from cleaning.cards import teaser_cards
from cleaning.charset import decode_page
from cleaning.extract import Page, Rejection, extract_page, parse_page
from cleaning.identity import identify
from cleaning.normalize import join_paragraphs, word_count
from cleaning.options import CleanOptions
from cleaning.sketch import fold
from cleaning.template import chains, locate, recovered
from corpus.pages import FetchedPage
from corpus.schema import Article, MainImage, article_id, content_hash

logger = logging.getLogger(__name__)
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "head")
# A paragraph printed twice in one page is a copy once it is this long (a sentence, not a label).
DUPLICATE_MIN_WORDS = 8
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Removal:
    article_id: str
    text: str
    reason: str  # see the module docstring

    @property
    def is_bio(self) -> bool:
        return self.reason.startswith("author_bio")


@dataclass(frozen=True)
class RejectedPage:
    """A fetched page the clean rejected, and where the crawl stored it: asked for again by the next crawl."""

    url: str
    warc_file: str
    reason: str


@dataclass
class BatchResult:
    articles: list[Article] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    rejected_pages: list[RejectedPage] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    dropped_by_rule: int = 0
    dropped_values: Counter[str] = field(default_factory=Counter)  # metadata values refused, by reason

    def add(self, other: BatchResult) -> None:
        """``other``'s articles, counts and removals added to these: a page's own result into its batch's."""
        self.articles += other.articles
        self.rejected.update(other.rejected)
        self.rejected_pages += other.rejected_pages
        self.removals += other.removals
        self.dropped_by_rule += other.dropped_by_rule
        self.dropped_values.update(other.dropped_values)

    def reject(self, page: FetchedPage, reason: str) -> None:
        self.rejected[reason] += 1
        self.rejected_pages.append(RejectedPage(page.url, page.warc_file, reason))


class PageResult(NamedTuple):
    """One page of a batch after both passes: its article (None: rejected) and what cleaning it counted."""

    fetched: FetchedPage
    article: Article | None
    result: BatchResult


@dataclass
class Extracted:
    """One page after extraction, before site learning is applied."""

    fetched: FetchedPage
    page: Page
    canonical: str

    @property
    def id(self) -> str:
        return article_id(self.canonical)

    @cached_property
    def folded_page(self) -> str:
        """The page's visible text, folded: parsed again only when a bio cue needs it."""
        # Decoded explicitly, as extraction decodes it: libxml2 assumes Latin-1 when a page names no charset.
        text = decode_page(self.fetched.html, self.fetched.content_type)
        try:
            tree = lxml_html.document_fromstring(text)
        except (etree.ParserError, ValueError):
            tree = None
        tree = tree if tree is not None else load_html(text)
        if tree is None:
            return ""
        for el in tree.xpath("|".join(f"//{tag}" for tag in _INVISIBLE_TAGS)):
            el.drop_tree()
        return fold(" ".join(tree.itertext()))


def clean_batch(pages: Iterable[FetchedPage], options: CleanOptions, stats: BoilerplateStats) -> BatchResult:
    """Clean ``pages``; ``stats`` is updated in place with what they contain."""
    result = BatchResult()
    for _, article, counted in clean_pages(pages, options, stats):
        result.add(counted)
        if article is not None:
            result.articles.append(article)
    return result


def clean_pages(pages: Iterable[FetchedPage], options: CleanOptions, stats: BoilerplateStats) -> Iterator[PageResult]:
    """Both passes over one site's pages, each page with its own result; ``stats`` is updated in place.

    Why each page apart: ``clean_batch`` totals them, ``defcorpus extract --learn`` tells each page's
    outcome. The pages pass one rejects come as they are read; the others once every page is read
    (learning needs them all), in input order.
    """
    extracted: list[tuple[Extracted, BatchResult]] = []
    for fetched in pages:
        counted = BatchResult()
        found = next(extract_pages([fetched], options, counted), None)
        if found is None:
            yield PageResult(fetched, None, counted)
        else:
            extracted.append((found, counted))
    for item, _ in extracted:
        observe(stats, item)
    for item, counted in extracted:
        yield PageResult(item.fetched, build_article(item, options, stats, counted), counted)


def extract_pages(pages: Iterable[FetchedPage], options: CleanOptions, result: BatchResult) -> Iterator[Extracted]:
    """Pass one: each page's metadata and body blocks; pages that are not articles are counted."""
    for fetched in pages:
        try:
            page = extract_page(fetched.html, fetched.url, options, fetched.fetched_at, fetched.content_type)
        except Exception as exc:  # one page the extractors choke on must not stop the site's clean
            logger.warning("cleaning failed (%s: %s), page rejected: %s", type(exc).__name__, exc, fetched.url)
            logger.debug("traceback", exc_info=True)
            page = Rejection("error", f"{type(exc).__name__}: {exc}")
        if isinstance(page, Rejection):
            logger.info("not an article (%s): %s %s", page.reason, fetched.url, page.detail)
            result.reject(fetched, page.reason)
            continue
        result.dropped_by_rule += page.dropped_by_rule
        identity = identify(fetched.url, page.metadata.canonical_url, options.identity)
        if identity.refused:
            result.dropped_values[identity.refused] += 1
        yield Extracted(fetched, page, identity.url)


def observe(stats: BoilerplateStats, item: Extracted) -> None:
    """Count the page in the site's statistics, once per article text (``learning_key``)."""
    meta = item.page.metadata
    when = meta.date_published or item.fetched.fetched_at
    doc = learning_key(item)
    try:
        texts = stats.observe(doc, [b.text for b in item.page.blocks], authors=meta.authors, when=when)
        if item.page.positions:
            stats.template.observe(doc, item.page.container)
            stats.template.slots.observe(doc, item.page.positions, texts)
    except Exception as exc:  # the page is still cleaned; only the site's statistics miss it
        logger.warning("site learning skipped a page (%s: %s): %s", type(exc).__name__, exc, item.fetched.url)


def learning_key(item: Extracted) -> str:
    """Who a page counts as in site learning: its longest paragraph, folded.

    Copies of one article under other URLs (a mirror, a tracking-parameter variant, a syndicated
    copy with its own chrome) share their longest paragraph, so they count as one article and a
    statement quoted in two real articles never crosses the threshold through copies of one of them.
    """
    longest = max((b.text for b in item.page.blocks), key=len, default="")
    return hashlib.blake2b(fold(longest).encode(), digest_size=16).hexdigest()


def removal_reasons(item: Extracted, stats: BoilerplateStats) -> list[str | None]:
    """Why each body block goes (None: it stays). Learned statistics first, then page-level cues."""
    texts = [b.text for b in item.page.blocks]
    authors = item.page.metadata.authors
    reasons = stats.classify(texts, authors)
    if item.page.positions:
        outside = stats.template.outside(item.page.positions, item.page.blocks, stats.min_articles)
        reasons = [r or ("template_chrome" if out else None) for r, out in zip(reasons, outside, strict=True)]
        reasons = [r or ("teaser_card" if card else None) for r, card in zip(reasons, item.page.teasers, strict=True)]
        chrome = stats.template.slots.chrome(item.page.positions, stats.min_articles)
        reasons = [r or ("chrome_slot" if slot else None) for r, slot in zip(reasons, chrome, strict=True)]
    captions = _caption_forms(item.page)
    copies = in_page_copies(item.page.blocks)
    for i, text in enumerate(texts):
        if reasons[i] is None and fold(text) in captions:
            reasons[i] = "image_caption"
        elif reasons[i] is None and copies[i]:
            reasons[i] = "duplicate_in_page"
        elif reasons[i] is None and named_author(text, authors) and repeated_in_page(text, item.folded_page):
            reasons[i] = "author_bio_repeated"
    for i in tail_bios(texts, [r is not None for r in reasons], authors):
        reasons[i] = "author_bio_cue"
    return reasons


def in_page_copies(blocks: Sequence[Block]) -> list[bool]:
    """Per block: a second copy of what the page printed before (a pull quote, a call to action
    printed twice, a passage a page prints again in another tab).

    Texts are compared exactly (table rows differ from each other only in numbers). A short line a
    page legitimately repeats (a separator, the question put to each interviewee, "Winner", a name
    listed again in another list: a nominee of several categories) is a copy only beside a copy, as
    part of a repeated passage."""
    seen: set[str] = set()
    copy, short = [False] * len(blocks), [False] * len(blocks)
    for i, block in enumerate(blocks):
        fp = " ".join(block.text.casefold().split())
        if fp in seen:
            copy[i] = len(_WORDS.findall(fp)) >= DUPLICATE_MIN_WORDS
            short[i] = not copy[i]
        seen.add(fp)
    for order in (range(len(blocks)), range(len(blocks) - 1, -1, -1)):  # a run of short lines, both ways
        for i in order:
            if short[i] and ((i > 0 and copy[i - 1]) or (i + 1 < len(blocks) and copy[i + 1])):
                copy[i] = True
    return copy


def build_article(
    item: Extracted, options: CleanOptions, stats: BoilerplateStats, result: BatchResult
) -> Article | None:
    """Pass two: drop what the site's statistics and the page's cues call boilerplate, validate.

    Any failure rejects this page alone, counted as ``error``: the rest of the batch is cleaned."""
    try:
        return _build_article(item, options, stats, result)
    except Exception as exc:
        logger.warning("cleaning failed (%s: %s), page rejected: %s", type(exc).__name__, exc, item.fetched.url)
        logger.debug("traceback", exc_info=True)
        result.reject(item.fetched, "error")
        return None


def _build_article(
    item: Extracted, options: CleanOptions, stats: BoilerplateStats, result: BatchResult
) -> Article | None:
    fetched, meta, doc_id = item.fetched, item.page.metadata, item.id
    item = _with_template_paragraphs(item, stats)
    body: list[str] = []
    bios: list[str] = []
    for block, reason in zip(item.page.blocks, removal_reasons(item, stats), strict=True):
        if reason is None:
            body.append(block.text)
            continue
        removal = Removal(doc_id, block.text, reason)
        logger.info("removed %s from %s: %.70s", reason, fetched.url, block.text)
        result.removals.append(removal)
        if removal.is_bio and block.text not in bios:
            bios.append(block.text)
    text = join_paragraphs(body)
    if not text:
        result.reject(fetched, "only_boilerplate")
        return None
    published, modified = _checked_dates(item, result, options.date_tolerance)
    image = item.page.image
    try:
        return Article(
            id=doc_id,
            url=fetched.url,
            canonical_url=item.canonical,
            site=options.site,
            headline=meta.headline or "",
            authors=meta.authors,
            author_bios=bios,
            date_published=published,
            date_modified=modified,
            section=meta.section,
            tags=meta.tags,
            language=meta.language or options.language,
            description=meta.description,
            body=text,
            main_image=MainImage(url=image.url, caption=image.caption, credit=image.credit) if image else None,
            word_count=word_count(text),
            content_hash=content_hash(meta.headline or "", text),
            paywalled=fetched.paywalled,
            warc_file=fetched.warc_file,
            warc_record_id=fetched.warc_record_id,
            fetched_at=fetched.fetched_at,
            cleaner_version=CLEANER_VERSION,
        )
    except ValidationError as exc:
        logger.warning("invalid article %s: %s", fetched.url, exc.errors()[0]["msg"])
        result.reject(fetched, "invalid")
        return None


def _with_template_paragraphs(item: Extracted, stats: BoilerplateStats) -> Extracted:
    """The page with its site container's paragraphs that extraction missed (``template.recovered``)."""
    container = stats.template.container(stats.min_articles)
    held = {sig for chain in item.page.positions if chain for sig in chain}
    if container is None or container not in held:
        return item
    tree = parse_page(item.fetched.html, item.fetched.content_type)
    blocks = tuple(recovered(tree, container, item.page.blocks, item.page.metadata.headline))
    if len(blocks) == len(item.page.blocks):
        return item
    located = locate(tree, blocks)
    page = dataclasses.replace(
        item.page, blocks=blocks, positions=tuple(chains(located)), teasers=tuple(teaser_cards(located, item.page.url))
    )
    return dataclasses.replace(item, page=page)


def _checked_dates(
    item: Extracted, result: BatchResult, tolerance: timedelta
) -> tuple[datetime | None, datetime | None]:
    """A date later than the fetch cannot be true (a template or time-zone error), nor one outside the
    years a page can mean: metadata skipped those already (``refused``); count them, say why."""
    meta, fetched_at = item.page.metadata, item.fetched.fetched_at
    for reason in meta.refused:
        logger.info("%s refused for %s", reason.replace("_", " "), item.fetched.url)
        result.dropped_values[reason] += 1
    checked: list[datetime | None] = []
    for name, value in (("date_published", meta.date_published), ("date_modified", meta.date_modified)):
        if value is not None and value > fetched_at + tolerance:
            logger.info(
                "%s %s is later than the fetch (%s), dropped: %s",
                name,
                value.isoformat(),
                fetched_at.isoformat(),
                item.fetched.url,
            )
            if f"{name}_after_fetch" not in meta.refused:
                result.dropped_values[f"{name}_after_fetch"] += 1
            value = None
        checked.append(value)
    return checked[0], checked[1]


def _caption_forms(page: Page) -> set[str]:
    """The lead image's caption as a body paragraph could print it (folded), with or without credit."""
    image = page.image
    if image is None or not image.caption:
        return set()
    return {fold(image.caption), fold(f"{image.caption} {image.credit or ''}")}
