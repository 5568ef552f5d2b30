"""The generic path (a page whose site has no body selector): trafilatura plus page-only filters."""

from __future__ import annotations

from copy import copy

import pytest
from lxml import etree
from lxml import html as lxml_html
from trafilatura import bare_extraction
from trafilatura.settings import Document

from cleaning.extract import Page, extract_page
from cleaning.generic import _run, _variant
from cleaning.options import CleanOptions
from corpus.cleaning_rules import CleaningRules
from tests.support.pages import HEADLINE, PROSE, html_page, paragraphs


def extract(html: str | bytes) -> list[str]:
    page = extract_page(
        html.encode() if isinstance(html, str) else html, "https://example.com/a", CleanOptions.build("x")
    )
    assert isinstance(page, Page), page
    return [b.text for b in page.blocks]


def test_plain_article_comes_out_as_its_paragraphs() -> None:
    assert extract(html_page(paragraphs(PROSE))) == PROSE


def test_headline_repeated_at_the_top_of_the_body_is_dropped() -> None:
    blocks = extract(html_page(f"<p><strong>{HEADLINE}</strong></p>" + paragraphs(PROSE)))
    assert blocks == PROSE


def test_list_of_links_to_other_articles_is_dropped() -> None:
    related = (
        "<ul>"
        + "".join(f'<li><a href="/story/{i}">Other story number {i} about ships</a></li>' for i in range(3))
        + "</ul>"
    )
    blocks = extract(html_page(paragraphs(PROSE[:2]) + related + paragraphs(PROSE[2:])))
    assert blocks == PROSE


def test_labelled_link_is_dropped_but_a_list_of_plain_items_is_kept() -> None:
    labelled = '<p>Related: <a href="/story/9">Army picks a new rifle for its squads</a></p>'
    items = "<ul><li>Three frigates in batch two</li><li>Nine hulls in all</li></ul>"
    blocks = extract(html_page(paragraphs(PROSE[:2]) + labelled + items + paragraphs(PROSE[2:])))
    assert "Related: Army picks a new rifle for its squads" not in blocks
    assert blocks[2:4] == ["Three frigates in batch two", "Nine hulls in all"]  # one paragraph per item


def test_contact_link_of_the_author_is_kept() -> None:
    contact = '<p>Reach the reporter at <a href="mailto:jane@example.com">jane@example.com</a></p>'
    assert "Reach the reporter at jane@example.com" in extract(html_page(paragraphs(PROSE) + contact))


def test_body_split_by_an_ad_break_is_joined() -> None:
    first, rest = PROSE[:2], [p.replace("frigates", "corvettes") for p in PROSE]
    body = (
        f'<div class="grid"><div class="body__container">{paragraphs(first)}</div></div>'
        '<div class="ad"><span>Advertisement</span></div>'
        f'<div class="grid"><div class="body__container">{paragraphs(rest)}</div></div>'
    )
    blocks = extract(html_page(body))
    assert blocks[:2] == first
    assert all(p in blocks for p in rest)


def test_comments_in_a_container_of_another_kind_are_not_joined() -> None:
    comments = (
        '<div class="comments-area"><div class="body__container">'
        + paragraphs([f"Reader comment {i}: " + PROSE[i] for i in range(3)])
        + "</div></div>"
    )
    body = f'<div class="grid"><div class="body__container">{paragraphs(PROSE)}</div></div>'
    blocks = extract(html_page(body, after=comments))
    assert not any(b.startswith("Reader comment") for b in blocks)


FRENCH = "Le ministère des Armées a commandé trois frégates supplémentaires au chantier naval de Lorient."


def test_bytes_in_their_declared_charset_are_decoded() -> None:
    html = html_page(paragraphs([FRENCH, *PROSE])).replace('charset="utf-8"', 'charset="windows-1252"')
    assert FRENCH in extract(html.encode("cp1252"))


def test_bytes_without_a_charset_still_give_the_article() -> None:
    html = html_page(paragraphs([FRENCH, *PROSE])).replace('<meta charset="utf-8">', "")
    blocks = extract(html.encode("cp1252"))
    assert blocks[1:] == PROSE
    assert "Lorient" in blocks[0]  # the accents are the detector's best guess


@pytest.mark.parametrize("focus", ["precision", "balanced", "recall"])
def test_variant_leaves_the_sites_extractor_unchanged(focus: str) -> None:
    options = CleanOptions.build("x")
    options.extractor.fast = True
    variant = _variant(options.extractor, focus=focus)
    assert (variant.focus, variant.fast) == (focus, False)
    assert (options.extractor.focus, options.extractor.fast) == ("balanced", True)


