"""One page's article: metadata, main image and body blocks, before any site-wide learning.

The site's body selector (when its config has one) narrows the page to the article container; then
trafilatura extracts the text blocks, so its own filters still apply inside that container. A page
of a site without a selector goes through ``cleaning.generic`` (trafilatura plus generic filters).
"""

from __future__ import annotations

import logging
import re
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from lxml import html as lxml_html
from trafilatura import bare_extraction
from trafilatura.settings import Document
from trafilatura.utils import HTML_PARSER, load_html

from cleaning.blocks import Block, tree_blocks
from cleaning.cards import teaser_cards
from cleaning.charset import decode_page, is_utf8, page_encoding
from cleaning.generic import generic_blocks, page_filters
from cleaning.metadata import Metadata, read_metadata, split_credit
from cleaning.normalize import normalize_text
from cleaning.options import CleanOptions
from cleaning.template import PageIndex, chains, page_container

logger = logging.getLogger(__name__)

_WALK_TAGS = "p|h2|h3|h4|h5|h6|li|blockquote"
_NEVER_TEXT = ("script", "style", "noscript", "template", "svg")
# Never body text either: captions (the lead image's is kept as metadata; a gallery's belong to its
# images) and text only screen readers get ("opens in a new tab"), by the class names of the
# accessibility conventions of WordPress, Bootstrap, Tailwind and Drupal.
_HIDDEN_CLASSES = frozenset(("screen-reader-text", "sr-only", "visually-hidden", "visuallyhidden", "element-invisible"))
# Candidates only: a class attribute holding one of those names anywhere (cheap for libxml2 to
# test); ``_not_body`` keeps those where it is a whole class name, as CSS reads the attribute.
_NOT_BODY_CANDIDATES = etree.XPath(
    "//figcaption|//*[" + " or ".join(f"contains(@class, '{name}')" for name in sorted(_HIDDEN_CLASSES)) + "]"
)
_CLASS_SPACE = re.compile(r"[ \t\r\n]+")  # what separates class names (XML whitespace)
_P_OPEN = re.compile(rb"<p[\s>]", re.IGNORECASE)
_WRAPPERS = re.compile(rb"</?(?:div|span)\b[^>]*>", re.IGNORECASE)
_WRAPPERS_STR = re.compile(r"</?(?:div|span)\b[^>]*>", re.IGNORECASE)
_MIN_LOST_PARAGRAPHS = 3
__all__ = ["Block", "Image", "Page", "Rejection", "extract_page"]


@dataclass(frozen=True)
class Image:
    url: str
    caption: str | None
    credit: str | None


@dataclass(frozen=True)
class Page:
    url: str
    metadata: Metadata
    blocks: tuple[Block, ...]
    image: Image | None
    dropped_by_rule: int = 0
    # Where each block sits in the page's template (``cleaning.template``), on the generic path only:
    # a site's body selector already names its container.
    positions: tuple[tuple[str, ...] | None, ...] = ()
    container: str | None = None
    teasers: tuple[bool, ...] = ()  # per block, with ``positions``: it is part of a teaser card


@dataclass(frozen=True)
class Rejection:
    """Why a fetched page is not an article (counted as ``clean/rejected/<reason>``)."""

    reason: str
    detail: str = ""


