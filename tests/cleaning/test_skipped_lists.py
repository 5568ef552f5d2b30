"""Lists and subheadings printed between two of the body's paragraphs, as their siblings, come back;
other lists, and paragraphs, do not."""

from __future__ import annotations

from lxml import html as lxml_html

from cleaning.blocks import Block
from cleaning.lists import with_skipped_lists
from cleaning.template import PageIndex
from tests.support.pages import PROSE, paragraphs

POINTS = [
    "Fixed hulls: the first batch cannot take the new sonar without a refit in dry dock.",
    "Slow repairs: a failed pump means cutting through two decks to reach it.",
]


def page(inner: str, *, sidebar: str = "") -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(
        "<html><body><nav><ul><li><a href='/a'>Home</a></li><li><a href='/b'>World</a></li></ul></nav>"
        f"<article><div class='body'>{inner}</div></article>{sidebar}</body></html>"
    )


def items(texts: list[str], *, link: bool = False, cls: str = "") -> str:
    li = "".join(f"<li><a href='/s/{i}'>{t}</a></li>" if link else f"<li>{t}</li>" for i, t in enumerate(texts))
    return f"<ul class='{cls}'>{li}</ul>"


def texts(blocks: list[Block]) -> list[str]:
    return [b.text for b in blocks]


def test_a_list_between_two_kept_paragraphs_is_put_back_as_one_group() -> None:
    tree = page(paragraphs(PROSE[:2]) + items(POINTS) + paragraphs(PROSE[2:]))
    blocks = with_skipped_lists(PageIndex(tree), [Block("p", t) for t in PROSE])
    assert texts(blocks) == [*PROSE[:2], *POINTS, *PROSE[2:]]
    assert blocks[2].group is not None and blocks[2].group == blocks[3].group


def test_a_list_after_the_last_kept_paragraph_stays_out() -> None:
    """After the body's last paragraph is where a template prints its lists."""
    tree = page(paragraphs(PROSE) + items(POINTS))
    assert texts(with_skipped_lists(PageIndex(tree), [Block("p", t) for t in PROSE])) == PROSE


def test_lists_of_links_promo_lists_and_lists_kept_in_part_stay_as_they_are() -> None:
    for middle, kept in (
        (items(POINTS, link=True), PROSE),  # other stories
        (items(POINTS, cls="related-links"), PROSE),  # a box the markup names
        (items(POINTS), [*PROSE[:2], POINTS[0], *PROSE[2:]]),  # the extraction judged it item by item
    ):
        tree = page(paragraphs(PROSE[:2]) + middle + paragraphs(PROSE[2:]))
        blocks = [Block("p", t) for t in kept]
        assert texts(with_skipped_lists(PageIndex(tree), blocks)) == kept


def test_a_list_in_another_container_between_the_paragraphs_stays_out() -> None:
    """Two kept paragraphs in different containers: what lies between them is not their run of prose."""
    box = f"<div class='box'>{items(POINTS)}</div>"
    tree = page(f"<div>{paragraphs(PROSE[:2])}</div>{box}<div>{paragraphs(PROSE[2:])}</div>")
    assert texts(with_skipped_lists(PageIndex(tree), [Block("p", t) for t in PROSE])) == PROSE


def test_a_subheading_between_two_kept_paragraphs_is_put_back_as_a_heading() -> None:
    tree = page(paragraphs(PROSE[:2]) + "<h3>The second batch</h3>" + paragraphs(PROSE[2:]))
    blocks = with_skipped_lists(PageIndex(tree), [Block("p", t) for t in PROSE])
    assert [(b.kind, b.text) for b in blocks][1:4] == [("p", PROSE[1]), ("h", "The second batch"), ("p", PROSE[2])]


def test_a_caption_paragraph_between_two_kept_paragraphs_stays_out() -> None:
    """A paragraph the extraction dropped between two others is its call (a caption, a credit line)."""
    tree = page(paragraphs(PROSE[:2]) + "<p>The yard's dry dock. Photo by a reader.</p>" + paragraphs(PROSE[2:]))
    assert texts(with_skipped_lists(PageIndex(tree), [Block("p", t) for t in PROSE])) == PROSE
