"""One page's article: metadata, main image and body blocks, before any site-wide learning.

The site's body selector (when its config has one) narrows the page to the article container; then
trafilatura extracts the text blocks, so its own filters still apply inside that container.
"""

from __future__ import annotations

import logging
from copy import deepcopy
from dataclasses import dataclass
from typing import Literal

from lxml import etree
from lxml import html as lxml_html
from trafilatura import bare_extraction

from cleaning.metadata import Metadata, read_metadata, split_credit
from cleaning.normalize import normalize_text
from cleaning.options import CleanOptions

logger = logging.getLogger(__name__)

_BLOCK_TAGS = {"p": "p", "head": "h", "quote": "p", "list": "list", "table": "table"}
_WALK_TAGS = "p|h2|h3|h4|h5|h6|li|blockquote"


@dataclass(frozen=True)
class Block:
    kind: Literal["p", "h"]
    text: str


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


@dataclass(frozen=True)
class Rejection:
    """Why a fetched page is not an article (counted as ``clean/rejected/<reason>``)."""

    reason: str
    detail: str = ""


def extract_page(html: bytes | str, url: str, options: CleanOptions) -> Page | Rejection:
    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        return Rejection("unparsable", str(exc))
    metadata = read_metadata(tree, url)
    if not metadata.headline:
        return Rejection("no_headline")
    if options.section_selector is not None and not metadata.section:
        found = options.section_selector(tree)
        metadata.section = normalize_text(found[0].text_content()) or None if found else None
    image = _main_image(tree, metadata.image_url)
    extracted = _body_blocks(tree, options)
    blocks = tuple(_filtered(extracted, metadata.headline, options))
    if not blocks:
        return Rejection("empty_body")
    dropped = sum(any(p.search(b.text) for p in options.drop_paragraphs) for b in extracted)
    return Page(url=url, metadata=metadata, blocks=blocks, image=image, dropped_by_rule=dropped)


def _body_blocks(tree: lxml_html.HtmlElement, options: CleanOptions) -> list[Block]:
    container = options.body_selector(tree) if options.body_selector is not None else []
    root = deepcopy(container[0]) if container else deepcopy(tree)
    for selector in options.drop_selectors:
        for el in selector(root):
            el.drop_tree()
    if container:
        doc = lxml_html.document_fromstring("<html><body><article></article></body></html>")
        doc.find(".//article").append(root)
        root = doc
    document = bare_extraction(root, options=options.extractor)
    if document is not None and document.body is not None and len(document.body):
        return list(_trafilatura_blocks(document.body))
    if container:
        # A short body can fall under trafilatura's minimum size; the site's selector is trusted.
        return [_walk_block(el) for el in root.xpath(f".//*[self::{_WALK_TAGS.replace('|', ' or self::')}]")
                if not el.xpath(f"ancestor::*[self::{_WALK_TAGS.replace('|', ' or self::')}]")]
    return []


def _trafilatura_blocks(body: etree._Element) -> list[Block]:
    blocks: list[Block] = []
    for el in body:
        kind = _BLOCK_TAGS.get(el.tag)
        if kind == "list":
            # A list stays one block, an item a line, as trafilatura writes lists in plain text.
            items = (normalize_text("".join(item.itertext())) for item in el.iter("item"))
            blocks.append(Block("p", "\n".join(f"- {item}" for item in items if item)))
        elif kind == "table":
            blocks += [Block("p", " | ".join("".join(c.itertext()).strip() for c in row)) for row in el.iter("row")]
        elif kind in ("p", "h"):
            blocks.append(Block(kind, "".join(el.itertext())))  # type: ignore[arg-type]
    return blocks


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
        kept.append(Block(block.kind, text))
    return kept


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
    caption, credit = split_credit(caption_el[0].text_content()) if caption_el else (None, None)
    url = image_url or figures[0].xpath(".//img/@src")[0]
    return Image(url=url, caption=caption or None, credit=credit)
