"""The date a page prints with its headline, checked against (and sometimes overruling) its structured dates."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from lxml import html

from cleaning.dateline import shown_dates
from cleaning.metadata import read_metadata

FETCHED = datetime(2026, 6, 1, tzinfo=UTC)
URL = "https://news.example/story/"
EST = timezone(timedelta(hours=-5))
TITLE = "Navy Tests a New Drone"


def page(head: str = "", body: str = "") -> html.HtmlElement:
    return html.document_fromstring(
        f"<html lang='en'><head><title>{TITLE} | News</title>{head}</head><body>{body}</body></html>"
    )


def ld(node: dict[str, Any]) -> str:
    return f"<script type='application/ld+json'>{json.dumps({'@context': 'https://schema.org', **node})}</script>"


def story(byline: str, lede: str = "The Navy flew the drone off a carrier for the first time.") -> str:
    return (
        "<header><nav><a href='/'>Home</a> <a href='/defense'>Defense</a></nav></header>"
        f"<article><h1>{TITLE}</h1>{byline}<p>{lede}</p><p>More of the story follows here.</p></article>"
    )


def published_day(head: str, body: str) -> str | None:
    published = read_metadata(page(head, body), URL, FETCHED).date_published
    return published.date().isoformat() if published else None


def test_the_printed_date_overrules_a_structured_date_far_from_it() -> None:
    """A CMS that stamps every page with its migration day: the byline's date is the article's."""
    head = ld({"@type": "NewsArticle", "headline": TITLE, "datePublished": "2019-06-30T00:00:00Z"})
    body = story("<div class='byline'><span>By Dana Lee</span><span>March 4, 2025</span></div>")
    assert published_day(head, body) == "2025-03-04"


def test_a_structured_date_that_agrees_with_the_printed_day_is_kept_with_its_time() -> None:
    head = ld({"@type": "NewsArticle", "datePublished": "2019-06-30T00:00:00Z"})
    head += "<meta property='article:published_time' content='2025-03-04T14:20:00-05:00'>"
    body = story("<p class='meta'>By Dana Lee · Mar. 4, 2025</p>")
    published = read_metadata(page(head, body), URL, FETCHED).date_published
    assert published == datetime(2025, 3, 4, 14, 20, tzinfo=EST)


def test_a_printed_day_one_day_from_the_structured_instant_keeps_the_instant() -> None:
    """A UTC instant just after midnight prints as the day before in the newsroom's zone: the same
    publication, so the structured value (with its time) stands."""
    head = ld({"@type": "NewsArticle", "datePublished": "2025-03-05T02:10:00Z"})
    body = story("<p class='meta'>March 4, 2025</p>")
    published = read_metadata(page(head, body), URL, FETCHED).date_published
    assert published == datetime(2025, 3, 5, 2, 10, tzinfo=UTC)


def test_an_update_line_is_not_the_publication_but_is_the_modification() -> None:
    head = ld({"@type": "NewsArticle", "datePublished": "2024-02-10T09:00:00Z"})
    body = story("<p class='meta'>By Dana Lee <span>Updated on November 18, 2025</span></p>")
    meta = read_metadata(page(head, body), URL, FETCHED)
    assert meta.date_published == datetime(2024, 2, 10, 9, tzinfo=UTC)
    assert meta.date_modified is not None and meta.date_modified.date() == date(2025, 11, 18)


@pytest.mark.parametrize(
    ("structured_modified", "modified_day"),
    [("2025-11-20T16:06:10Z", date(2025, 8, 14)), ("2025-08-15T02:00:00Z", date(2025, 8, 15))],
    ids=["months apart: the printed line", "a day apart: the structured instant"],
)
def test_the_printed_update_line_checks_the_structured_modification(
    structured_modified: str, modified_day: date
) -> None:
    """A CMS restamps dateModified on every save; the line printed by the headline says when the
    article changed, so it wins when it is more than a day away (a time zone's difference is not)."""
    head = ld({"@type": "NewsArticle", "datePublished": "2025-05-19T22:12:02Z", "dateModified": structured_modified})
    body = story("<p class='meta'>By Dana Lee <span>Updated August 14, 2025</span></p>")
    meta = read_metadata(page(head, body), URL, FETCHED)
    assert meta.date_published == datetime(2025, 5, 19, 22, 12, 2, tzinfo=UTC)
    assert meta.date_modified is not None and meta.date_modified.date() == modified_day


def test_a_label_in_its_own_element_before_the_headline_marks_an_update() -> None:
    """ "Last updated:" and the date in two elements, above the h1: the update, not the publication."""
    body = (
        "<main><div><div class='label'>Last updated:</div><div class='value'>Dec 12, 2025</div></div>"
        f"<h1>{TITLE}</h1><p>The Navy flew the drone off a carrier for the first time.</p></main>"
    )
    shown = shown_dates(page(body=body), TITLE)
    assert shown.published is None
    assert shown.updated is not None and shown.updated.days == (date(2025, 12, 12),)


def test_the_printed_update_day_does_not_overrule_the_structured_publication() -> None:
    """A template that prints only the last-modified day, unlabelled: the structured datePublished
    says when the article first appeared, the printed day is its modification."""
    head = ld({"@type": "NewsArticle", "datePublished": "2023-05-02T08:00:00Z", "dateModified": "2025-10-17T08:00:00Z"})
    body = story("<p class='meta'>By Dana Lee October 17, 2025</p>")
    assert published_day(head, body) == "2023-05-02"


def test_a_swappable_numeric_date_agrees_with_the_structured_day_either_way() -> None:
    head = ld({"@type": "NewsArticle", "datePublished": "2025-08-01T15:00:00Z"})
    body = story("<p class='meta'>08/01/2025</p>")
    assert published_day(head, body) == "2025-08-01"
    assert shown_dates(page(head, body), TITLE).published.days == (date(2025, 1, 8), date(2025, 8, 1))  # type: ignore[union-attr]


def test_a_date_inside_the_lede_sentence_is_no_dateline() -> None:
    head = ld({"@type": "NewsArticle", "datePublished": "2025-04-02T10:00:00Z"})
    lede = "On March 3, 2024, the Navy said it would fly the drone off a carrier before the end of the year."
    body = story("<p class='meta'>By Dana Lee</p>", lede=lede)
    assert shown_dates(page(head, body), TITLE).published is None
    assert published_day(head, body) == "2025-04-02"


def test_without_structured_dates_the_printed_date_beats_other_dates_on_the_page() -> None:
    """No structured date: the day printed above the h1, not a date from the site's header or a
    teaser list, is the publication."""
    body = (
        "<div class='topbar'>Friday, December 19, 2025</div>"
        "<p>Navigation and links to the sections of the site, many of them, one after another, for"
        " readers who browse rather than search, with a search box and a sign-in link as well.</p>"
        f"<div class='kicker'>Defense · January 23, 2025</div><h1>{TITLE}</h1>"
        "<p>The Navy flew the drone off a carrier for the first time.</p>"
        "<ul><li>Older story, May 2, 2024</li><li>Another story, June 9, 2024</li></ul>"
    )
    assert published_day("", body) == "2025-01-23"


def test_the_dateline_is_read_by_the_only_h1_when_the_headline_is_a_rewrite() -> None:
    head = ld({"@type": "NewsArticle", "headline": "Navy drone test: what you need to know"})
    body = story("<time datetime='2025-03-04T09:00:00-05:00'>4 March</time>")
    assert shown_dates(page(head, body), "Navy drone test: what you need to know").published is not None
    assert published_day(head, body) == "2025-03-04"


@pytest.mark.parametrize(
    "byline",
    [
        "<p>4 March 2025</p>",
        "<p>2025-03-04</p>",
        "<p>Published: 04.03.2025</p>",
        "<p>le 4 mars 2025</p>",
        "<p>By Dana Lee | <time datetime='2025-03-04'>Tuesday</time></p>",
    ],
)
def test_dateline_forms(byline: str) -> None:
    shown = shown_dates(page(body=story(byline)), TITLE)
    assert shown.published is not None and date(2025, 3, 4) in shown.published.days
