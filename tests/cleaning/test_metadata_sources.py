"""Metadata from every source a real page has, each case a page shaped like the ones publishers serve."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from lxml import html

from cleaning.boilerplate import BoilerplateStats
from cleaning.metadata import read_metadata
from cleaning.options import CleanOptions
from cleaning.pipeline import clean_batch
from corpus.cleaning_rules import CleaningRules
from corpus.pages import FetchedPage
from tests.support import cleaning_sites as sites

FETCHED = datetime(2026, 6, 1, tzinfo=UTC)
URL = "https://news.example/story/"
EST = timezone(timedelta(hours=-5))


def page(head: str = "", body: str = "") -> html.HtmlElement:
    return html.document_fromstring(f"<html lang='en'><head><title>T</title>{head}</head><body>{body}</body></html>")


def ld(node: dict[str, Any]) -> str:
    return f"<script type='application/ld+json'>{json.dumps({'@context': 'https://schema.org', **node})}</script>"


def test_json_ld_strings_are_entity_decoded() -> None:
    head = ld({"@type": "NewsArticle", "headline": "Cyber M&#038;A Roundup", "articleSection": "M&amp;A Tracker"})
    meta = read_metadata(page(head), URL, FETCHED)
    assert (meta.headline, meta.section) == ("Cyber M&A Roundup", "M&A Tracker")


def test_json_ld_with_raw_newlines_in_strings_is_read() -> None:
    head = '<script type=\'application/ld+json\'>{"@type": "NewsArticle", "headline": "Two\nlines"}</script>'
    assert read_metadata(page(head), URL, FETCHED).headline == "Two lines"


def test_person_given_by_byline_not_name() -> None:
    head = ld({"@type": "NewsArticle", "author": {"@type": "Person", "byline": "Gopal Sharma"}})
    assert read_metadata(page(head), URL, FETCHED).authors == ["Gopal Sharma"]


def test_author_meta_tags_are_a_fallback() -> None:
    head = ld({"@type": "NewsArticle"}) + "<meta property='article:author' content='Dana Whitfield'>"
    assert read_metadata(page(head), URL, FETCHED).authors == ["Dana Whitfield"]
    head = "<meta name='parsely-author' content='Omar Haddad'>"
    assert read_metadata(page(head), URL, FETCHED).authors == ["Omar Haddad"]
    head = "<meta name='twitter:label1' content='Written by'><meta name='twitter:data1' content='Lena Park'>"
    assert read_metadata(page(head), URL, FETCHED).authors == ["Lena Park"]


def test_an_author_meta_tag_holding_a_profile_url_is_not_a_name() -> None:
    head = "<meta property='article:author' content='https://social.example/newsdesk'>"
    assert read_metadata(page(head), URL, FETCHED).authors == []


def test_organisation_as_author_gives_way_to_the_visible_byline() -> None:
    head = ld({"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Example Media"}})
    body = "<h1>Story</h1><div class='meta'><a href='/authors/maria-lopez/'>Maria Lopez</a></div><p>Text.</p>"
    assert read_metadata(page(head, body), URL, FETCHED).authors == ["Maria Lopez"]
    # With no person anywhere, the organisation is the author.
    assert read_metadata(page(head, "<p>Text.</p>"), URL, FETCHED).authors == ["Example Media"]


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("<span itemprop='author' itemscope><span itemprop='name'>Sam O'Brien</span></span>", ["Sam O'Brien"]),
        ("<p class='byline'>By Nicole Burke and Ari Stone</p>", ["Nicole Burke", "Ari Stone"]),
        ("<p>Written by <a href='/team/x'>Moses Kim</a></p>", ["Moses Kim"]),
        ("<a rel='author' href='/u/7'>Priya Natarajan</a>", ["Priya Natarajan"]),
        ("<p>By clicking subscribe you agree to our terms</p>", []),
        ("<div class='byline'><span>By</span> <a href='/x'>Scott Pletcher</a></div>", ["Scott Pletcher"]),
        ("<p>By Julian Arni, Dec 2</p>", ["Julian Arni"]),
        ("<a href='/authors/jane-roe/'>All stories</a>", []),
        # The label printed apart from the name, with or without a space between them.
        ("<div><span>By</span><span>Daryl Austin</span></div>", ["Daryl Austin"]),
        ("<p><span>Written by:</span><a href='/x'>Elise Nass</a></p>", ["Elise Nass"]),
        ("<p><span>Author</span> <span>Lisa D. Ellis</span></p>", ["Lisa D. Ellis"]),
        # What the line prints after the name: a date, a reading time, a category.
        ("<footer>Posted by Colin Watson on 2025-12-18 in debusine.</footer>", ["Colin Watson"]),
        (
            "<div><span>By</span><span>The Meetingnotes Team|6mins|February 28, 2026</span></div>",
            ["The Meetingnotes Team"],
        ),
        # A theme's author box names the author by its class names.
        ("<div class='author-box'><h4 class='author-box__name'>Joakim Edin</h4></div>", ["Joakim Edin"]),
    ],
)
def test_visible_byline(body: str, names: list[str]) -> None:
    assert read_metadata(page("", body), URL, FETCHED).authors == names


def test_author_classes_after_a_handle_are_a_comment_threads() -> None:
    """The first element a theme calls the author's name is a handle: later ones are commenters."""
    body = "<span class='author-name'>jsteinhardt</span><p>Text.</p><span class='author-name'>Oliver Daniels</span>"
    assert "Oliver Daniels" not in read_metadata(page("", body), URL, FETCHED).authors


