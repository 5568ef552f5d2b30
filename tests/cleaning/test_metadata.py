"""Metadata: structured data first, clean author names, captions split from credits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import html

from cleaning.metadata import clean_names, read_metadata, split_credit

LD = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebPage", "@id": "https://x.test/a/#webpage", "name": "Page name"},
        {
            "@type": "NewsArticle",
            "headline": "LD headline",
            "datePublished": "2022-12-27T08:15:00-05:00",
            "dateModified": "2022-12-28T10:00:00-05:00",
            "articleSection": ["Smart Bombs"],
            "keywords": "Russia, Belarus",
            "author": {"@id": "https://x.test/#/person/1"},
            "image": {"@id": "https://x.test/#primaryimage"},
        },
        {"@type": "Person", "@id": "https://x.test/#/person/1", "name": "Jane Roe"},
        {"@type": "ImageObject", "@id": "https://x.test/#primaryimage", "url": "https://x.test/img/lead.jpg"},
    ],
}


def page(head: str = "", body: str = "") -> html.HtmlElement:
    return html.document_fromstring(f"<html lang='en-US'><head>{head}</head><body>{body}</body></html>")


def test_json_ld_first_with_references_resolved() -> None:
    head = (
        f"<script type='application/ld+json'>{json.dumps(LD)}</script>"
        "<meta property='og:title' content='OG title'><link rel='canonical' href='https://x.test/a/'>"
        "<meta property='article:published_time' content='2020-01-01T00:00:00+00:00'>"
    )
    meta = read_metadata(page(head, "<footer>© 2026 Example</footer>"), "https://x.test/2022/12/a/")
    assert meta.headline == "LD headline"
    assert meta.authors == ["Jane Roe"]
    assert meta.date_published == datetime(2022, 12, 27, 8, 15, tzinfo=timezone(timedelta(hours=-5)))
    assert meta.date_modified is not None and meta.date_modified.utcoffset() == timedelta(hours=-5)
    assert meta.section == "Smart Bombs"
    assert meta.tags == ["Russia", "Belarus"]
    assert meta.canonical_url == "https://x.test/a/"
    assert meta.language == "en"
    assert meta.image_url == "https://x.test/img/lead.jpg"


def test_meta_tags_then_time_then_url() -> None:
    head = "<meta property='og:title' content='OG title'><meta name='author' content='By John Doe and Ann Lee'>"
    meta = read_metadata(page(head, "<time datetime='2023-01-05T09:00:00Z'>Jan 5</time>"), "https://x.test/p")
    assert (meta.headline, meta.authors) == ("OG title", ["John Doe", "Ann Lee"])
    assert meta.date_published == datetime(2023, 1, 5, 9, tzinfo=UTC)
    meta = read_metadata(page("<title>T</title>", "<p>© 2026</p>"), "https://x.test/2021/03/story/")
    assert meta.date_published == datetime(2021, 3, 1, tzinfo=UTC)


def test_footer_year_is_never_a_date() -> None:
    meta = read_metadata(page("<title>T</title>", "<footer>Copyright 2026 Example Media</footer>"), "https://x.test/p")
    assert meta.date_published is None


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        (["By Stavros Atlamazoglou"], ["Stavros Atlamazoglou"]),
        (["Written by A. Smith, B. Jones & C. Brown"], ["A. Smith", "B. Jones", "C. Brown"]),
        (["Jane Roe", "jane roe", "JANE ROE"], ["Jane Roe"]),
        (["  ", "—"], []),
        (["Jane Roe, Senior Pentagon Correspondent"], ["Jane Roe"]),
        (["BY JANE ROE | Staff Writer"], ["Jane Roe"]),
        (["Jane Roe", "Email the author"], ["Jane Roe"]),
        (["Jane Roe - Contributing Editor, Air Power"], ["Jane Roe"]),
        (["Jane Roe, Reporter, and John Doe, Editor"], ["Jane Roe", "John Doe"]),
        (["Jane Roe is a reporter at Example News"], ["Jane Roe"]),
        (["John Smith Jr.", "Ann Lee, Ph.D.", "@janeroe", "https://x.test/author/jane"], ["John Smith", "Ann Lee"]),
    ],
)
def test_clean_names(raw: list[str], names: list[str]) -> None:
    assert clean_names(raw) == names


def test_split_credit() -> None:
    caption = "Coalition forces fire an M3 on a range. (DoD photo by Sgt. Benjamin Tuck, U.S. Army/Released)"
    assert split_credit(caption) == (
        "Coalition forces fire an M3 on a range.",
        "DoD photo by Sgt. Benjamin Tuck, U.S. Army/Released",
    )
    assert split_credit("A ship at sea.") == ("A ship at sea.", None)


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        (
            "Soldiers fire a howitzer. (U.S. Army photo/Released)",
            ("Soldiers fire a howitzer.", "U.S. Army photo/Released"),
        ),
        (
            "A destroyer at sea. (U.S. Navy photo by Mass Communication Specialist 2nd Class Jane Roe)",
            ("A destroyer at sea.", "U.S. Navy photo by Mass Communication Specialist 2nd Class Jane Roe"),
        ),
        ("Marines train in Norway. (DVIDS)", ("Marines train in Norway.", "DVIDS")),
        ("A drone on display. (Courtesy photo)", ("A drone on display.", "Courtesy photo")),
        ("A tank in a field. Photo: Ministry of Defence", ("A tank in a field.", "Photo: Ministry of Defence")),
        ("The U.S. Army’s new rifle on a range.", ("The U.S. Army’s new rifle on a range.", None)),
    ],
)
def test_credit_is_split_whole(caption: str, expected: tuple[str, str | None]) -> None:
    assert split_credit(caption) == expected


def test_credit_marked_up_by_the_page_comes_first() -> None:
    head = "<meta property='og:image' content='https://x.test/img/a.jpg'><title>T</title>"
    body = (
        "<figure><img src='https://x.test/img/a.jpg'><figcaption>Soldiers fire a howitzer "
        "<span class='img-credit'>(Army photo by Sgt. Lee)</span></figcaption></figure><p>Text.</p>"
    )
    from cleaning.extract import Page, extract_page
    from cleaning.options import CleanOptions

    html_doc = f"<html><head>{head}</head><body><h1>T</h1>{body}</body></html>"
    result = extract_page(html_doc.encode(), "https://x.test/a", CleanOptions.build("x"))
    assert isinstance(result, Page) and result.image is not None
    assert (result.image.caption, result.image.credit) == ("Soldiers fire a howitzer", "Army photo by Sgt. Lee")


def test_relative_canonical_and_image_made_absolute_language_from_locale() -> None:
    head = (
        "<link rel='canonical' href='/2024/03/a/'><meta property='og:image' content='/img/a.jpg'>"
        "<meta property='og:locale' content='fr_FR'><title>T</title>"
    )
    tree = html.document_fromstring(f"<html><head>{head}</head><body></body></html>")
    meta = read_metadata(tree, "https://x.test/2024/03/a/?utm=1")
    assert (meta.canonical_url, meta.image_url) == ("https://x.test/2024/03/a/", "https://x.test/img/a.jpg")
    assert meta.language == "fr"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-12-27T08:15:00-0500", datetime(2022, 12, 27, 13, 15, tzinfo=UTC)),
        ("Tue, 27 Dec 2022 08:15:00 +0000", datetime(2022, 12, 27, 8, 15, tzinfo=UTC)),
        ("2022-12-27", datetime(2022, 12, 27, tzinfo=UTC)),
        ("last Tuesday", None),
    ],
)
def test_structured_date_formats(value: str, expected: datetime | None) -> None:
    meta = read_metadata(
        page(f"<meta property='article:published_time' content='{value}'><title>T</title>"), "https://x.test/p"
    )
    assert meta.date_published == expected
    assert expected is None or meta.date_published.utcoffset() is not None  # type: ignore[union-attr]


def test_language_is_iso_639_1_or_nothing() -> None:
    assert read_metadata(html.document_fromstring("<html lang='EN-gb'><title>T</title></html>"), "u").language == "en"
    assert read_metadata(html.document_fromstring("<html lang='english'><title>T</title></html>"), "u").language is None