@pytest.mark.parametrize("focus", ["precision", "balanced", "recall"])
def test_each_run_returns_the_body_trafilatura_extracts_as_python(focus: str) -> None:
    """The runs skip trafilatura's plain-text rendering (another output format): the body tree is
    the same as with the python format, which renders the text as well."""
    options = CleanOptions.build("x")
    variant = _variant(options.extractor, focus=focus)
    as_python = copy(variant)
    as_python.format = "python"
    page = html_page(paragraphs(PROSE) + "<ul><li>One point made</li><li>Another point</li></ul>")
    tree = lxml_html.document_fromstring(page)
    with_text = bare_extraction(tree, options=as_python)
    body = _run(tree, variant)
    assert isinstance(with_text, Document) and with_text.text and body is not None
    assert etree.tostring(body) == etree.tostring(with_text.body)


def test_article_that_the_precise_run_discards_comes_from_the_balanced_run() -> None:
    """A body in widget-classed blocks with "more" links: trafilatura's precision mode keeps a few
    words of it, its default keeps the article; the cleaner never comes out shorter than the default."""
    widgets = "".join(f"<div class='item'>{p} <a href='/more'>more</a></div>" for p in PROSE)
    page = (
        f"<html><head><title>{HEADLINE}</title></head><body><header><a href='/'>Home</a></header>"
        f"<h1>{HEADLINE}</h1><div class='sidebar widget'>{widgets}</div><footer>Contact us</footer></body></html>"
    )
    text = " ".join(extract(page))
    assert all(p in text for p in PROSE)


def test_article_that_both_stricter_runs_discard_comes_from_the_recall_run() -> None:
    """A template that prints the article in an <aside>: trafilatura's precision and default modes
    find nothing they trust; the page still gives its article, not an empty body."""
    page = (
        f"<html><head><title>{HEADLINE}</title></head><body><header><a href='/'>Home</a></header>"
        f"<h1>{HEADLINE}</h1><aside>{paragraphs(PROSE)}</aside><footer>Contact us</footer></body></html>"
    )
    assert extract(page) == PROSE


def test_precise_body_is_kept_when_it_holds_the_article() -> None:
    """Chrome that only the balanced run keeps (a short call to action after the article) stays out."""
    after = "<div class='promo'><p>Get our free daily briefing in your inbox every morning.</p></div>"
    assert extract(html_page(paragraphs(PROSE), after=after)) == PROSE


def _with_selector(selector: str) -> CleanOptions:
    return CleanOptions.build("x", CleaningRules(body_selector=selector))


def test_a_sites_body_selector_path_applies_the_page_filters() -> None:
    labelled = '<p>Related: <a href="/story/9">Army picks a new rifle for its squads</a></p>'
    html = html_page(paragraphs(PROSE[:2]) + labelled + paragraphs(PROSE[2:]))
    page = extract_page(html.encode(), "https://example.com/a", _with_selector("div.article-body"))
    assert isinstance(page, Page) and [b.text for b in page.blocks] == PROSE


def test_a_selector_that_matches_nothing_falls_back_to_the_generic_cleaner() -> None:
    labelled = '<p>READ MORE: <a href="/story/9">Army picks a new rifle for its squads</a></p>'
    html = html_page(paragraphs(PROSE[:2]) + labelled + paragraphs(PROSE[2:]))
    page = extract_page(html.encode(), "https://example.com/a", _with_selector("div.story-text"))
    assert isinstance(page, Page) and [b.text for b in page.blocks] == PROSE  # no link line, menu or footer


def test_labels_at_the_edges_of_the_body_are_dropped() -> None:
    body = "<p>Back to blog</p>" + paragraphs(PROSE) + "<p>SHARE</p><p>Tags</p>"
    assert extract(html_page(body)) == PROSE


def test_a_short_sentence_at_the_end_is_kept() -> None:
    assert extract(html_page(paragraphs([*PROSE, "Stay tuned."])))[-1] == "Stay tuned."


def test_screen_reader_labels_are_out_of_the_body_by_whole_class_names_only() -> None:
    """``sr-only`` and the like name text only screen readers get; a class that merely contains
    the name (``sr-only-focusable``, a skip link shown on focus) is not one of them."""
    body = (
        f"<p>{PROSE[0]}<span class='icon\tsr-only'> opens in a new tab</span></p>"
        f"<p>{PROSE[1]}<span class='sr-only-focusable'> Skip to the second half</span></p>"
        f"<p class='x visually-hidden\n'>Share this story on every network</p>{paragraphs(PROSE[2:])}"
    )
    text = " ".join(extract(html_page(body)))
    assert "opens in a new tab" not in text and "Share this story" not in text
    assert "Skip to the second half" in text
