"""The date a page prints with its headline: the day it shows its readers the article was published.

A news page prints its date in the byline block, just under (sometimes just above) the ``<h1>``:
"By Dana Lee · March 4, 2025", "Updated Dec 18, 2025", "WASHINGTON (January 24, 2017) —". That
printed day is what a reader takes as the article's date, and it is also the check on the
structured dates, which a CMS may fill with a migration day, a UTC instant or a template's value.

The scan reads the text that follows the headline (``AFTER`` characters), then the text just before
it (``BEFORE``), skipping scripts and hidden markup; a ``<time datetime>`` there gives its own day.
Only a short text (a byline or date element, not a sentence of the article) can be a dateline, so a
date inside the lede ("On 3 March 2025 the Army said…") is not read as one. A date whose label says
it is an update ("Updated", "Last modified", …) is kept apart: it tells when the page changed, not
when it was published. A numeric date whose day and month can be swapped (``08/01/2025``) keeps
both readings, so agreement with the structured dates decides which one the page meant.

A page whose headline is not in an ``<h1>`` (a page builder's styled ``<p>``, a ``<legend>``) is read
after the first element whose own text is the headline. Further from the headline, only a date the
page labels counts (``labelled_dates``: "Posted on …", "Published: …", "Last updated …" anywhere in
the body outside navigation, asides, footers and comments): the fallback when nothing else dates it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from htmldate.extractors import regex_parse
from lxml import etree
from lxml import html as lxml_html

from cleaning.headline import links_home
from cleaning.normalize import normalize_text
from corpus.dates import parse_timestamp

AFTER = 300  # characters of text after the headline that may hold its dateline
BEFORE = 120  # and before it (a kicker line "Travel · September 8, 2021" above the h1)
MAX_DATELINE = 80  # a longer text is a sentence, not a byline or date element
MIN_YEAR = 1990
_SKIP = {"script", "style", "noscript", "template", "svg", "button", "select", "option", "textarea", "figure"}
_UPDATE_LABEL = re.compile(
    r"\b(?:updated?|modified|revised|edited|aktualisiert|mis\s+à\s+jour|actualizad[oa]|atualizad[oa]|aggiornat[oa])\b",
    re.IGNORECASE,
)
_PUBLISHED_LABEL = re.compile(
    r"\b(?:published|posted|publi[ée]|publicad[oa]|pubblicat[oa]|ver[öo]ffentlicht)"
    r"(?:\s+by\s+[^\W\d]+(?:\s+[^\W\d]+){0,3})?(?:\s+(?:on|at|le|am|el|il))?\W*$",
    re.IGNORECASE,
)
_UPDATE_AT_END = re.compile(rf"(?:{_UPDATE_LABEL.pattern})(?:\s+(?:on|at|le|am|el|il))?\W*$", re.IGNORECASE)
# Classes and ids of what is not the article's own text: other pages' teasers, readers' comments.
_APART = re.compile(r"(?<![a-z])(?:nav|aside|footer|comment|related|sidebar|widget)", re.IGNORECASE)
_YMD = re.compile(r"(?<!\d)((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.]((?:19|20)\d\d)(?!\d)")
_ABBREVIATED = re.compile(r"\b([^\W\d_]{3,4})\.(?=\s*\d)")
_H1 = etree.XPath("//body//h1")
# Texts that may hold a label (first letters dropped: contains() is case-sensitive), short ones only.
_STEMS = ("ublish", "osted", "ffentlicht", "pdate", "odified", "evised", "dited", "ktualisiert", "mis à jour")
_STEMS_MORE = ("ctualizad", "tualizad", "ggiornat")
_HAS_STEM = " or ".join(f"contains(., '{stem}')" for stem in _STEMS + _STEMS_MORE)
_LABEL_TEXTS = etree.XPath(f"//body//text()[string-length() < 400][{_HAS_STEM}]")
_CARRIER = etree.XPath("//body//text()[normalize-space() = $text]/..")


@dataclass(frozen=True)
class Dateline:
    """A printed date: its possible days (two when day and month can be swapped), whether the page
    labels it as an update, and how many characters of text stand between it and the headline."""

    days: tuple[date, ...]
    updated: bool
    distance: int = 0

    def near(self, day: date, tolerance: int = 0) -> bool:
        """Whether one reading is ``day``, or within ``tolerance`` days of it (a time zone apart)."""
        return any(abs((d - day).days) <= tolerance for d in self.days)


@dataclass(frozen=True)
class Shown:
    """What the headline's surroundings print: the publication dateline and the update line."""

    published: Dateline | None = None
    updated: Dateline | None = None


