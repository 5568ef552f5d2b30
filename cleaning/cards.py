"""Teaser cards: a small box that links to another story of the site, by its structure alone.

Templates set "cards" between and after an article's paragraphs: a kicker, a linked title, a line of
description, a date ("11 ideas for …" — "From self-care treatments to …"). Extractors drop the linked
title (it is a link) but keep the description, a sentence that reads like the article's own. What
gives the card away is its shape, whatever its class names: the smallest element around the block
that holds a heading is short, holds that one heading only and more than it, and the heading is
wholly a link to another page of the same site. A subheading of the article is not a link; a
product or source the article links to is on another site.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import islice
from urllib.parse import urljoin, urlsplit

from lxml import etree

# A card holds a title, a line or two and a date: more words than this is a section of the article.
CARD_MAX_WORDS = 80
# How far up from a block its card is looked for (the block, its wrapper, the card, its slot).
CARD_LEVELS = 5
# The title is a link: at least this share of its words are link text.
LINKED_TITLE_SHARE = 0.8
_HEADINGS = etree.XPath(".//h2|.//h3|.//h4|.//h5|.//h6")
_WORD = re.compile(r"\w+")


def teaser_cards(elements: Sequence[etree._Element | None], url: str) -> list[bool]:
    """Per block (its source element, None when not found): it is part of a teaser card."""
    host = _site(url)
    sizes: dict[etree._Element, int] = {}  # the blocks of a page share their ancestors: count each once
    return [el is not None and _in_card(el, url, host, sizes) for el in elements]


def _in_card(el: etree._Element, url: str, host: str, sizes: dict[etree._Element, int]) -> bool:
    for box in islice((el, *el.iterancestors()), CARD_LEVELS):
        if not isinstance(box.tag, str):
            continue
        words = sizes.get(box)
        if words is None:
            words = sizes[box] = _words(box)
        if words > CARD_MAX_WORDS:
            return False
        headings = _HEADINGS(box)
        if not headings:
            continue
        if len(headings) > 1:
            return False
        title = headings[0]
        return words > _words(title) and _links_within_site(title, url, host)
    return False


def _links_within_site(title: etree._Element, url: str, host: str) -> bool:
    """The heading's text is a link to another page of the page's own site."""
    words = _words(title)
    links = [a for a in title.iter("a") if a.get("href")]
    link_words = sum(_words(a) for a in links)
    if not words or link_words < LINKED_TITLE_SHARE * words:
        return False
    target = urljoin(url, links[0].get("href", ""))
    return _site(target) == host and target.split("#")[0] != url.split("#")[0]


def _site(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _words(el: etree._Element) -> int:
    return len(_WORD.findall(el.text_content()))
