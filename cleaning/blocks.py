"""Body blocks: trafilatura's output tree as a flat list of paragraphs and subheadings.

trafilatura's main extractor returns ``p``/``head``/``list``/``quote``/``table`` children, but its
fallbacks (readability, the baseline) can return the article wrapped in a ``div``; containers are
walked so their paragraphs are not lost.
"""

from __future__ import annotations

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
_ITEM_TAGS = ("item", "li")
_ROW_TAGS = ("row", "tr")


@dataclass(frozen=True)
class Block:
    kind: Literal["p", "h"]
    text: str


def tree_blocks(body: etree._Element) -> list[Block]:
    """The blocks of an extracted body, in document order."""
    blocks: list[Block] = []
    for el in body:
        if not isinstance(el.tag, str):
            continue
        kind = _BLOCK_TAGS.get(el.tag)
        if kind == "list":
            # A list stays one block, an item a line, as trafilatura writes lists in plain text.
            items = (normalize_text("".join(item.itertext())) for item in el.iter(*_ITEM_TAGS))
            blocks.append(Block("p", "\n".join(f"- {item}" for item in items if item)))
        elif kind == "table":
            blocks += [
                Block("p", " | ".join("".join(c.itertext()).strip() for c in row)) for row in el.iter(*_ROW_TAGS)
            ]
        elif kind in ("p", "h"):
            blocks.append(Block(kind, "".join(el.itertext())))  # type: ignore[arg-type]
        elif len(el):
            # A container from a fallback extractor: its own text, then its children.
            if el.text and el.text.strip():
                blocks.append(Block("p", el.text))
            blocks += tree_blocks(el)
        elif el.text and el.text.strip():
            blocks.append(Block("p", "".join(el.itertext())))
        if el.tail and el.tail.strip() and kind is None:
            blocks.append(Block("p", el.tail))
    return blocks