def shown_dates(tree: lxml_html.HtmlElement, headline: str | None, url: str = "") -> Shown:
    """The dates printed around the page's headline (none when no element displays it)."""
    heading = _headline_element(tree, headline, url)
    if heading is None:
        return Shown()
    after = _datelines(list(_within(_texts_after(heading), AFTER)))
    before = _datelines(list(_within(_texts_before(heading), BEFORE))[::-1], from_end=True)
    found = sorted(after + before, key=lambda d: d.distance)  # the nearest to the headline first
    return Shown(next((d for d in found if not d.updated), None), next((d for d in found if d.updated), None))


def labelled_dates(tree: lxml_html.HtmlElement) -> Shown:
    """The first publication and the first update the body labels as such, anywhere outside
    navigation, asides, footers and comments (whose dates are other pages' or readers')."""
    published = updated = None
    for found in _LABEL_TEXTS(tree):
        text = _clean(found)
        days = days_written(text) if len(text) <= MAX_DATELINE else ()
        label = text[: _date_start(text)] if days else text
        is_update = bool(_UPDATE_AT_END.search(label))
        is_publication = not is_update and bool(_PUBLISHED_LABEL.search(label)) and not _UPDATE_LABEL.search(label)
        if not ((is_update and updated is None) or (is_publication and published is None)):
            continue
        owner = found.getparent()
        place = owner.getparent() if found.is_tail else owner
        if place is None or _apart_or_hidden(place) or any(map(_apart_or_hidden, place.iterancestors())):
            continue
        days = days or _next_days(owner, found.is_tail)
        if days and is_update:
            updated = Dateline(days, True)
        elif days:
            published = Dateline(days, False)
        if published is not None and updated is not None:
            break
    return Shown(published, updated)


def _next_days(owner: lxml_html.HtmlElement, tail: bool) -> tuple[date, ...]:
    """The days of the text that follows a label ("Posted on" in one element, the date in the next)."""
    after = _texts_after(owner)
    if tail:
        next(after, None)  # the label itself
    else:
        after = itertools.chain((item for child in owner for item in _texts(child)), after)
    text, stamp = next(after, ("", None))
    return _stamp_days(stamp) or (days_written(text) if len(text) <= MAX_DATELINE else ())


def _apart_or_hidden(element: lxml_html.HtmlElement) -> bool:
    return element.tag in _SKIP or _hidden(element) or _apart(element)


def _apart(element: lxml_html.HtmlElement) -> bool:
    if element.tag in ("nav", "aside", "footer"):
        return True
    return bool(_APART.search(f"{element.get('class', '')} {element.get('id', '')} {element.get('role', '')}"))


def _within(texts: Iterator[tuple[str, str | None]], budget: int) -> Iterator[tuple[str, str | None]]:
    seen = 0
    for item in texts:
        yield item
        seen += len(item[0])
        if seen > budget:
            return


def _headline_element(tree: lxml_html.HtmlElement, headline: str | None, url: str) -> lxml_html.HtmlElement | None:
    """The ``<h1>`` that carries the headline, else the page's only ``<h1>`` (the title it displays
    when the chosen headline is a structured one: an SEO rewrite of the same story) unless it is the
    site's logo, else the first element whose own text is the headline."""
    h1s = _H1(tree)
    carrying = (h1 for h1 in h1s[:5] if headline and normalize_text(h1.text_content()) == headline)
    found = next(carrying, None)
    if found is None and len(h1s) == 1 and not links_home(h1s[0], url):
        return h1s[0]
    if found is None and headline:
        found = next((el for el in _CARRIER(tree, text=headline) if el.tag not in _SKIP), None)
    return found


