"""Tests of the bundled mini-site's content: its articles, authors, bios, shared paragraph and seed page.

The crawler and cleaner tests trust ``tests.support.minisite_facts``; these tests check that those facts
and the rendered site agree, and that the fixture is as realistic as the brief asks.
"""

from __future__ import annotations

from collections import Counter

import pytest

from defcorpus.minisite.content import Page
from tests.support import minisite_facts as facts
from tests.support.minisite_pages import BASE, CONTENT, html_of, norm
from tests.support.shared import SHARED, require_input

SEED_DUMP = SHARED / "seed-article.txt"  # the real page's text (../shared, next to the repository)


# ------------------------------------------------------------------------------------- content


def test_content_has_enough_articles_authors_months_and_sections() -> None:
    public = CONTENT.public
    assert len(public) >= 13
    per_author = Counter(a.author.slug for a in public)
    assert len(per_author) == 3 and min(per_author.values()) >= 4
    assert {f"{a.date_published:%Y-%m}" for a in public} == {"2022-11", "2022-12", "2023-01"}
    assert len({a.section.slug for a in public}) >= 5
    assert all(a.tags for a in public)


def test_articles_are_varied_and_dated_with_offsets() -> None:
    kinds = Counter(b.kind for a in CONTENT.public for b in a.body)
    assert kinds["h2"] and kinds["quote"] and kinds["ul"]
    assert sum("](" in b.text for a in CONTENT.public for b in a.body) >= 5  # inline links
    for a in CONTENT.articles:
        assert a.date_published.utcoffset() is not None and a.date_modified >= a.date_published
        if a.slug != CONTENT.seed:
            assert 5 <= sum(b.kind in ("p", "quote") for b in a.body) <= 12, a.slug


def test_every_bio_variant_is_pasted_in_three_articles() -> None:
    uses = Counter((a.author.slug, i) for a in CONTENT.public for i in a.bios)
    assert all(uses[(au.slug, i)] >= 3 for au in CONTENT.authors for i in range(len(au.bios)))
    assert all(len(au.bios) == 2 for au in CONTENT.authors)
    stavros = [a for a in CONTENT.public if a.author.slug == "stavros-atlamazoglou"]
    assert all(a.bios == (0, 1) for a in stavros)


def test_one_real_paragraph_is_shared_by_two_articles() -> None:
    shared = facts.shared_paragraphs()
    assert len(shared) == 1
    ((text, slugs),) = shared.items()
    assert len(slugs) == 2 and len(text.split()) > 25
    assert all(text in facts.expected_body(slug).split("\n\n") for slug in slugs)


def test_boilerplate_never_occurs_in_an_expected_body() -> None:
    bodies = [facts.expected_body(a) for a in CONTENT.articles]
    for text in facts.chrome_strings() + facts.bio_sentences() + facts.captions():
        assert not any(text in body for body in bodies), text


# ----------------------------------------------------------------------------------- the seed


def test_seed_article_fields() -> None:
    seed = facts.seed_article()
    assert seed.headline == "Putin Is Eyeing One Specific Country to Help Him Invade Ukraine"
    assert (seed.author.name, seed.section.name) == ("Stavros Atlamazoglou", "Smart Bombs")
    assert seed.date_published.date().isoformat() == "2022-12-27"
    assert seed.caption.startswith("Coalition forces fire an M3 multi-role anti-armor")
    assert seed.credit == "(DoD photo by Sgt. Benjamin Tuck, U.S. Army/Released)"
    assert [b.text for b in seed.body if b.kind == "h2"] == [
        "The Belarus Factor",
        "Training the Russian Military",
    ]
    body = facts.expected_body(seed)
    assert body.startswith("Is Ukraine Facing Problems from Belarus? Ukrainian President Volodymyr")
    assert body.endswith("the British Military Intelligence added.")
    assert "“single defense space,”" in body and "Zelensky’s" in body


def test_seed_article_matches_the_real_page_text() -> None:
    require_input(SEED_DUMP, "the real seed page's text")
    lines = [norm(line) for line in SEED_DUMP.read_text(encoding="utf-8").splitlines() if line.strip()]
    seed = facts.seed_article()
    caption_at = lines.index(f"{seed.caption} {seed.credit}")
    bios = facts.pasted_bios(seed)
    assert lines[caption_at + 1 : -len(bios)] == facts.expected_body(seed).split("\n\n")
    assert lines[-len(bios) :] == bios


def test_seed_page_markup() -> None:
    seed = facts.seed_article()
    doc = html_of(seed.path)
    assert norm(doc.xpath('//h1[contains(@class,"zox-post-title")]')[0].text_content()) == seed.headline
    (cat,) = doc.xpath('//h3[contains(@class,"zox-post-cat")]//a')
    assert (norm(cat.text_content()), cat.get("href")) == ("Smart Bombs", f"{BASE}/category/smart-bombs/")
    (byline,) = doc.xpath('//div[contains(@class,"zox-author-info")]')
    assert byline.xpath(".//a/@href") == [f"{BASE}/author/stavros-atlamazoglou/"]
    assert byline.xpath('.//time[@class="post-date updated"]/@datetime') == ["2022-12-27T10:32:15-05:00"]
    assert byline.xpath(".//time/text()") == ["December 27, 2022"]
    (caption,) = doc.xpath('//figure[contains(@class,"zox-post-img")]/figcaption')
    assert norm(caption.text_content()) == f"{seed.caption} {seed.credit}"
    (body,) = doc.xpath('//div[contains(@class,"zox-post-body")]')
    assert body[0].xpath("./strong/text()") == ["Is Ukraine Facing Problems from Belarus?"]
    assert [norm(p.text_content()) for p in body.xpath("./p")[-2:]] == facts.pasted_bios(seed)
    assert "Business InsiderSandboxx" in facts.pasted_bios(seed)[0]


def test_page_is_a_small_frozen_record() -> None:
    page = Page("text/plain", b"x")
    assert page.status == 200 and page.last_modified is None
    with pytest.raises(AttributeError):
        page.status = 404  # type: ignore[misc]
