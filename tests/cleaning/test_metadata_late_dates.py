"""Dates read when the headline's surroundings print none, and the local day of a UTC instant."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from lxml import html

from cleaning.dateline import labelled_dates, shown_dates
from cleaning.metadata import read_metadata

FETCHED = datetime(2026, 6, 1, tzinfo=UTC)
URL = "https://blog.example/posts/choosing-a-tent/"
EST = timezone(timedelta(hours=-5))
TITLE = "Choosing a Tent for Your First Trip"
FILLER = "".join(
    f"<p>Paragraph {n} of the guide, about poles, pegs and the weather in the hills.</p>" for n in range(8)
)


def page(head: str = "", body: str = "") -> html.HtmlElement:
    return html.document_fromstring(
        f"<html lang='en'><head><title>{TITLE} | Outdoors</title>{head}</head><body>{body}</body></html>"
    )


def ld(node: dict[str, Any]) -> str:
    return f"<script type='application/ld+json'>{json.dumps({'@context': 'https://schema.org', **node})}</script>"


def test_a_date_labelled_as_posted_far_from_the_headline_is_the_publication() -> None:
    """A theme that prints "Posted on" and the day in two elements, after the introduction."""
    body = (
        f"<article><h1>{TITLE}</h1>{FILLER}"
        "<div class='meta'><span>Posted on</span><div><svg></svg><span>Nov 21, 2018</span></div></div>"
        f"{FILLER}</article>"
    )
    assert labelled_dates(page(body=body)).published is not None
    meta = read_metadata(page(body=body), URL, FETCHED)
    assert meta.date_published == datetime(2018, 11, 21, tzinfo=UTC)


def test_a_labelled_update_far_from_the_headline_is_the_modification_only() -> None:
    """A page that states its publication elsewhere (here in a meta tag): the update is not it."""
    head = "<meta property='article:published_time' content='2024-03-02T10:00:00+00:00'>"
    body = f"<article><h1>{TITLE}</h1>{FILLER}<p>Last updated: November 13, 2025</p></article>"
    meta = read_metadata(page(head, body), URL, FETCHED)
    assert meta.date_published == datetime(2024, 3, 2, 10, tzinfo=UTC)
    assert meta.date_modified is not None and meta.date_modified.date() == date(2025, 11, 13)


@pytest.mark.parametrize(
    "body",
    [
        f"<article><h1>{TITLE}</h1><p class='meta'>Updated October 23, 2025</p>{FILLER}</article>",
        f"<article><h1>{TITLE}</h1>{FILLER}<p>Last updated: October 23, 2025</p></article>",
    ],
    ids=["by the headline", "labelled below the body"],
)
def test_a_page_stating_only_its_update_is_dated_by_it(body: str) -> None:
    """No source states a publication: the update is the only day the page shows its readers, and
    the version read was published then (left empty, the corpus would date it by the fetch)."""
    meta = read_metadata(page(body=body), URL, FETCHED)
    assert meta.date_modified is not None and meta.date_modified.date() == date(2025, 10, 23)
    assert meta.date_published == meta.date_modified


def test_a_date_in_the_url_comes_before_the_update_line() -> None:
    """The URL's day is a publication date the page states; the update stays the modification."""
    body = f"<article><h1>{TITLE}</h1>{FILLER}<p>Last updated: October 23, 2025</p></article>"
    meta = read_metadata(page(body=body), "https://blog.example/2024/05/09/choosing-a-tent/", FETCHED)
    assert meta.date_published == datetime(2024, 5, 9, tzinfo=UTC)
    assert meta.date_modified is not None and meta.date_modified.date() == date(2025, 10, 23)