def _datelines(items: list[tuple[str, str | None]], from_end: bool = False) -> list[Dateline]:
    """Datelines among ``items``, texts in document order that begin where the headline ends (or,
    ``from_end``, end where it begins). A label may sit in the text before its date ("Updated:"
    then "Dec 4, 2025" in the next element)."""
    total = sum(len(text) for text, _ in items)
    found: list[Dateline] = []
    previous = ""
    seen = 0
    for text, stamp in items:
        days = _stamp_days(stamp) or (days_written(text) if len(text) <= MAX_DATELINE else ())
        if days:
            label = text[: _date_start(text)]
            updated = bool(_UPDATE_LABEL.search(label) or (not _words(label) and _UPDATE_LABEL.search(previous)))
            found.append(Dateline(days, updated, total - seen - len(text) if from_end else seen))
        seen += len(text)
        previous = text
    return found


def _stamp_days(stamp: str | None) -> tuple[date, ...]:
    """A ``<time datetime>`` day as the page states it (its own offset kept)."""
    parsed = parse_timestamp(stamp)
    return (parsed.date(),) if parsed is not None and parsed.year >= MIN_YEAR else ()


def days_written(text: str) -> tuple[date, ...]:
    """The days a short text states: ISO-like y-m-d, d/m/y (both readings when ambiguous), else a
    date with a month's name in any language htmldate knows."""
    if match := _YMD.search(text):
        return _valid((int(match[1]), int(match[2]), int(match[3])))
    if match := _DMY.search(text):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        return _valid((year, second, first), (year, first, second))
    found = regex_parse(_ABBREVIATED.sub(r"\1", text).replace("Sept", "Sep"))  # AP style: "Sept. 4", "Mar. 4"
    return (found.date(),) if found is not None and found.year >= MIN_YEAR else ()


def _valid(*readings: tuple[int, int, int]) -> tuple[date, ...]:
    days: list[date] = []
    for year, month, day in readings:
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate.year >= MIN_YEAR and candidate not in days:
            days.append(candidate)
    return tuple(days)


def _words(text: str) -> bool:
    return re.search(r"[^\W\d_]", text) is not None


def _date_start(text: str) -> int:
    """Where the date begins in ``text`` (its first digit), so the label is the text before it."""
    match = re.search(r"\d", text)
    start = match.start() if match else len(text)
    month = re.search(r"[^\W\d_]{3,}\.?\s*\d", text)  # "Dec 4, 2025": the month's name comes first
    return min(start, month.start()) if month else start


def _texts_after(heading: lxml_html.HtmlElement) -> Iterator[tuple[str, str | None]]:
    """Visible texts after ``heading`` in document order, each with the ``datetime`` of its
    ``<time>`` element when it is in one."""
    if tail := _clean(heading.tail):
        yield tail, None
    node: lxml_html.HtmlElement | None = heading
    while node is not None:
        for sibling in node.itersiblings():
            yield from _texts(sibling)
        node = node.getparent()
        if node is not None and (tail := _clean(node.tail)):
            yield tail, None


def _texts_before(heading: lxml_html.HtmlElement) -> Iterator[tuple[str, str | None]]:
    """Visible texts before ``heading``, nearest first."""
    node: lxml_html.HtmlElement | None = heading
    while node is not None:
        for sibling in node.itersiblings(preceding=True):
            yield from _texts_backwards(sibling)
        node = node.getparent()
        if node is not None and node.tag != "body" and (text := _clean(node.text)):
            yield text, None
        if node is not None and node.tag == "body":
            return


def _texts_backwards(element: lxml_html.HtmlElement) -> Iterator[tuple[str, str | None]]:
    """``_texts`` in reverse order, lazily: the few characters before a headline are read without
    walking the whole navigation above it."""
    if tail := _clean(element.tail):
        yield tail, None
    if isinstance(element.tag, str) and element.tag not in _SKIP and not _hidden(element):
        for child in reversed(element):
            yield from _texts_backwards(child)
        stamp = element.get("datetime") if element.tag == "time" else None
        if (text := _clean(element.text)) or stamp:
            yield text, stamp


def _texts(element: lxml_html.HtmlElement) -> Iterator[tuple[str, str | None]]:
    if isinstance(element.tag, str) and element.tag not in _SKIP and not _hidden(element):
        stamp = element.get("datetime") if element.tag == "time" else None
        if (text := _clean(element.text)) or stamp:
            yield text, stamp
        for child in element:
            yield from _texts(child)
    if tail := _clean(element.tail):
        yield tail, None


def _clean(text: str | None) -> str:
    return normalize_text(text) if text else ""


def _hidden(element: lxml_html.HtmlElement) -> bool:
    return element.get("hidden") is not None or element.get("aria-hidden") == "true"
