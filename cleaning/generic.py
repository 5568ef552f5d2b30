"""The article body of a page whose site has no body selector: trafilatura plus generic post-filters.

Two trafilatura runs over the same tree, both with the full cascade: precision-first and balanced.
The precision-first body is the better one on most pages (less chrome), so it is kept — unless it
holds less than half the balanced body's words. Then the strict run has cut real article text (a
list-shaped article, a body split by widgets, a page it finds no clear container in) and the
balanced body is kept whole, so a page never comes out empty or cut short where trafilatura's
default finds the article. When the balanced body is kept but holds under half the page's words, a
third, recall-first run is made, and the balanced body gives way to it by the same rule (a page
whose two stricter runs find nothing or a fragment, for want of a container they trust). Mixing
the runs' paragraphs freely added chrome faster than it recovered text on the real-page sets; when
both runs are made and the strict body is kept, only what the balanced run found between two strict
paragraphs, in their container and not marked as chrome, is added back (``cleaning.arbitrate``).
Whichever body is kept, a list or subheading the page prints between two of its paragraphs, as
their sibling, is put back (``cleaning.lists``).

The post-filters read only the page itself — no site rules, no phrase lists:
- the headline (or the page ``<title>``) printed again at the top of the body;
- links to other articles: a list whose items are all link texts of the page, or a labelled link
  line such as "Related: <a>…</a>" or "READ MORE: <a>…</a>";
- blocks inside a box the markup names as chrome: a newsletter sign-up, a call to action, a
  disclosure (``cleaning.chrome``);
- a body split into sibling containers by ad breaks: the article's continuation is appended;
- labels at the body's edges: a run of short fragments that are not sentences ("Back to blog",
  "SHARE", "Tags") before the first or after the last real paragraph.

Measured on the real-page sets in ``docs/extraction.md``.
"""

from __future__ import annotations

import logging
import re
from copy import copy
from itertools import groupby

from lxml import etree
from lxml import html as lxml_html
from trafilatura import bare_extraction
from trafilatura.settings import Document, Extractor

from cleaning.arbitrate import arbitrate
from cleaning.blocks import Block, tree_blocks
from cleaning.chrome import without_chrome_boxes
from cleaning.lists import with_skipped_lists
from cleaning.normalize import normalize_text, word_key
from cleaning.template import PageIndex

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…:;\"”’)\]]\s*$")
# A paragraph of at most this many words, with no sentence end, at the body's edge is a label.
EDGE_LABEL_WORDS = 3
# The precision-first body is kept when it holds at least this share of the balanced body's words.
PRECISE_MIN_SHARE = 0.5
# A short label before a link: "Related:", "READ MORE:", "See also:" (one to three words, a colon).
_LINK_LABEL = re.compile(r"^\W*\w+(?:\W+\w+){0,2}\s*:\s*")
# Link texts that are addresses, not titles (an author's e-mail or handle is article text).
_NOT_A_TITLE = re.compile(r"@|^(?:https?://|www\.)|^\W*$")
_LINK_WITH_TEXT = etree.XPath("//a[normalize-space(.)=$text]")
_MIN_LINK_WORDS = 2
_MAX_LINK_CHARS = 200  # a headline, not a paragraph
_MAX_TITLE_BLOCKS = 2
# A continuation container must look like prose: paragraphs this long, links this rare.
_PROSE_WORDS = 15
_MIN_PROSE_PARAGRAPHS = 2
_MAX_LINK_SHARE = 0.3
_PREFIX_WORDS = 4
_WITH_CLASS = etree.XPath("//*[@class=$cls]")
_P_STARTING_WITH = etree.XPath("//p[starts-with(normalize-space(.), $prefix)]")
_CONTINUATION_TAGS = ("p", "h2", "h3", "h4", "h5", "h6", "blockquote", "li")
# An output format other than "python": trafilatura's bare_extraction then returns the body tree
# without its plain-text rendering, the one thing the format changes there.
_TREE_ONLY = "xml"


def generic_blocks(page: PageIndex, extractor: Extractor, headline: str | None) -> list[Block]:
    """Body blocks of a whole page. The page's tree is not modified (trafilatura copies it), so its
    index holds for every pass here and for the caller's after."""
    # Texts are compared by their words only, so normalising waits for the caller (``_filtered``).
    return page_filters(with_skipped_lists(page, _extract(page, extractor)), page, headline, continuation=True)