def test_dates_in_comments_and_related_lists_are_not_the_articles() -> None:
    body = (
        f"<article><h1>{TITLE}</h1>{FILLER}</article>"
        "<aside><p>Posted on March 2, 2024</p></aside>"
        "<div class='related-posts'><p>Published: 4 May 2023</p></div>"
        "<ol class='comment-list'><li>Dana <span>Posted on June 9, 2025</span> Great guide!</li></ol>"
        "<footer><p>Published by Outdoors Ltd</p></footer>"
    )
    shown = labelled_dates(page(body=body))
    assert (shown.published, shown.updated) == (None, None)
    assert read_metadata(page(body=body), URL, FETCHED).date_published is None


def test_a_label_inside_a_sentence_is_no_dateline() -> None:
    body = (
        f"<article><h1>{TITLE}</h1>{FILLER}<p>The survey published 3 March 2024 found that most campers</p></article>"
    )
    assert labelled_dates(page(body=body)).published is None


def test_the_page_text_is_read_without_guessing_a_locale_for_every_phrase(monkeypatch: pytest.MonkeyPatch) -> None:
    """htmldate's extensive search hands phrases such as "… in 2026" to dateparser, which tries
    every locale it knows (seconds on its first call); the page's dates are read without it."""
    import dateparser

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("dateparser consulted")

    monkeypatch.setattr(dateparser.DateDataParser, "get_date_data", refuse)
    body = f"<h1>{TITLE}</h1><p>Top 5 tents of 2026</p><p>The 10 best trails in 2026</p>{FILLER}"
    assert read_metadata(page(body=body), URL, FETCHED).date_published is None


def test_a_utc_instant_is_told_in_the_pages_offset_when_that_is_the_printed_day() -> None:
    """A blog west of Greenwich publishing in its evening: the structured time is in UTC (the next
    day there), the byline prints the local day, and the page's other times state its offset."""
    head = ld({"@type": "BlogPosting", "headline": TITLE, "datePublished": "2025-12-19T02:41:41+00:00"})
    body = (
        f"<article><h1>{TITLE}</h1><p class='byline'>December 18, 2025</p>{FILLER}</article>"
        "<section><p>Dana said: <time datetime='2025-12-18T21:46:01-05:00'>December 18, 2025, 9:46 pm</time></p>"
        "</section>"
    )
    published = read_metadata(page(head, body), URL, FETCHED).date_published
    assert published is not None and (published.date(), published.utcoffset()) == (
        date(2025, 12, 18),
        EST.utcoffset(None),
    )
    assert published == datetime(2025, 12, 19, 2, 41, 41, tzinfo=UTC)  # the same instant


def test_a_printed_day_no_clock_can_tell_the_utc_instant_on_overrules_it() -> None:
    """22:02 UTC on the 19th is the 19th or 20th everywhere: a byline printing the 18th is another
    day than the structured one (a CMS's save time), so the printed day is the publication."""
    head = ld({"@type": "BlogPosting", "headline": TITLE, "datePublished": "2025-12-19T22:02:58Z"})
    body = f"<article><h1>{TITLE}</h1><div>Dec 18, 2025</div>{FILLER}</article>"
    published = read_metadata(page(head, body), URL, FETCHED).date_published
    assert published is not None and published.date() == date(2025, 12, 18)


def test_the_dateline_is_read_after_a_headline_shown_outside_an_h1() -> None:
    """A page builder's styled paragraphs: the headline, the team, the day."""
    body = f"<div><p>{TITLE}</p></div><div><p>Outdoors Team</p></div><div><p>Feb 16, 2026</p></div>{FILLER}"
    shown = shown_dates(page(body=body), TITLE)
    assert shown.published is not None and shown.published.days == (date(2026, 2, 16),)


def test_a_logo_h1_does_not_hide_the_element_that_shows_the_headline() -> None:
    body = (
        "<div class='title'><h1><a href='/'>Outdoors</a></h1></div>"
        f"<div class='blurb'>{FILLER}</div>"
        f"<fieldset><legend>{TITLE}</legend>20 December 2025<div>{FILLER}</div></fieldset>"
    )
    shown = shown_dates(page(body=body), TITLE, URL)
    assert shown.published is not None and shown.published.days == (date(2025, 12, 20),)
