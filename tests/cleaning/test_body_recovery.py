"""Article text the extractors' output holds in odd places, and paragraphs the strict run cut:
sections printed as a subheading and bare sentences, and items only the balanced run kept."""

from __future__ import annotations

from lxml import html as lxml_html

from cleaning.arbitrate import arbitrate
from cleaning.blocks import Block
from cleaning.extract import Page, extract_page
from cleaning.options import CleanOptions
from cleaning.template import PageIndex
from tests.support.pages import PROSE, html_page, paragraphs

POINTS = [
    "Welders trained at the yard's own school join the night shift in March.",
    "Steel for the first two hulls is already cut and waiting in the fabrication hall.",
]


def extract(html: str) -> list[str]:
    page = extract_page(html.encode(), "https://example.com/a", CleanOptions.build("x"))
    assert isinstance(page, Page), page
    return [b.text for b in page.blocks]


def test_sentences_printed_after_a_subheading_without_a_paragraph_are_kept() -> None:
    """``<h2>Why</h2>Text.<h2>…``: the text is the tail of the heading in trafilatura's output."""
    sections = f"<h2>The order</h2>{PROSE[2]}<br><br><h2>The trials</h2>{PROSE[3]}<br>"
    body = paragraphs(PROSE[:2]) + f"<div>{sections}</div><div class='ad'></div>"
    blocks = extract(html_page(body))
    assert blocks == [*PROSE[:2], "The order", PROSE[2], "The trials", PROSE[3]]


def test_a_date_line_printed_after_the_headline_is_not_a_paragraph() -> None:
    """A bare line after a heading that is not a sentence (a date, a byline) stays out."""
    sections = f"<h2>The trials</h2>Monday, 4 March 2025 at 09:30<br><br>{PROSE[3]}<br>"
    body = paragraphs(PROSE[:3]) + f"<div>{sections}</div><div class='ad'></div>"
    blocks = extract(html_page(body))
    assert "Monday, 4 March 2025 at 09:30" not in blocks
    assert all(p in blocks for p in PROSE)


def _page(inner: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(
        "<html><body><nav><ul><li><a href='/a'>Home</a></li></ul></nav>"
        f"<article><div class='body'>{inner}</div></article>"
        "<div class='more'><p>Another story of the site about a new rifle for the squads.</p></div></body></html>"
    )


def _blocks(texts: list[str]) -> list[Block]:
    return [Block("p", t) for t in texts]


def test_a_list_between_kept_paragraphs_comes_back_from_the_balanced_run() -> None:
    points = "<ul>" + "".join(f"<li>{p}</li>" for p in POINTS) + "</ul>"
    tree = _page(paragraphs(PROSE[:2]) + points + paragraphs(PROSE[2:]))
    precise = _blocks(PROSE)
    balanced = _blocks([*PROSE[:2], *POINTS, *PROSE[2:]])
    assert [b.text for b in arbitrate(PageIndex(tree), precise, balanced)] == [*PROSE[:2], *POINTS, *PROSE[2:]]


def test_what_only_the_balanced_run_found_around_the_article_stays_out() -> None:
    """Before the first and after the last strict paragraph is where the template's chrome is."""
    teaser = "Another story of the site about a new rifle for the squads."
    tree = _page(paragraphs(PROSE))
    balanced = _blocks(["Home", *PROSE, teaser])
    assert [b.text for b in arbitrate(PageIndex(tree), _blocks(PROSE), balanced)] == PROSE


def test_links_and_boxes_between_kept_paragraphs_stay_out() -> None:
    """A list of links to other stories, or a box marked as a promo, inside the article."""
    links = "<ul>" + "".join(f"<li><a href='/s/{i}'>{p}</a></li>" for i, p in enumerate(POINTS)) + "</ul>"
    promo = "<div class='promo-box'><p>Our weekly briefing covers every shipyard in the country.</p></div>"
    tree = _page(paragraphs(PROSE[:2]) + links + promo + paragraphs(PROSE[2:]))
    balanced = _blocks([*PROSE[:2], *POINTS, "Our weekly briefing covers every shipyard in the country.", *PROSE[2:]])
    assert [b.text for b in arbitrate(PageIndex(tree), _blocks(PROSE), balanced)] == PROSE