def page_filters(
    blocks: list[Block], page: PageIndex, headline: str | None, *, continuation: bool = False
) -> list[Block]:
    """The filters that read only the page (module docstring); a site's selector path uses them too.
    None of them changes the page's tree."""
    tree = page.tree
    blocks = _without_leading_title(blocks, headline, tree.findtext(".//title"))
    blocks = _without_link_blocks(blocks, tree)
    blocks = without_chrome_boxes(blocks, page)
    blocks = blocks + _continuation(tree, blocks) if continuation else blocks
    return _without_edge_labels(blocks)


def _without_edge_labels(blocks: list[Block]) -> list[Block]:
    """Drop the labels a template prints at the edges of the article: a run of short fragments
    that are not sentences ("Back to blog", "Newsletters", "SHARE", "Tags") before the first or
    after the last paragraph of prose."""

    def label(b: Block) -> bool:
        words = _WORD.findall(b.text)
        return b.kind == "p" and 0 < len(words) <= EDGE_LABEL_WORDS and not _SENTENCE_END.search(b.text)

    first = next((i for i, b in enumerate(blocks) if not label(b)), len(blocks))
    last = next((i for i in range(len(blocks) - 1, -1, -1) if not label(blocks[i])), -1)
    if first > last:
        return blocks
    return blocks[first : last + 1]


def _extract(page: PageIndex, extractor: Extractor) -> list[Block]:
    """trafilatura's precision-first extraction, unless it lost much of what the balanced one found;
    the balanced one, in turn, unless it lost much of what the recall-first one finds."""
    tree = page.tree
    precise, precise_words = _blocks(tree, _variant(extractor, focus="precision"))
    page_words = _page_words(tree)
    if precise and precise_words >= PRECISE_MIN_SHARE * page_words:
        return precise  # the balanced body cannot hold more words than the page: it cannot win
    balanced, balanced_words = _blocks(tree, _variant(extractor, focus="balanced"))
    if precise and precise_words >= PRECISE_MIN_SHARE * balanced_words:
        return arbitrate(page, precise, balanced)  # with what the strict run cut inside the article
    if balanced and balanced_words >= PRECISE_MIN_SHARE * page_words:
        return balanced
    # Neither stricter run found a clear body (the page has no container they trust): the one that
    # keeps most of the page's text decides, by the same rule.
    recalled, recalled_words = _blocks(tree, _variant(extractor, focus="recall"))
    if balanced and balanced_words >= PRECISE_MIN_SHARE * recalled_words:
        return balanced
    return recalled or balanced


def _page_words(tree: lxml_html.HtmlElement) -> int:
    body = tree.find("body")
    return len(_WORD.findall(body.text_content())) if body is not None else 0


def _blocks(tree: lxml_html.HtmlElement, extractor: Extractor) -> tuple[list[Block], int]:
    body = _run(tree, extractor)
    blocks = [b for b in tree_blocks(body) if b.text.strip()] if body is not None else []
    return blocks, sum(len(_WORD.findall(b.text)) for b in blocks)


def _run(tree: lxml_html.HtmlElement, extractor: Extractor) -> etree._Element | None:
    """The extracted body (None when empty)."""
    document = bare_extraction(tree, options=extractor)
    if not isinstance(document, Document) or document.body is None or not len(document.body):
        return None
    return document.body


def _variant(extractor: Extractor, *, focus: str) -> Extractor:
    """The site's extractor with another focus and its full cascade; a copy, so the caller's
    options never change. Its output format is not ``python``: the blocks are read from the body
    tree, and with any other format trafilatura leaves the body as it is and skips writing it out
    as plain text (``Document.text``, never read here)."""
    variant = copy(extractor)
    variant.focus = focus
    variant.fast = False
    variant.format = _TREE_ONLY
    return variant


_key = word_key  # words only, as the benchmark and a reader compare text: punctuation and spacing ignored