def extract_page(
    html: bytes | str,
    url: str,
    options: CleanOptions,
    fetched_at: datetime | None = None,
    content_type: str | None = None,
) -> Page | Rejection:
    """One page's article; ``fetched_at`` (plus the options' clock tolerance) bounds its dates;
    ``content_type`` (the response's header) may name the page's charset."""
    try:
        tree = _parse_deep(html, whole_page=options.body_selector is None, content_type=content_type)
    except (etree.ParserError, ValueError) as exc:
        return Rejection("unparsable", str(exc))
    latest = fetched_at + options.date_tolerance if fetched_at is not None else None
    metadata = read_metadata(tree, url, latest)
    if not metadata.headline:
        return Rejection("no_headline")
    if options.section_selector is not None and not metadata.section:
        found = options.section_selector(tree)
        metadata.section = normalize_text(found[0].text_content()) or None if found else None
    image = _main_image(tree, metadata.image_url)
    container = options.body_selector(tree) if options.body_selector is not None else []
    # Both paths change the tree first (they drop what is never the body), then only read it: the
    # page's index is made after the change and serves every later pass.
    if container:
        body = _body_blocks(tree, container[0], options)
        page = PageIndex(tree)
        extracted = page_filters(body, page, metadata.headline)
    else:  # no selector, or it matches nothing on this page (a new template): the generic cleaner
        if options.body_selector is not None:
            logger.info("body selector matched nothing, generic cleaning: %s", url)
        page = PageIndex(_body_tree(tree, options))
        extracted = generic_blocks(page, options.extractor, metadata.headline)
    blocks = tuple(_filtered(extracted, metadata.headline, options))
    if not blocks:
        return Rejection("empty_body")
    dropped = sum(any(p.search(b.text) for p in options.drop_paragraphs) for b in extracted)
    located = page.locate(blocks) if options.learn_template and not container else []
    positions = tuple(chains(located))
    return Page(
        url=url,
        metadata=metadata,
        blocks=blocks,
        image=image,
        dropped_by_rule=dropped,
        positions=positions,
        container=page_container(positions, blocks) if positions else None,
        teasers=tuple(teaser_cards(located, url)),
    )


def parse_page(html: bytes, content_type: str | None = None) -> lxml_html.HtmlElement:
    """The page's tree as extraction reads it (same decoding), for a later pass over the page."""
    return _parse_deep(html, whole_page=True, content_type=content_type)


def _parse_deep(html: bytes | str, *, whole_page: bool, content_type: str | None = None) -> lxml_html.HtmlElement:
    """``_parse``, and again without layout wrappers when the template nests deeper than libxml2 goes.

    libxml2 stops descending past its depth limit (256 elements), so an article printed after
    hundreds of unclosed ``<div>``s of a broken template came out empty. Wrappers hold no text: a
    page whose paragraphs the first parse lost is parsed again with its ``div``/``span`` tags removed.
    Bytes are decoded first (``cleaning.charset``) unless they are UTF-8, which lxml reads faster itself.
    """
    if isinstance(html, bytes) and not (is_utf8(html) and page_encoding(html, content_type) == "utf-8"):
        html = decode_page(html, content_type)
    tree = _parse(html, whole_page=whole_page)
    opened = len(_P_OPEN.findall(html if isinstance(html, bytes) else html.encode("utf-8", "replace")))
    if opened < _MIN_LOST_PARAGRAPHS or tree.xpath("count(//p)") * 2 >= opened:
        return tree
    logger.info("the page nests deeper than the parser goes: parsed again without its wrappers")
    unwrapped = _WRAPPERS.sub(b" ", html) if isinstance(html, bytes) else _WRAPPERS_STR.sub(" ", html)
    again = _parse(unwrapped, whole_page=whole_page)
    return again if len(again.xpath("//p")) > len(tree.xpath("//p")) else tree


def _parse(html: bytes | str, *, whole_page: bool) -> lxml_html.HtmlElement:
    """Parse once; every later step reads this tree (trafilatura copies what it changes).

    Bytes here are UTF-8 (``_parse_deep`` decoded any other): those of a whole page (most pages) are
    parsed as bytes, which is faster than decoding first. What lxml cannot take goes through
    trafilatura's loader, which repairs what trips libxml2 and accepts XML declarations.
    """
    if isinstance(html, bytes):
        if whole_page:
            try:
                tree = lxml_html.document_fromstring(html, parser=HTML_PARSER)
            except (etree.ParserError, ValueError):
                tree = None
            if tree is not None and tree.find("body") is not None:
                return tree
        else:
            html = html.decode("utf-8")  # as bytes, lxml would read a page with no <meta charset> as Latin-1
    if not whole_page and isinstance(html, str):
        try:
            return lxml_html.document_fromstring(html)
        except ValueError:  # an XML declaration in a str: let trafilatura's loader handle it
            pass
    tree = load_html(html)
    return tree if tree is not None else lxml_html.document_fromstring(html)


