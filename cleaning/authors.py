"""Author names: candidates from every place a page states them, cleaned to names only.

Where the structured data names a person, that is the author. Many pages give only an
organisation there (the publisher itself), or nothing: then the visible byline decides — the
markup that says "this is the author" (``itemprop=author``, ``rel=author``, a link to the author's
page whose address spells the name), a short "By …"/"Written by …" line, then trafilatura's own
byline search. An organisation is the last resort.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree
from lxml import html as lxml_html
from trafilatura.metadata import extract_author

from cleaning.normalize import normalize_text

_BYLINE_PREFIX = re.compile(
    r"^\s*(?:by|written by|posted by|words by|reporting by|article by|story by|author|authored by)(?:\s*:\s*|\s+)",
    re.IGNORECASE,
)
# What a byline line prints after the name: "by Jane Roe on 2025-12-18 in News", "Jane Roe | 6 mins".
_AFTER_NAME = re.compile(r"\s+(?:on|at|[|•·—–-])\s+.*\d.*$", re.IGNORECASE)
_PERSON_SPLIT = re.compile(r"\s*(?:,?\s*\band\b|&|;|\|)\s*", re.IGNORECASE)
_PART_SPLIT = re.compile(r"\s*(?:,|\s[-–—]\s)\s*")
# Never a name: a contact, a link, a call to action.
_NOT_A_NAME = re.compile(
    r"@|https?://|www\.|\b(?:e-?mail|follow|contact|view all|posts? by|more from|twitter|x\.com|"
    r"published|updated|min read|read more)\b|\d|^[\w-]+(?:\.[\w-]{2,})+$",
    re.IGNORECASE,
)
# A job title after a name ("Jane Doe, Senior Editor"): the rest of the byline is the title's.
_JOB = re.compile(
    r"\b(?:editor|correspondent|reporter|writer|columnist|contributor|analyst|fellow|director|producer|"
    r"photographer|journalist|intern|chief|bureau|professor|officer|host|manager|founder|ceo|cto|"
    r"president|consultant|attorney|lawyer|dietitian|specialist|head|lead|partner|strategist)s?\b",
    re.IGNORECASE,
)
_CREDENTIAL = re.compile(
    r"(?:^|\s+)(?:ph\.?\s?d|m\.?d|esq|jr|sr|m\.?s|r\.?d|m\.?b\.?a|r\.?n|d\.?o|facs?|faclm)\.?$", re.IGNORECASE
)
_BYLINE_SENTENCE = re.compile(r"\s+(?:is|was)\s+(?:a|an|the)\s.*$", re.IGNORECASE)
_MAX_NAME_WORDS = 5
_PARTICLES = {"de", "da", "del", "der", "den", "van", "von", "di", "du", "la", "le", "bin", "al", "el", "y", "e"}
_MAX_BYLINE_CHARS = 120
_AUTHOR_PATH = re.compile(r"/(?:authors?|writers?|contributors?|profiles?|people|staff|team|by|journalists?)/([^/?#]+)")
_ITEMPROP_AUTHOR = etree.XPath(
    "//*[contains(concat(' ', normalize-space(@itemprop), ' '), ' author ')]"
    "|//*[contains(concat(' ', normalize-space(@itemprop), ' '), ' creator ')]"
)
_REL_AUTHOR = etree.XPath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' author ')]")
_LINKS = etree.XPath("//body//a[@href]")
_H1 = etree.XPath("//body//h1")
_TEXTS = etree.XPath("//body//text()")
# Whole byline parts that are a label or a date's month, never a name.
_NOT_NAMES = frozenset(
    {"by", "written by", "posted by", "author", "authors", "admin", "updated", "published"}
    | {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
    | {"january", "february", "march", "july", "september", "october", "november", "december"}
)
_BARE_BY = re.compile(r"^\s*(?:(?:written|posted|article|story)\s+)?by\s*:?\s*$|^\s*authors?\s*:?\s*$", re.IGNORECASE)
_BY_START = re.compile(r"\s*(?:by\b|written by\b|posted by\b|article by|story by|authors?\s*:?\s*$)", re.IGNORECASE)
# Class names that mark the author's name in themes' author boxes and bylines ("author-name",
# "author__name", "authorName", "elementor-author-box__name").
_AUTHOR_NAME_CLASS = etree.XPath(
    "//body//*[contains(@class, 'uthor') or contains(@class, 'UTHOR')]"  # cheap first, translate() on few
    "[contains(translate(@class, 'AUTHOR', 'author'), 'author')"
    " and contains(translate(@class, 'NAME', 'name'), 'name')]"
)
_MAX_NAME_CHARS = 60


def clean_names(raw: Iterable[str]) -> list[str]:
    """Byline strings to a list of names: no "By", no "and", no job titles or contact links, no duplicates."""
    names: list[str] = []
    for item in raw:
        line = _AFTER_NAME.sub("", _BYLINE_PREFIX.sub("", normalize_text(item)))
        for k, person in enumerate(_PERSON_SPLIT.split(line)):
            for part in _person_names(person, after_a_name=k > 0):
                if part.casefold() not in {n.casefold() for n in names}:
                    names.append(part)
    return names


def _person_names(segment: str, *, after_a_name: bool = False) -> list[str]:
    """Names in one byline segment; what follows a job title ("Editor, Air Power") is the title's.

    The first part stands unless it is a contact or a link: a desk or a team ("Staff", "Lifestyle
    Desk") is how the page names its author — unless it follows a name ("Jane Roe | Staff Writer").
    """
    names = []
    for n, part in enumerate(_PART_SPLIT.split(segment)):
        part = _CREDENTIAL.sub("", _BYLINE_SENTENCE.sub("", part)).strip(" :.,-–—•·")
        if _NOT_A_NAME.search(part) or ((n or after_a_name) and _JOB.search(part)):
            break
        if (n and len(part) <= 4) or part.casefold() in _NOT_NAMES:  # "MS, RD, FAND"; "Dec"; "Written By"
            continue
        if any(c.isalpha() for c in part) and len(part.split()) <= _MAX_NAME_WORDS:
            names.append(part.title() if part.isupper() and len(part) > 3 else part)
    return names


def byline_names(tree: lxml_html.HtmlElement) -> list[str]:
    """Names the visible page marks as the author's, most explicit markup first."""
    for candidates in (_itemprop_authors(tree), _author_links(tree), _by_lines(tree), _name_classes(tree)):
        names = [n for n in clean_names(candidates) if looks_like_name(n)]
        if names:
            return names
    found = extract_author(_article_region(tree))  # trafilatura's byline search over class and id names
    return [n for n in clean_names(found.split(";")) if looks_like_name(n)] if found else []


def _article_region(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """The ``<article>`` or ``<main>`` that holds the page's first ``<h1>``, else the page: the
    byline is printed with the headline, and other authors' names (a related story's, a comment's,
    the site's team) stand around it."""
    for h1 in _H1(tree)[:1]:
        for ancestor in h1.iterancestors("article", "main"):
            return ancestor
    return tree


def looks_like_name(text: str) -> bool:
    """Capitalised words, as names are printed ("Jane van der Berg"), not a phrase of running text."""
    words = text.split()
    return 0 < len(words) <= _MAX_NAME_WORDS and all(
        w[:1].isupper() or w.casefold() in _PARTICLES or not w[:1].isalpha() for w in words
    )


def _itemprop_authors(tree: lxml_html.HtmlElement) -> list[str]:
    found = []
    for el in _ITEMPROP_AUTHOR(tree):
        names = el.xpath(".//*[@itemprop='name']")
        value = el.get("content") or (names[0].get("content") or names[0].text_content() if names else None)
        value = value or el.text_content()
        if value and len(normalize_text(value)) <= _MAX_BYLINE_CHARS:
            found.append(value)
    return found


def _author_links(tree: lxml_html.HtmlElement) -> list[str]:
    """rel=author links, and links to an author page whose address spells the link's text."""
    found = [a.text_content() for a in _REL_AUTHOR(tree)]
    for a in _LINKS(tree):
        match = _AUTHOR_PATH.search(a.get("href", ""))
        text = normalize_text(a.text_content())
        if match and text and _slug(text) == _slug(match[1]):
            found.append(text)
    return [t for t in found if t.strip() and len(t) <= _MAX_BYLINE_CHARS][:4]


def _by_lines(tree: lxml_html.HtmlElement) -> list[str]:
    """The first short "By …" line of the page: the text of the element whose text starts with it."""
    for text in _TEXTS(tree):
        if not _BY_START.match(text):
            continue
        el = text.getparent()
        line = normalize_text(el.text_content()) if el is not None else ""
        if el is not None and _BARE_BY.match(line) and el.getparent() is not None:
            # "<span>By</span> <a>Jane Roe</a>", also printed without a space: "ByJane Roe".
            label, line = line, normalize_text(el.getparent().text_content())
            line = line[len(label) :].strip() if line.startswith(label) else ""
        elif _BY_START.match(line) and not _BARE_BY.match(line):
            line = _BYLINE_PREFIX.sub("", line)
        else:
            continue
        if line and len(line) <= _MAX_BYLINE_CHARS:
            return [line]
    return []


def _name_classes(tree: lxml_html.HtmlElement) -> list[str]:
    """Short texts of the elements a theme's class names call the author's name; none when the
    first is not a name (then later ones are a comment thread's or a related story's authors)."""
    found = [t for el in _AUTHOR_NAME_CLASS(tree) if (t := normalize_text(el.text_content()))]
    found = [t for t in found if len(t) <= _MAX_NAME_CHARS][:4]
    return found if found and all(looks_like_name(n) for n in clean_names(found[:1])) else []


def _slug(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())
