"""Learned site templates: the container that holds a site's articles, learned from its own pages."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import html

from cleaning.blocks import Block
from cleaning.boilerplate import BoilerplateStats
from cleaning.template import (
    PageIndex,
    SiteTemplate,
    block_positions,
    locate,
    page_container,
    recovered,
    signature,
)
from tests.support import cleaning_sites as sites

BODY = "main.story>div.story-body.text-0"


def page(paragraphs: list[str], *, after: str = "", extra_posts: Sequence[str] = ()) -> html.HtmlElement:
    posts = "".join(f"<div class='story-body text-{n + 2}'><p>{p}</p></div>" for n, p in enumerate(extra_posts))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return html.document_fromstring(
        f"<html><body><nav><a href='/'>Home</a></nav><main class='story'><h1>T</h1>"
        f"<div class='story-body text-1'>{body}</div>{posts}</main>{after}</body></html>"
    )


def test_signature_folds_numbers_and_names_the_parent() -> None:
    tree = page(["One paragraph of the story."])
    (el,) = tree.xpath("//div[contains(@class,'story-body')]")
    assert signature(el) == BODY


def test_the_page_container_is_the_deepest_element_holding_most_words() -> None:
    prose = sites.prose(1)
    tree = page(prose, after="<div class='more'><p>Short teaser</p></div>")
    blocks = [Block("p", p) for p in [*prose, "Short teaser"]]
    assert page_container(block_positions(tree, blocks), blocks) == BODY


def test_a_container_is_the_sites_once_most_articles_agree() -> None:
    template = SiteTemplate()
    for doc in ("a", "b"):
        template.observe(doc, BODY)
    assert template.container(min_articles=3) is None  # too few articles yet
    template.observe("c", BODY)
    assert template.container(min_articles=3) == BODY
    for doc in ("d", "e", "f"):
        template.observe(doc, "div.other>div.x")
    assert template.container(min_articles=3) is None  # no longer most of the site's articles


def test_blocks_after_the_container_are_chrome_blocks_before_it_are_not() -> None:
    template = SiteTemplate()
    for doc in ("a", "b", "c"):
        template.observe(doc, BODY)
    prose = sites.prose(2)
    tree = page(prose, after="<div class='more'><p>Read next: a story about something else entirely</p></div>")
    blocks = [
        Block("p", "T"),
        *[Block("p", p) for p in prose],
        Block("p", "Read next: a story about something else entirely"),
    ]
    outside = template.outside(block_positions(tree, blocks), blocks, min_articles=3)
    assert outside == [False] * (len(prose) + 1) + [True]


def test_a_page_of_another_template_is_not_judged() -> None:
    template = SiteTemplate()
    for doc in ("a", "b", "c"):
        template.observe(doc, "div.elsewhere>div.body")
    prose = sites.prose(3)
    tree = page(prose, after="<div class='more'><p>Teaser text of another story here</p></div>")
    blocks = [*[Block("p", p) for p in prose], Block("p", "Teaser text of another story here")]
    assert not any(template.outside(block_positions(tree, blocks), blocks, min_articles=3))


def test_paragraphs_of_other_copies_of_the_container_are_recovered_in_page_order() -> None:
    """A live blog: every post is a copy of the body container; the extractor kept the first."""
    first, posts = sites.prose(4, 2), sites.prose(5, 3)
    tree = page(
        first,
        extra_posts=posts,
        after="<div class='story-body text-9'><figure><p>A caption under a photo of the event</p></figure></div>",
    )
    blocks = [Block("p", p) for p in first]
    texts = [b.text for b in recovered(tree, BODY, blocks)]
    assert texts == [*first, *posts]  # the caption is never prose, even inside a copy of the container


def test_short_labels_and_link_lists_are_not_recovered() -> None:
    first = sites.prose(6, 2)
    extra = ["Share", "<a href='/a'>Another story with a long headline about ships</a>"]
    tree = page(first, extra_posts=extra)
    assert [b.text for b in recovered(tree, BODY, [Block("p", p) for p in first])] == first


def test_the_template_is_kept_with_the_sites_state() -> None:
    stats = BoilerplateStats()
    for doc in ("a", "b", "c"):
        stats.template.observe(doc, BODY)
    restored = BoilerplateStats.from_json(stats.to_json())
    assert restored.template.container(3) == BODY
    # State written before templates were learned loads with an empty template.
    legacy = stats.to_json().replace(b'"template":', b'"unused":')
    assert BoilerplateStats.from_json(legacy).template.container(3) is None


def test_the_titles_of_live_posts_are_recovered_with_their_paragraphs() -> None:
    """A live post prints its title just before its copy of the container; a link is no title."""
    first, posts = sites.prose(7, 2), sites.prose(8, 2)
    main = page(first).find(".//main")
    for n, p in enumerate(posts):
        main.append(html.fragment_fromstring(f"<h3>Update {n}: the convoy reached the port</h3>"))
        main.append(html.fragment_fromstring(f"<div class='story-body text-{n + 2}'><p>{p}</p></div>"))
    main.append(html.fragment_fromstring("<h3><a href='/other'>Another story</a></h3>"))
    main.append(html.fragment_fromstring(f"<div class='story-body text-7'><p>{sites.prose(9, 1)[0]}</p></div>"))
    tree = main.getroottree().getroot()
    texts = [b.text for b in recovered(tree, BODY, [Block("p", p) for p in first], headline="T")]
    assert texts == [
        *first,
        "Update 0: the convoy reached the port",
        posts[0],
        "Update 1: the convoy reached the port",
        posts[1],
        sites.prose(9, 1)[0],
    ]


def test_a_text_printed_twice_is_located_where_the_article_prints_it() -> None:
    """A name in a sidebar's topic list before the article and in the article's own list."""
    tree = html.document_fromstring(
        "<html><body><aside class='topics'><ul><li>Ana Ruiz</li></ul></aside>"
        "<main class='story'><div class='story-body'><p>The crew of the first boat.</p>"
        "<ul class='crew'><li>Ana Ruiz</li></ul></div></main></body></html>"
    )
    blocks = [Block("p", "The crew of the first boat."), Block("p", "Ana Ruiz")]
    (first, second) = block_positions(tree, blocks)
    assert second is not None and second[0] == "div.story-body>ul.crew"
    assert first is not None and first[0] == "main.story>div.story-body"


def test_blocks_are_located_by_all_their_words_whatever_their_case_and_punctuation() -> None:
    """Only elements starting with a block's first word are keyed in full: an element sharing the
    first word but not the rest, or holding the block inside more text, is not the block's."""
    tree = html.document_fromstring(
        "<html><body><div><p>Storm warnings, issued.</p><p>STORM   warnings: issued!</p>"
        "<ul><li>Storm warnings issued for the coast and more</li></ul>"
        "<p>…</p><p>Ça va — straße</p></div></body></html>"
    )
    paragraphs = tree.findall(".//p")
    texts = ["storm warnings issued", "Storm warnings", "—", "ÇA VA STRASSE"]
    blocks = [Block("p", text) for text in texts]
    assert locate(tree, blocks) == [paragraphs[0], None, paragraphs[2], paragraphs[3]]


def test_one_page_index_locates_each_pass_s_blocks_as_a_fresh_reading_of_the_page_does() -> None:
    """Passes share the page's index: what one pass located never moves where the next one looks
    (a text printed twice is found after the previous block of the same pass, not of an earlier one)."""
    tree = html.document_fromstring(
        "<html><body><ul><li>Storm news</li></ul><div><p>First words here.</p>"
        "<ul><li>Storm news</li></ul><p>Last words here.</p></div></body></html>"
    )
    passes = [
        [Block("p", "First words here."), Block("p", "Storm news"), Block("p", "Last words here.")],
        [Block("p", "Storm news"), Block("p", "Last words here.")],
        [Block("p", "Last words here."), Block("p", "Not in the page")],
    ]
    shared = PageIndex(tree)
    for blocks in passes:
        assert shared.locate(blocks) == locate(tree, blocks)
    items = tree.findall(".//li")
    assert shared.locate(passes[0])[1] is items[1]
    assert shared.locate(passes[1])[0] is items[0]
