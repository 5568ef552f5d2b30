"""Publication and modification dates: every place a page states them, the first that can be true.

Order: the article's JSON-LD, then ``article:*``/Dublin Core/Parse.ly/Sailthru/citation meta, then
``itemprop`` and ``<time datetime>`` markup; with none of them, the day printed with the headline,
then a date the body labels as the publication ("Posted on …", ``cleaning.dateline``), then
htmldate's fast reading of the page (without its extensive search: that hands phrases to dateparser,
which guesses among every locale it knows, seconds on its first call, and on wcxb-articles its extra
dates were mostly wrong or "Updated" lines), then a date in the URL.

The day the page prints with its headline (``cleaning.dateline``) checks that choice: a CMS fills
structured dates with a migration day, a template's value or another story's date more often than
it prints a wrong byline date. When the printed publication day is another day than the chosen
structured date and is not the update's day, the printed day wins, through a structured source that
states it when one does (its time kept). "Another day" allows a time zone's difference: a day either
way for a date stated in an offset, and for a time told in UTC every day that instant is somewhere
(UTC-12 to UTC+14). When the printed day is such a local day of a UTC instant, the instant is told in
the offset the page's other ``<time>`` elements state, if that offset puts it on the printed day.
A printed update line ("Updated …") is never the publication when any source states one; it is the
modification when the structured data states none. A page that states no publication at all but
when it was last updated is dated by the update: the version read was published that day, and it
is the day the page shows its readers (a corpus would otherwise date it by the fetch). These choices
were measured on wcxb-articles (``docs/extraction.md``).

A date cannot be true when it is later than the fetch (a template or time-zone error) or outside
the years a news page can carry (``0001-01-01`` is a .NET default, ``9999-12-31`` a "never"); such a
value is skipped and the next source decides. A stated offset is kept as published; a value with
none takes the offset the page states in its other dates (a JSON-LD "2025-03-01T09:00:00" beside a
meta "…-05:00"), else UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from htmldate import find_date
from lxml import etree
from lxml import html as lxml_html

from cleaning.dateline import Dateline, Shown, days_written
from cleaning.jsonld import JsonLd
from corpus.dates import parse_timestamp

MIN_YEAR = 1900
MAX_YEAR = 9000
OUT_OF_RANGE = "out_of_range"
AFTER_FETCH = "after_fetch"
_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(?:(0[1-9]|[12]\d|3[01])/)?")
_URL_COMPACT_DATE = re.compile(r"/((?:19|20)\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])/")
PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "article:published",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "citation_publication_date",
    "citation_date",
    "publish-date",
    "publish_date",
    "pubdate",
    "published",
    "date",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "dc.date.modified", "dcterms.modified", "last-modified")
_CLOCKS = (timedelta(hours=-12), timedelta(hours=14))  # the offsets local times are told in
_ITEMPROP = etree.XPath("//*[@itemprop=$prop]")
_TIME_ELEMENTS = etree.XPath("//time[@datetime]")


@dataclass(frozen=True)
class Stamp:
    """A parsed date; ``stated_offset`` is False when the source gave no offset (or no time)."""

    value: datetime
    stated_offset: bool


def parse_stamp(text: str | None) -> Stamp | None:
    """ISO 8601 or RFC 2822; None for anything else or for a year no page can mean."""
    stamp = _parse(text)
    return stamp if isinstance(stamp, Stamp) else None


def _parse(text: str | None) -> Stamp | str | None:
    """A Stamp; ``OUT_OF_RANGE`` for a well-formed date no page can mean; None for anything else."""
    parsed = parse_timestamp(text)
    if parsed is None:
        return None
    stated = parsed.tzinfo is not None
    if not stated:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        year = parsed.astimezone(UTC).year
    except (OverflowError, ValueError):  # 0001-01-01T00:00:00+05:30 is before year 1 in UTC
        return OUT_OF_RANGE
    return Stamp(parsed, stated) if MIN_YEAR <= year <= MAX_YEAR else OUT_OF_RANGE


def published(
    tree: lxml_html.HtmlElement,
    ld: JsonLd,
    meta: dict[str, str],
    url: str,
    fetched_at: datetime | None,
    refused: set[str],
    shown: Shown | None = None,
    modified_at: datetime | None = None,
    labelled: Callable[[], Shown] = Shown,
) -> datetime | None:
    """The article's publication date; why stated values were refused is added to ``refused``.

    ``shown`` is what the page prints with its headline: when it prints a publication day that no
    structured source comes within a day of, and that is not the update day (``modified_at``), the
    printed day wins, through a structured source that agrees with it when one does. With no
    publication stated anywhere, the update (``modified_at``) dates the page."""
    structured = _stamps(_published_texts(tree, ld, meta), refused)
    offset = _page_offset(structured)
    chosen = next((stamp for stamp in structured if _possible(stamp, fetched_at, refused)), None)
    printed = shown.published if shown is not None else None
    if printed is not None and _prints_other_day(printed, chosen, offset, modified_at):
        agreeing = (s for s in structured if printed.near(_day(s, offset)) and _possible(s, fetched_at, set()))
        stamp = next(agreeing, None) or _printed_stamp(printed)
        if _possible(stamp, fetched_at, set()):
            return _with_offset(stamp, offset)
    if chosen is not None:
        value = _with_offset(chosen, offset)
        if printed is not None and not printed.near(value.date()) and _utc_instant(chosen, offset):
            return _told_locally(value, printed, tree)
        return value
    late_sources: tuple[Callable[[], Stamp | None], ...] = (
        lambda: _labelled_stamp(labelled().published),
        lambda: _htmldate(tree, url, fetched_at),
        lambda: url_date(url),
    )
    for source in late_sources:
        late = source()
        if late is not None and _possible(late, fetched_at, refused):
            return _with_offset(late, offset)
    return modified_at  # the only day the page gives: the version read was published then


def modified(
    tree: lxml_html.HtmlElement,
    ld: JsonLd,
    meta: dict[str, str],
    fetched_at: datetime | None,
    refused: set[str],
    shown: Shown | None = None,
    labelled: Callable[[], Shown] = Shown,
) -> datetime | None:
    """The last modification: the structured value, else the update line the page prints with its
    headline, else one it labels elsewhere. A printed update line more than a day from the
    structured value wins, as the printed publication day does: a CMS restamps ``dateModified`` on
    every save (a tag, a migration), the line tells readers when the article itself changed."""
    texts = [*_ld_texts(ld, "dateModified"), *(meta.get(k) for k in MODIFIED_META)]
    texts += [el.get("content") or el.get("datetime") for el in _ITEMPROP(tree, prop="dateModified")]
    stamps = _stamps(texts, refused)
    offset = _page_offset(stamps)
    found = next((_with_offset(s, offset) for s in stamps if _possible(s, fetched_at, refused)), None)
    printed = shown.updated if shown is not None else None
    if found is not None and (printed is None or printed.near(found.date(), tolerance=1)):
        return found
    line = printed if printed is not None else labelled().updated
    if line is None:
        return None
    stamp = _printed_stamp(line)
    return _with_offset(stamp, offset) if _possible(stamp, fetched_at, set()) else found


def _prints_other_day(
    printed: Dateline, chosen: Stamp | None, offset: timezone | None, modified_at: datetime | None
) -> bool:
    """Whether the printed day overrules the structured choice: there is none, or it is more than a
    day away (a day is a time zone's difference) and the printed day is not the update's."""
    if chosen is None:
        return True
    if _utc_instant(chosen, offset):
        value = _with_offset(chosen, offset)
        earliest, latest = (value + _CLOCKS[0]).date(), (value + _CLOCKS[1]).date()
        if any(earliest <= day <= latest for day in printed.days):
            return False
    elif printed.near(_day(chosen, offset), tolerance=1):
        return False
    return modified_at is None or not printed.near(modified_at.date())


def _utc_instant(stamp: Stamp, offset: timezone | None) -> bool:
    """A time told in UTC (stated so, or with no offset on the page): its local day is one of the
    days that instant is somewhere. A bare day is not an instant."""
    value = _with_offset(stamp, offset)
    return value.utcoffset() == timedelta(0) and (stamp.stated_offset or value.time() != datetime.min.time())


def _told_locally(value: datetime, printed: Dateline, tree: lxml_html.HtmlElement) -> datetime:
    """A UTC instant in the offset the page's other times state, when that puts it on the day the
    page prints (a newsroom west of Greenwich publishing in its evening); else as stated."""
    for element in _TIME_ELEMENTS(tree):
        stated = parse_timestamp(element.get("datetime"))
        zone = stated.utcoffset() if stated is not None else None
        if zone and printed.near((local := value.astimezone(timezone(zone))).date()):
            return local
    return value


def _day(stamp: Stamp, offset: timezone | None) -> date:
    return _with_offset(stamp, offset).date()


def _printed_stamp(printed: Dateline) -> Stamp:
    day = printed.days[0]
    return Stamp(datetime(day.year, day.month, day.day, tzinfo=UTC), False)


def _labelled_stamp(line: Dateline | None) -> Stamp | None:
    return _printed_stamp(line) if line is not None else None


def url_date(url: str) -> Stamp | None:
    """/2024/03/17/ or /2024/03/ (the first of the month) or /20240317/ in the path."""
    for pattern in (_URL_DATE, _URL_COMPACT_DATE):
        match = pattern.search(url)
        if match:
            try:
                return Stamp(datetime(int(match[1]), int(match[2]), int(match[3] or 1), tzinfo=UTC), False)
            except ValueError:  # /2023/02/31/
                return None
    return None


def _published_texts(tree: lxml_html.HtmlElement, ld: JsonLd, meta: dict[str, str]) -> Iterator[str | None]:
    yield from _ld_texts(ld, "datePublished")
    yield from _ld_texts(ld, "dateCreated")
    yield from (_iso_day(meta.get(k)) for k in PUBLISHED_META)
    for el in _ITEMPROP(tree, prop="datePublished"):
        yield el.get("content") or el.get("datetime")
    time_elements = _TIME_ELEMENTS(tree)
    for el in time_elements:
        if el.get("pubdate") is not None or "publish" in (el.get("class") or "") + (el.get("itemprop") or ""):
            yield el.get("datetime")
    if time_elements:
        yield time_elements[0].get("datetime")


def _iso_day(value: str | None) -> str | None:
    """A meta value written for readers ("July 17, 2025") as its ISO day, when it names one day."""
    if value is None or parse_timestamp(value) is not None or len(value) > 40:
        return value
    days = days_written(value)
    return days[0].isoformat() if len(days) == 1 else value


def _ld_texts(ld: JsonLd, key: str) -> Iterator[str]:
    for value in ld.values(key):
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                yield item


def _stamps(texts: Iterable[str | None], refused: set[str]) -> list[Stamp]:
    stamps = []
    for text in texts:
        stamp = _parse(text)
        if isinstance(stamp, Stamp):
            stamps.append(stamp)
        elif stamp == OUT_OF_RANGE:
            refused.add(OUT_OF_RANGE)
    return stamps


def _htmldate(tree: lxml_html.HtmlElement, url: str, fetched_at: datetime | None) -> Stamp | None:
    """htmldate's reading of the page's visible dates, bounded by the fetch (it never reads a clock then)."""
    bound = (fetched_at or datetime(9000, 1, 1, tzinfo=UTC)).astimezone(UTC)
    try:
        found = find_date(tree, original_date=True, extensive_search=False, url=url, max_date=f"{bound:%Y-%m-%d}")
    except (ValueError, TypeError, OverflowError):
        return None
    stamp = parse_stamp(found)
    if stamp is not None and (stamp.value.month, stamp.value.day) == (1, 1) and not _states_new_year(tree, stamp):
        return None  # htmldate's last resort: a year alone, as a footer's "© 2026" gives it
    return stamp


def _states_new_year(tree: lxml_html.HtmlElement, stamp: Stamp) -> bool:
    """The page writes 1 January of that year as a full date somewhere (a real New Year's story)."""
    year = stamp.value.year
    pattern = re.compile(
        rf"{year}-01-01|{year}/01/01|01/01/{year}|\b(?:jan(?:uary)?\.?\s+1(?:st)?,?\s+{year}|1(?:st)?\s+jan(?:uary)?\.?\s+{year})\b",
        re.IGNORECASE,
    )
    return bool(pattern.search(lxml_html.tostring(tree, encoding="unicode")))


def _possible(stamp: Stamp, fetched_at: datetime | None, refused: set[str]) -> bool:
    if fetched_at is None:
        return True
    value = stamp.value
    if not stamp.stated_offset and value.time() == datetime.min.time():
        value = value - timedelta(days=1)  # a bare day is true as soon as it began anywhere
    if value <= fetched_at:
        return True
    refused.add(AFTER_FETCH)
    return False


def _page_offset(stamps: list[Stamp]) -> timezone | None:
    for stamp in stamps:
        if stamp.stated_offset and (offset := stamp.value.utcoffset()) is not None:
            return timezone(offset)
    return None


def _with_offset(stamp: Stamp, offset: timezone | None) -> datetime:
    if stamp.stated_offset or offset is None:
        return stamp.value
    return stamp.value.replace(tzinfo=offset)