def test_desk_bylines_are_names_but_job_titles_after_a_name_are_not() -> None:
    head = "<meta name='author' content='Lifestyle Desk'>"
    assert read_metadata(page(head), URL, FETCHED).authors == ["Lifestyle Desk"]
    head = "<meta name='author' content='Dylan Bailey, MS, RD, FAND'>"
    assert read_metadata(page(head), URL, FETCHED).authors == ["Dylan Bailey"]


def test_json_ld_date_without_offset_takes_the_offset_the_page_states() -> None:
    head = ld({"@type": "NewsArticle", "datePublished": "2025-03-01T21:30:00"}) + (
        "<meta property='article:published_time' content='2025-03-01T21:30:00-05:00'>"
    )
    meta = read_metadata(page(head), URL, FETCHED)
    assert meta.date_published == datetime(2025, 3, 1, 21, 30, tzinfo=EST)
    assert meta.date_published is not None and meta.date_published.date().isoformat() == "2025-03-01"


def test_stated_offset_is_kept_as_published() -> None:
    head = ld({"@type": "NewsArticle", "datePublished": "2025-03-01T23:30:00+09:00"})
    published = read_metadata(page(head), URL, FETCHED).date_published
    assert published is not None and published.utcoffset() == timedelta(hours=9)


def test_visible_date_read_when_structured_data_has_none() -> None:
    body = "<h1>Story</h1><p class='date'>Published on March 14, 2025</p><p>Text of the story.</p>"
    meta = read_metadata(page("", body), URL, FETCHED)
    assert meta.date_published is not None and meta.date_published.date().isoformat() == "2025-03-14"


@pytest.mark.parametrize(
    ("head", "url", "reason"),
    [
        ("<meta property='article:published_time' content='0001-01-01T00:00:00+05:30'>", URL, "out_of_range"),
        ("<meta property='article:published_time' content='9999-12-31T23:59:59-05:00'>", URL, "out_of_range"),
        ("<meta property='article:published_time' content='2030-01-01T00:00:00Z'>", URL, "after_fetch"),
        ("", "https://news.example/2023/02/31/story/", None),
    ],
)
def test_impossible_dates_are_refused_with_a_reason(head: str, url: str, reason: str | None) -> None:
    meta = read_metadata(page(head), url, FETCHED)
    assert meta.date_published is None
    assert meta.refused == ([f"date_published_{reason}"] if reason else [])


def test_an_impossible_date_falls_back_to_the_next_source() -> None:
    head = "<meta property='article:published_time' content='0001-01-01T00:00:00+05:30'>"
    meta = read_metadata(page(head), "https://news.example/2024/05/17/story/", FETCHED)
    assert meta.date_published == datetime(2024, 5, 17, tzinfo=UTC)


def test_a_page_with_impossible_dates_is_cleaned_with_the_rest_of_the_batch() -> None:
    """One bad page never stops a site's clean: every article is published, the refusal counted."""
    posts = sites.site_posts()[:4]
    pages = sites.fetched(posts)
    bad = pages[1].html.replace(b"<head>", b"<head><meta name='date' content='9999-12-31T23:59:59-05:00'>", 1)
    pages[1] = FetchedPage(pages[1].url, bad, pages[1].fetched_at, "w.warc.gz", "<urn:uuid:1>")
    result = clean_batch(
        pages, CleanOptions.build("example", CleaningRules(body_selector="div.body")), BoilerplateStats()
    )
    assert len(result.articles) == 4
    assert not result.rejected