def _without_leading_title(blocks: list[Block], headline: str | None, title: str | None) -> list[Block]:
    """Drop the headline, kicker or page title repeated as the first blocks of the body."""
    titles = [f" {_key(t)} " for t in (headline, title) if t and _key(t)]
    dropped = 0
    while dropped < min(_MAX_TITLE_BLOCKS, len(blocks) - 1):
        key = _key(blocks[dropped].text)
        if not key or not any(f" {key} " in t for t in titles):
            break
        dropped += 1
    if dropped:
        logger.debug("dropped %d leading title blocks: %.60s", dropped, blocks[0].text)
    return blocks[dropped:]


def _without_link_blocks(blocks: list[Block], tree: lxml_html.HtmlElement) -> list[Block]:
    """Drop lists of links and labelled links ("Related: …") to other articles."""

    def is_link(text: str) -> bool:
        text = " ".join(text.split())
        if len(_WORD.findall(text)) < _MIN_LINK_WORDS or _NOT_A_TITLE.search(text):
            return False
        return bool(_LINK_WITH_TEXT(tree, text=text))

    def is_labelled_link(text: str) -> bool:
        label = _LINK_LABEL.match(text)
        if label is None or len(text) - label.end() > _MAX_LINK_CHARS:
            return False
        return is_link(text[label.end() :])

    kept: list[Block] = []
    for group, items in groupby(blocks, key=lambda b: b.group):
        members = list(items)
        if group is not None and len(members) > 1 and all(is_link(b.text) for b in members):
            logger.debug("dropped a list of links to other articles: %.60s", members[0].text)
            continue
        for block in members:
            if is_labelled_link(" ".join(block.text.split())):
                logger.debug("dropped a link to another article: %.60s", block.text)
                continue
            kept.append(block)
    return kept


def _continuation(tree: lxml_html.HtmlElement, blocks: list[Block]) -> list[Block]:
    """Paragraphs of the article's later containers when ad breaks split its body into siblings.

    The container of the body's last long paragraph is found in the page; later elements with the
    same tag, class, depth and parent class, holding prose (long paragraphs, few links) not yet in
    the body, are the rest of the article.
    """
    last = next((b for b in reversed(blocks) if b.kind == "p" and len(_WORD.findall(b.text)) >= _PROSE_WORDS), None)
    if last is None:
        return []
    last_key = _key(last.text)
    # XPath narrows the search in C; the words decide (normalize-space only folds ASCII spaces).
    candidates = _P_STARTING_WITH(tree, prefix=" ".join(last.text.split()[:_PREFIX_WORDS]))
    source = next((p for p in candidates if _key(p.text_content()) == last_key), None)
    container = source.getparent() if source is not None else None
    if container is None or not container.get("class") or container.getparent() is None:
        return []
    signature = _signature(container)
    later = [
        el
        for el in _WITH_CLASS(tree, cls=container.get("class"))
        if el.tag == container.tag and _signature(el) == signature
    ]
    later = later[later.index(container) + 1 :] if container in later else []
    extra: list[Block] = []
    seen = {_key(b.text) for b in blocks} if later else set()
    for el in later:
        found = _prose_blocks(el, seen)
        if found:
            logger.debug("appended %d blocks of a split body", len(found))
            extra += found
            seen.update(_key(b.text) for b in found)
    return extra


def _signature(el: lxml_html.HtmlElement) -> tuple[str | None, int]:
    parent = el.getparent()
    return (parent.get("class") if parent is not None else None), sum(1 for _ in el.iterancestors())


def _prose_blocks(container: lxml_html.HtmlElement, seen: set[str]) -> list[Block]:
    """The container's new paragraphs and subheadings, if it reads as article prose."""
    found: list[Block] = []
    keys = set(seen)
    for el in container.iter(*_CONTINUATION_TAGS):
        text = normalize_text(el.text_content())
        if text and _key(text) not in keys:
            keys.add(_key(text))
            found.append(Block("h" if el.tag.startswith("h") else "p", text))
    prose = [b for b in found if b.kind == "p" and len(_WORD.findall(b.text)) >= _PROSE_WORDS]
    link_words = sum(len(_WORD.findall(a.text_content())) for a in container.iter("a"))
    all_words = len(_WORD.findall(container.text_content()))
    if len(prose) < _MIN_PROSE_PARAGRAPHS or link_words >= _MAX_LINK_SHARE * all_words:
        return []
    return found
