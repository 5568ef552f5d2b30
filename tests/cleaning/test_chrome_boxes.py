"""Template boxes inside the body (a sign-up, a call to action, a disclosure) go by the page's markup."""

from __future__ import annotations

import pytest

from cleaning.extract import Page, extract_page
from cleaning.options import CleanOptions
from tests.support.pages import PROSE, html_page, paragraphs

SIGN_UP = "Would you like to get our stories about the fleet in your inbox every morning?"


def extract(html: str) -> list[str]:
    page = extract_page(html.encode(), "https://example.com/a", CleanOptions.build("x"))
    assert isinstance(page, Page), page
    return [b.text for b in page.blocks]


@pytest.mark.parametrize(
    "box",
    [
        f"<div class='newsletter-signup'><p>{SIGN_UP}</p></div>",
        f"<div class='tnp-subscription-posts'><p>{SIGN_UP}</p></div>",
        f"<div id='headerNewsletter'><p>{SIGN_UP}</p></div>",
        f"<div class='post-cta'><h4>{SIGN_UP}</h4></div>",
        f"<div class='disclosure-container'><p>{SIGN_UP}</p></div>",
        f"<aside><p>{SIGN_UP}</p></aside>",
    ],
)
def test_a_box_the_markup_names_as_chrome_is_dropped(box: str) -> None:
    assert extract(html_page(paragraphs(PROSE[:2]) + box + paragraphs(PROSE[2:]))) == PROSE


def test_an_article_whose_own_container_carries_such_a_name_is_kept() -> None:
    """A blog platform names its posts ``newsletter-post``: the box holding the body is the article."""
    page = html_page(f"<div class='newsletter-post'>{paragraphs(PROSE)}</div>")
    assert extract(page) == PROSE


def test_a_heading_whose_anchor_id_holds_such_a_word_is_kept() -> None:
    """Ids made from a heading's text ("what-share-of-voters…") are anchors, not box names."""
    heading = "What share of the fleet is ready for sea?"
    body = paragraphs(PROSE[:2]) + f"<h2 id='what-share-of-the-fleet-is-ready'>{heading}</h2>" + paragraphs(PROSE[2:])
    assert extract(html_page(body)) == [*PROSE[:2], heading, *PROSE[2:]]
