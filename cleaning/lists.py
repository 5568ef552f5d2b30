"""Lists and subheadings the extraction skipped between two of the article's paragraphs.

trafilatura's precision-first run drops a list it finds doubtful, and a guide's points are often a
plain ``<ul>`` printed between the sentence that announces them ("This meant:") and the next
paragraph. When the page prints such a list as a sibling of two paragraphs the body holds, right
between them, the list is part of that run of prose and its items are put back: none of its items is
in the body already (a list the extraction kept in part was judged item by item), its links hold less
than half its words (not a list of other stories) and neither it nor its parent is marked as a
promo, share or related-links box (``cleaning.template.marked_not_prose``). A subheading (``h2``–``h4``)
printed there the same way comes back too: a section's title between the paragraphs around it.
A paragraph does not: what the extraction drops between two paragraphs is mostly a caption, a
photo credit or a signature line. The page filters still run on what comes back.
"""

from __future__ import annotations

import logging
import re

from lxml import etree

from cleaning.blocks import Block
from cleaning.normalize import normalize_text, word_key
from cleaning.template import PageIndex, marked_not_prose

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_LISTS = ("ul", "ol")
_HEADINGS = ("h2", "h3", "h4")
_RESTORED = (*_LISTS, *_HEADINGS)
# A list or subheading is vouched for only while its links hold less than this share of its words.
MAX_LINK_SHARE = 0.5


def with_skipped_lists(page: PageIndex, blocks: list[Block]) -> list[Block]:
    """``blocks`` with the lists and subheadings the page prints between two of them put back
    (module docstring)."""
    if len(blocks) < 2:
        return blocks
    elements = page.locate(blocks)
    have = {word_key(b.text) for b in blocks}
    group = max((b.group for b in blocks if b.group is not None), default=0)
    merged: list[Block] = []
    for i, block in enumerate(blocks):
        merged.append(block)
        after = _between(elements[i], elements[i + 1]) if i + 1 < len(blocks) else []
        for found in after:
            listed = found.tag in _LISTS
            items = (
                [normalize_text(li.text_content()) for li in found.iter("li")]
                if listed
                else [normalize_text(found.text_content())]
            )
            items = [item for item in items if item]
            if not items or any(word_key(item) in have for item in items) or not _vouched(found):
                continue
            if listed:
                group += 1
            logger.debug("put back %s: %.60s", found.tag, items[0])
            merged += [Block("p", item, group=group) for item in items] if listed else [Block("h", items[0])]
            have.update(word_key(item) for item in items)
    return merged


def _between(first: etree._Element | None, second: etree._Element | None) -> list[etree._Element]:
    """The lists and subheadings printed between two sibling elements (nothing unless they are siblings)."""
    if first is None or second is None or first.getparent() is None or first.getparent() is not second.getparent():
        return []
    found: list[etree._Element] = []
    for sibling in first.itersiblings():
        if sibling is second:
            return found
        if sibling.tag in _RESTORED:
            found.append(sibling)
    return []  # ``second`` comes before ``first``: the blocks are not in the page's order here


def _vouched(found: etree._Element) -> bool:
    parent = found.getparent()
    if marked_not_prose(found) or (parent is not None and marked_not_prose(parent)):
        return False
    words = len(_WORD.findall(found.text_content()))
    link_words = sum(len(_WORD.findall(a.text_content())) for a in found.iter("a"))
    return words > 0 and link_words < MAX_LINK_SHARE * words
