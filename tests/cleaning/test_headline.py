"""The headline a reader sees, vouched for by the page's own metadata; never the site's logo or name."""

from __future__ import annotations

import pytest
from lxml import html

from cleaning.metadata import read_metadata

URL = "https://www.example-news.com/2025/12/a-story/"


def page(head: str, body: str) -> html.HtmlElement:
    return html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


@pytest.mark.parametrize(
    ("head", "body", "headline"),
    [
        # The visible h1 over an SEO rewrite of it in og:title, when a title vouches for the h1.
        (
            "<title>Best Laptops of 2026, Tested | Gadget Lab</title>"
            "<meta property='og:title' content='Buying a laptop? Read this first'>",
            "<h1>Best Laptops of 2026, Tested</h1><p>Text.</p>",
            "Best Laptops of 2026, Tested",
        ),
        # The site's name at either end of a title is not the headline's.
        (
            "<title>Is it really always the DNS? | Example News</title>"
            "<meta property='og:site_name' content='Example News'>",
            "<p>Text.</p>",
            "Is it really always the DNS?",
        ),
        (
            "<meta property='og:title' content='Example-News.com - Tanks in the Baltic'>",
            "<p>Text.</p>",
            "Tanks in the Baltic",
        ),
        # A site logo printed as an h1 (a link to the home page) gives way to the structured title.
        (
            "<title>Small models, big results - Data Notes</title>"
            "<meta property='og:title' content='Small models, big results'>",
            "<h1><a href='/'>Data Notes</a></h1><h1>Notes from the lab</h1><p>Text.</p>",
            "Small models, big results",
        ),
        # An h1 that is only a word of the title is a stray phrase, not the headline.
        (
            "<meta property='og:title' content='How we audited Vercel, Discord and a hundred more'>",
            "<h1>Discord</h1><p>Text.</p>",
            "How we audited Vercel, Discord and a hundred more",
        ),
        # A dash inside the headline is not a site separator when nothing names a site there.
        (
            "<title>Wedding Planning Tools - Caterer Comparison Sheet</title>",
            "<p>Text.</p>",
            "Wedding Planning Tools - Caterer Comparison Sheet",
        ),
        # No metadata title at all: the h1 as printed.
        ("", "<h1>Only an h1 here</h1><p>Text.</p>", "Only an h1 here"),
    ],
)
def test_headline(head: str, body: str, headline: str) -> None:
    assert read_metadata(page(head, body), URL).headline == headline


def test_an_h1_spanning_the_titles_parts_is_vouched_for() -> None:
    head = "<title>Wedding Planning Tools - Caterer Comparison Sheet - Happily Wed</title>"
    body = "<h1>Wedding Planning Tools – Caterer Comparison Sheet</h1>"
    assert read_metadata(page(head, body), URL).headline == "Wedding Planning Tools – Caterer Comparison Sheet"


def test_a_page_whose_only_h1_is_the_logo_still_has_a_headline() -> None:
    assert read_metadata(page("", "<h1><a href='/'>Data Notes</a></h1>"), URL).headline == "Data Notes"


@pytest.mark.parametrize(
    ("body", "headline"),
    [
        # A page builder shows the headline in a styled paragraph, the tagline nowhere: the tagline goes.
        ("<div><p>Top 5 Tents of 2026</p></div><p>Text.</p>", "Top 5 Tents of 2026"),
        # The whole title is displayed: it is the headline, separator and all.
        ("<p>Top 5 Tents of 2026 | Field Tested</p><p>Top 5 Tents of 2026</p>", "Top 5 Tents of 2026 | Field Tested"),
        # No part is displayed on its own: the title stays as published.
        ("<p>Text about Top 5 Tents of 2026.</p>", "Top 5 Tents of 2026 | Field Tested"),
    ],
)
def test_a_tagline_the_page_does_not_display_leaves_the_title(body: str, headline: str) -> None:
    head = "<meta property='og:title' content='Top 5 Tents of 2026 | Field Tested'>"
    assert read_metadata(page(head, body), URL).headline == headline