def test_a_page_whose_cleaning_raises_is_rejected_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import cleaning.pipeline as pipeline

    real = pipeline.extract_page
    posts = sites.site_posts()[:3]

    def failing(data: bytes, url: str, *args: Any) -> Any:
        if url == posts[1].url:
            raise OverflowError("date value out of range")
        return real(data, url, *args)

    monkeypatch.setattr(pipeline, "extract_page", failing)
    result = clean_batch(
        sites.fetched(posts), CleanOptions.build("example", CleaningRules(body_selector="div.body")), BoilerplateStats()
    )
    assert sorted(a.url for a in result.articles) == sorted([posts[0].url, posts[2].url])
    assert result.rejected == Counter({"error": 1})


@pytest.mark.parametrize(("hours_after_fetch", "kept"), [(3, True), (8, False)])
def test_a_crawler_clock_behind_the_publisher_is_tolerated(hours_after_fetch: int, kept: bool) -> None:
    """The crawler's clock a few hours behind: the page's dates are later than ``fetched_at`` but true."""
    from cleaning.extract import Page, extract_page

    published = FETCHED + timedelta(hours=hours_after_fetch)
    head = f"<meta property='article:published_time' content='{published.isoformat()}'><title>T</title>"
    body = "<h1>T</h1>" + "".join(f"<p>{p}</p>" for p in sites.prose(9))
    result = extract_page(
        f"<html><head>{head}</head><body>{body}</body></html>".encode(), URL, CleanOptions.build("x"), FETCHED
    )
    assert isinstance(result, Page)
    assert (result.metadata.date_published == published) is kept


def test_a_date_within_the_clock_tolerance_is_published_not_refused_as_invalid() -> None:
    """Kept by the metadata, the date must be one an Article holds (before: ``invalid``, the article lost)."""
    posts = sites.site_posts()[:3]
    pages = sites.fetched(posts)
    early = list(pages)
    published = {p.url: read_metadata(html.fromstring(p.html), p.url, None).date_published for p in pages}
    early[0] = FetchedPage(
        pages[0].url, pages[0].html, published[pages[0].url] - timedelta(hours=3), pages[0].warc_file, "<urn:uuid:9>"
    )  # a crawler clock 3 hours behind the publisher's
    options = CleanOptions.build("example", CleaningRules(body_selector="div.body"))
    result = clean_batch(early, options, BoilerplateStats())
    assert not result.rejected
    by_url = {a.url: a for a in result.articles}
    assert by_url[pages[0].url].date_published == published[pages[0].url]


def test_an_author_named_like_the_site_gives_way_to_a_person() -> None:
    head = "<meta property='og:site_name' content='EXAMPLE TODAY'><meta name='author' content='Example Today'>"
    body = "<h1>Story</h1><p class='byline'>By Brian Truitt</p><p>Text.</p>"
    assert read_metadata(page(head, body), URL, FETCHED).authors == ["Brian Truitt"]


def test_a_personal_sites_author_is_named_like_the_site() -> None:
    head = "<meta property='og:site_name' content='Paige Brunton'>"
    body = "<h1>Story</h1><p class='byline'>By Paige Brunton</p><p>Text.</p>"
    assert read_metadata(page(head, body), URL, FETCHED).authors == ["Paige Brunton"]


@pytest.mark.parametrize("value", ["page.head.extra.author", "andrew.keaveney", "October"])
def test_template_placeholders_usernames_and_months_are_not_names(value: str) -> None:
    assert read_metadata(page(f"<meta name='author' content='{value}'>"), URL, FETCHED).authors == []


def test_a_publication_meta_tag_written_for_readers_is_read_by_its_day() -> None:
    head = "<meta name='published' content='July 17, 2025'><meta name='read-time' content='12 Minute Read'>"
    assert read_metadata(page(head), URL, FETCHED).date_published == datetime(2025, 7, 17, tzinfo=UTC)


def test_the_byline_search_reads_the_article_that_holds_the_headline() -> None:
    """A related story's author printed above the article is not this article's."""
    body = (
        "<div class='teaser'><a href='/other/'>Another story</a><div class='author'>Sam Side</div></div>"
        "<article><h1>Navy Tests a New Drone</h1><div class='author'>Dana Lee</div>"
        "<p>The Navy flew the drone off a carrier for the first time.</p></article>"
    )
    assert read_metadata(page(body=body), URL, FETCHED).authors == ["Dana Lee"]
