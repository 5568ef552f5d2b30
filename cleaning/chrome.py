"""Boxes of the template inside the body: a newsletter sign-up, a call to action, a disclosure, a promo.

Extractors judge text by its shape, and a sign-up box's "Join our newsletter" or an advertiser
disclosure reads like a paragraph. The page's markup says what the box is: an element whose class or
id names a newsletter, subscription, call to action, disclosure, promo, share or social box, a
modal or a pop-up, or an ``aside``/``nav``/``form``/``footer``. (An id of more than three words,
or any id of a heading, is an anchor made of the heading's text, not a name of the box.) A body
block inside such an element is dropped, unless that element holds much of the body: a blog
platform names its articles ``newsletter-post``, and a box holding the article is the article's
own container, not chrome.
"""

from __future__ import annotations

import logging
import re

from lxml import etree

from cleaning.blocks import Block
from cleaning.template import PageIndex

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_CHROME_TAGS = ("aside", "nav", "form", "footer")
# Words of class names and ids (split at case changes, dashes, underscores) naming template boxes.
_CHROME_WORDS = frozenset(
    {
        "newsletter",
        "newsletters",
        "subscribe",
        "subscription",
        "signup",
        "cta",
        "disclosure",
        "disclaimer",
        "promo",
        "modal",
        "popup",
        "share",
        "sharing",
        "social",
    }
)
_NAME_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
MAX_ID_PARTS = 3
# A box is chrome only while it holds less than this share of the body's words.
MAX_BOX_SHARE = 0.2


def without_chrome_boxes(blocks: list[Block], page: PageIndex) -> list[Block]:
    """``blocks`` without those printed inside a template box (module docstring)."""
    if len(blocks) < 2:
        return blocks
    elements = page.locate(blocks)
    words = [len(_WORD.findall(b.text)) for b in blocks]
    total = sum(words)
    held: dict[etree._Element, int] = {}  # body words inside each ancestor of a located block
    for el, n in zip(elements, words, strict=True):
        for a in _lineage(el):
            held[a] = held.get(a, 0) + n
    kept: list[Block] = []
    for block, el in zip(blocks, elements, strict=True):
        box = next((a for a in _lineage(el) if held[a] < MAX_BOX_SHARE * total and _is_box(a)), None)
        if box is not None:
            logger.debug("dropped a block of a %s box: %.60s", box.tag, block.text)
            continue
        kept.append(block)
    return kept if kept else blocks


def _lineage(el: etree._Element | None) -> list[etree._Element]:
    if el is None:
        return []
    return [el, *(a for a in el.iterancestors() if isinstance(a.tag, str))]


def _is_box(el: etree._Element) -> bool:
    if el.tag in _CHROME_TAGS:
        return True
    parts = _NAME_PART.findall(el.get("class") or "")
    ident = _NAME_PART.findall(el.get("id") or "")
    if len(ident) <= MAX_ID_PARTS and el.tag not in _HEADINGS:  # a longer id is an anchor made of the text
        parts += ident
    return any(part.lower() in _CHROME_WORDS for part in parts)
