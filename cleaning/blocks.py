"""Body blocks: trafilatura's output tree as a flat list of paragraphs and subheadings.

Paragraph boundaries follow the page: one ``<p>``, list item or heading is one block; a quote that
holds paragraphs, headings or lists gives each its own block; a line break inside a paragraph is kept as a
newline, never run together ("Gary Bolen" + "Monterey" is not "Gary BolenMonterey"). The items of
one list share a ``group`` number, so a filter can judge the list as a whole (a list of links to
other articles).

trafilatura's main extractor returns ``p``/``head``/``list``/``quote``/``table`` children, but its
fallbacks (readability, the baseline) can return the article wrapped in a ``div``; containers are
walked so their paragraphs are not lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from cleaning.normalize import normalize_text

_BLOCK_TAGS = {
    "p": "p",
    "head": "h",
    "quote": "p",
    "code": "p",
    "list": "list",
    "table": "table",
    "h1": "h",
    "h2": "h",
    "h3": "h",
    "h4": "h",
    "h5": "h",
    "h6": "h",
    "blockquote": "p",
    "ul": "list",
    "ol": "list",
    "pre": "p",
}
# Blocks a quote can hold (inline code is not one: a paragraph with code in it stays whole).
_NESTED_BLOCK_TAGS = tuple(tag for tag in _BLOCK_TAGS if tag not in ("code", "pre"))
_ITEM_TAGS = ("item", "li")
_ROW_TAGS = ("row", "tr")


_BREAK_TAGS = ("lb", "br")
# Text that ends as a sentence does (its closing quote or bracket allowed).
_SENTENCE = re.compile(r"[.!?…][\"”’)\]]?\s*$")


@dataclass(frozen=True)
class Block:
    kind: Literal["p", "h"]
    text: str
    group: int | None = None  # the list this item belongs to (numbered per page), None outside lists


def tree_blocks(body: etree._Element) -> list[Block]:
    """The blocks of an extracted body, in document order."""
    blocks: list[Block] = []
    if body.text and _SENTENCE.search(body.text):
        blocks.append(Block("p", body.text))  # sentences before the first element
    _walk(body, blocks, [0])
    return blocks


def _walk(body: etree._Element, blocks: list[Block], lists: list[int], inside: bool = False) -> None:
    """``inside``: ``body`` is a paragraph or quote holding blocks, whose text runs on after each."""
    for el in body:
        if not isinstance(el.tag, str):
            continue
        kind = _BLOCK_TAGS.get(el.tag)
        if kind == "list":
            lists[0] += 1
            items = (normalize_text(text_of(item)) for item in el.iter(*_ITEM_TAGS))
            blocks += [Block("p", item, group=lists[0]) for item in items if item]
        elif kind == "table":
            blocks += [Block("p", " | ".join(text_of(c).strip() for c in row)) for row in el.iter(*_ROW_TAGS)]
        elif kind == "p" and _holds_blocks(el):
            if el.text and el.text.strip():
                blocks.append(Block("p", el.text))
            _walk(el, blocks, lists, inside=True)  # a quote or box of paragraphs, subheadings or lists
        elif kind in ("p", "h"):
            blocks.append(Block(kind, text_of(el)))  # type: ignore[arg-type]
        elif len(el):
            # A container from a fallback extractor: its own text, then its children.
            if el.text and el.text.strip():
                blocks.append(Block("p", el.text))
            _walk(el, blocks, lists)
        elif el.text and el.text.strip():
            blocks.append(Block("p", text_of(el)))
        if el.tail and el.tail.strip() and (kind is None or inside or _SENTENCE.search(el.tail)):
            # Text after an element is a paragraph of its own: after a heading or list inside a
            # quote, or a section's sentences printed after its subheading without a <p> ("<h2>1.
            # Sleep</h2>Most adults need…."); a date line after the headline is not a sentence.
            blocks.append(Block("p", el.tail))


def _holds_blocks(el: etree._Element) -> bool:
    """A quote whose children are paragraphs, headings or lists: each is a block of its own (a fact
    box printed as a quote: its title and its items are not one run-together paragraph)."""
    return any(child is not el for child in el.iter(*_NESTED_BLOCK_TAGS))


def text_of(el: etree._Element) -> str:
    """The element's text with its line breaks as newlines."""
    if el.find(".//lb") is None and el.find(".//br") is None:
        return "".join(el.itertext())
    parts: list[str] = []
    _collect(el, parts)
    return "".join(parts)


def _collect(el: etree._Element, parts: list[str]) -> None:
    if isinstance(el.tag, str) and el.tag in _BREAK_TAGS:
        parts.append("\n")
    elif el.text and isinstance(el.tag, str):
        parts.append(el.text)
    for child in el:
        _collect(child, parts)
        if child.tail:
            parts.append(child.tail)