def _body_tree(tree: lxml_html.HtmlElement, options: CleanOptions) -> lxml_html.HtmlElement:
    """The page, metadata and image read, trimmed in place for the body: elements that are never
    text (trafilatura would drop them after copying them), captions, screen-reader-only labels and
    the site's drop selectors."""
    etree.strip_elements(tree, *_NEVER_TEXT, with_tail=False)
    for el in _not_body(tree):
        el.drop_tree()
    for selector in options.drop_selectors:
        for el in selector(tree):
            el.drop_tree()
    return tree


def _not_body(tree: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """Captions and screen-reader-only elements, in document order."""
    return [
        el
        for el in _NOT_BODY_CANDIDATES(tree)
        if el.tag == "figcaption" or not _HIDDEN_CLASSES.isdisjoint(_CLASS_SPACE.split(el.get("class", "")))
    ]


def _body_blocks(tree: lxml_html.HtmlElement, container: lxml_html.HtmlElement, options: CleanOptions) -> list[Block]:
    """The site's container, its drop selectors applied, through trafilatura (its selector is trusted)."""
    root = deepcopy(container)
    for el in _not_body(root):
        el.drop_tree()
    for selector in options.drop_selectors:
        for el in selector(root):
            el.drop_tree()
    doc = lxml_html.document_fromstring("<html><body><article></article></body></html>")
    doc.find(".//article").append(root)
    document = bare_extraction(doc, options=options.extractor)
    # With output_format="python", trafilatura returns a Document (a dict only with as_dict=True).
    if isinstance(document, Document) and document.body is not None and len(document.body):
        return tree_blocks(document.body)
    # A short body can fall under trafilatura's minimum size; the site's selector is trusted.
    return [
        _walk_block(el)
        for el in root.xpath(f".//*[self::{_WALK_TAGS.replace('|', ' or self::')}]")
        if not el.xpath(f"ancestor::*[self::{_WALK_TAGS.replace('|', ' or self::')}]")
    ]


def _walk_block(el: lxml_html.HtmlElement) -> Block:
    return Block("h" if el.tag.startswith("h") else "p", el.text_content())


def _filtered(blocks: list[Block], headline: str, options: CleanOptions) -> list[Block]:
    kept: list[Block] = []
    for block in blocks:
        text = "\n".join(filter(None, (normalize_text(line) for line in block.text.split("\n"))))
        if not text or (block.kind == "h" and text == headline):
            continue
        if any(pattern.search(text) for pattern in options.drop_paragraphs):
            logger.debug("dropped by site rule: %.60s", text)
            continue
        kept.append(Block(block.kind, text, block.group))
    return kept


def _caption_and_credit(figure: lxml_html.HtmlElement) -> tuple[str | None, str | None]:
    """The figure's caption and credit: the credit as the page marks it (an element whose class
    names a credit), else as the caption's text gives it (``split_credit``)."""
    (caption_el, *_) = figure.xpath(".//figcaption")
    marked = figure.xpath(".//*[contains(translate(@class, 'CREDIT', 'credit'), 'credit')]")
    if marked:
        marked_credit = normalize_text(marked[0].text_content()).strip("() ")
        caption_el = deepcopy(caption_el)
        for el in caption_el.xpath(".//*[contains(translate(@class, 'CREDIT', 'credit'), 'credit')]"):
            el.drop_tree()
        return normalize_text(caption_el.text_content()) or None, marked_credit or None
    caption, credit = split_credit(caption_el.text_content())
    return caption or None, credit


def _main_image(tree: lxml_html.HtmlElement, image_url: str | None) -> Image | None:
    """The lead image with its caption and credit, which never belong in the body."""
    figures = tree.xpath("//figure[.//img]")
    if image_url:
        stem = image_url.rsplit("/", 1)[-1].split("?")[0]
        matching = [f for f in figures if any(stem in (i.get("src") or "") for i in f.iter("img"))]
        figures = matching or figures
    if not figures and not image_url:
        return None
    caption_el = figures[0].xpath(".//figcaption") if figures else []
    caption, credit = _caption_and_credit(figures[0]) if caption_el else (None, None)
    url = image_url or figures[0].xpath(".//img/@src")[0]
    return Image(url=url, caption=caption or None, credit=credit)
