"""Paragraph-by-paragraph arbitration between trafilatura's precision-first and balanced bodies.

The precision-first run drops whole elements it finds doubtful: a list of the article's points, a
paragraph beside an embed. Taking the balanced body whole instead brings back the chrome the strict
run avoided (teasers at the end, a newsletter box). So the strict body is kept, and a paragraph only
the balanced run found is added back when the page itself vouches for it:

- it sits between two paragraphs of the strict body (what precedes the article's first paragraph or
  follows its last is where templates put their chrome);
- it is inside the element holding the strict body (the article's own container, not a sidebar
  that happens to sit between two of its paragraphs in the page's order);
- it is not mostly link text (a list of other stories), and no element around it is a figure,
  aside, nav, footer, form or header, nor has a class naming a promo, related-links, newsletter,
  share or ad slot (``cleaning.template.marked_not_prose``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree

from cleaning.blocks import Block
from cleaning.template import PageIndex, marked_not_prose

_WORD = re.compile(r"\w+")
# A paragraph is vouched for only while its links hold less than this share of its words.
MAX_LINK_SHARE = 0.5


def arbitrate(page: PageIndex, precise: Sequence[Block], balanced: Sequence[Block]) -> list[Block]:
    """``precise`` with the paragraphs only in ``balanced`` that the page vouches for (module docstring)."""
    have = {_key(b.text) for b in precise}
    inside = [i for i, b in enumerate(balanced) if _key(b.text) in have]
    if len(inside) < 2 or inside[-1] - inside[0] + 1 == len(inside):
        return list(precise)  # nothing only the balanced run found lies between two strict paragraphs
    first, last = inside[0], inside[-1]
    elements = page.locate(balanced)
    holders = [el for i, el in enumerate(elements) if el is not None and i in set(inside)]
    container = _common_ancestor(holders)
    if container is None:
        return list(precise)
    added = {
        i for i in range(first + 1, last) if _key(balanced[i].text) not in have and _vouched(elements[i], container)
    }
    if not added:
        return list(precise)
    merged: list[Block] = []
    seen: set[str] = set()
    for i, block in enumerate(balanced):
        key = _key(block.text)
        if (key in have or i in added) and key not in seen:
            merged.append(block)
            seen.add(key)
    # A strict paragraph the balanced run lacks keeps its place after its predecessor.
    for i, block in enumerate(precise):
        key = _key(block.text)
        if key not in seen:
            before = _key(precise[i - 1].text) if i else None
            at = next((n + 1 for n, b in enumerate(merged) if _key(b.text) == before), 0 if i == 0 else len(merged))
            merged.insert(at, block)
            seen.add(key)
    return merged


def _vouched(el: etree._Element | None, container: etree._Element) -> bool:
    if el is None:
        return False
    for node in (el, *el.iterancestors()):
        if node is container:
            break
        if marked_not_prose(node):
            return False
    else:
        return False  # outside the strict body's container
    words = len(_WORD.findall(el.text_content()))
    link_words = sum(len(_WORD.findall(a.text_content())) for a in el.iter("a"))
    return words > 0 and link_words < MAX_LINK_SHARE * words


def _common_ancestor(elements: Sequence[etree._Element]) -> etree._Element | None:
    """The deepest element holding all of ``elements``."""
    if not elements:
        return None
    common = [elements[0], *elements[0].iterancestors()]
    for el in elements[1:]:
        ancestors = {el, *el.iterancestors()}
        common = [a for a in common if a in ancestors]
    return common[0] if common else None


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))
