"""Article identity (``cleaning.identity``): which URL an article's id is the hash of.

A canonical names the article only when it is an article URL of the page's own site; pages that
share a canonical but not their text keep their own URLs; URLs are normalised (tracking parameters
dropped), but a URL already in normal form is unchanged, so ids published before stay the same.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cleaning.boilerplate import BoilerplateStats
from cleaning.identity import (
    INVALID,
    NOT_ARTICLE,
    OFF_SITE,
    CanonicalClaims,
    IdentityRules,
    identify,
    normalize_url,
    separate_shared,
)
from cleaning.options import CleanOptions
from cleaning.pipeline import clean_batch
from corpus.cleaning_rules import CleaningRules
from corpus.pages import FetchedPage
from corpus.schema import Article, article_id
from crawlers.sites import get_site, load_sites
from defcorpus.clean import clean_options
from defcorpus.minisite import build_site
from tests.support import minisite_facts as facts
from tests.support.articles import article_record
from tests.support.minisite_facts import minisite_pages

GOLDEN_IDS = Path(__file__).parent.parent / "golden" / "minisite_ids.json"
SITE = IdentityRules.build(["www.news.example"], [r"^/\d{4}/\d{2}/[a-z0-9-]+/$"], [r"^/category/"])
FETCHED = datetime(2024, 6, 1, tzinfo=UTC)
VOCABULARY = "army navy frigate radar treaty convoy artillery doctrine satellite budget shipyard sensor"
WORDS = VOCABULARY.split()


# --------------------------------------------------------------------------- normalize_url


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("https://www.news.example/2024/05/a/?utm_source=rss&utm_medium=feed", "https://www.news.example/2024/05/a/"),
        ("https://www.news.example/2024/05/a/?UTM_Campaign=x&fbclid=1&gclid=2", "https://www.news.example/2024/05/a/"),
        ("https://www.news.example/a/?mc_cid=1&mc_eid=2&_ga=3&msclkid=4", "https://www.news.example/a/"),
        ("https://www.news.example/a/?id=7&utm_source=rss", "https://www.news.example/a/?id=7"),
        ("https://www.news.example/a/?p=2&id=7", "https://www.news.example/a/?id=7&p=2"),
        ("HTTPS://WWW.News.Example/2024/05/A-b/", "https://www.news.example/2024/05/A-b/"),
        ("https://www.news.example:443/a/", "https://www.news.example/a/"),
        ("http://www.news.example:80/a/", "http://www.news.example/a/"),
        ("http://127.0.0.1:8045/a/", "http://127.0.0.1:8045/a/"),
        ("https://www.news.example/a/#comments", "https://www.news.example/a/"),
        ("https://www.news.example/a", "https://www.news.example/a"),
        ("  https://www.news.example/a/\n", "https://www.news.example/a/"),
    ],
)
def test_normal_form(url: str, normal: str) -> None:
    assert normalize_url(url) == normal
    assert normalize_url(normal) == normal  # idempotent


@pytest.mark.parametrize("url", ["ftp://news.example/a/", "/2024/05/a/", "mailto:x@news.example", "http://[::1/a/", ""])
def test_not_an_http_url_has_no_normal_form(url: str) -> None:
    assert normalize_url(url) is None


def test_urls_already_normal_are_unchanged() -> None:
    """Why: an id is the hash of this URL; a change would give a stored article a second id on re-clean."""
    base = "http://127.0.0.1:8045"
    canonicals = {
        page.body.split(b'rel="canonical" href="')[1].split(b'"')[0].decode()
        for page in build_site(base).values()
        if b'rel="canonical"' in page.body
    }
    assert len(canonicals) > len(facts.article_paths())
    assert all(normalize_url(u) == u for u in canonicals)
    shaped = [
        "https://www.defensenews.com/air/2024/05/02/the-air-force-wants-more-tankers/",
        "https://www.twz.com/news-features/the-navy-s-new-frigate-is-late",
        "https://nationalinterest.org/blog/buzz/f-35-fighter-210512",
        "https://www.navalnews.com/naval-news/2024/05/la-fregate-fdi-amiral-ronarch/",
        "https://www.defenseone.com/technology/2024/05/army-drones/396358/",
    ]
    assert all(normalize_url(u) == u for u in shaped)


def test_minisite_ids_are_those_published_before_canonicalisation() -> None:
    """The golden ids were computed by the cleaner before identity rules existed: a re-clean keeps them."""
    site = get_site("minisite")
    options = clean_options(site)
    result = clean_batch(minisite_pages(), options, BoilerplateStats())
    assert {urlsplit(a.url).path: a.id for a in result.articles} == json.loads(GOLDEN_IDS.read_text())
    assert result.dropped_values == {}


# --------------------------------------------------------------------------- the site's own URLs


@pytest.mark.parametrize(
    ("url", "owned"),
    [
        ("https://www.news.example/a/", True),
        ("https://news.example/a/", True),  # "www." makes no difference
        ("https://amp.news.example/a/", True),  # a subdomain
        ("http://www.news.example:8080/a/", True),  # no port in the config: any port
        ("https://other.example/a/", False),
        ("https://evilnews.example/a/", False),
        ("https://www.news.example.evil.example/a/", False),
    ],
)
def test_owns_the_site_domains_and_their_subdomains(url: str, owned: bool) -> None:
    assert SITE.owns(url) is owned


def test_a_domain_with_a_port_owns_that_port_only() -> None:
    rules = IdentityRules.build(["127.0.0.1:8045"])
    assert rules.owns("http://127.0.0.1:8045/a/") and not rules.owns("http://127.0.0.1:9000/a/")


def test_no_domains_owns_any_host() -> None:
    assert IdentityRules().owns("https://anything.example/a/")


@pytest.mark.parametrize(
    ("path", "article"),
    [("/2024/05/a/", True), ("/", False), ("", False), ("/category/news/", False), ("/2024/05/", False)],
)
def test_article_urls_follow_the_site_rules_and_the_root_never_is_one(path: str, article: bool) -> None:
    assert SITE.is_article("https://www.news.example" + path) is article


def test_without_rules_any_path_but_the_root_is_an_article() -> None:
    assert IdentityRules().is_article("https://x.example/section/") and not IdentityRules().is_article(
        "https://x.example"
    )


def test_clean_options_carry_each_site_config_article_rule() -> None:
    """The identity's article test is the site config's own (``SiteConfig.is_article_url``)."""
    paths = ["/", "/2024/05/a/", "/category/x/", "/news/2024/05/02/a-b-c/", "/a-b-c/", "/x/2024/05/a/amp/", "/feed/"]
    for site in load_sites().values():
        rules = clean_options(site).identity
        for path in paths:
            url = site.absolute(path)
            assert rules.is_article(url) is (site.is_article_url(url) and path != "/"), (site.name, path)
            assert rules.owns(url)


# --------------------------------------------------------------------------- one page's identity


def test_no_canonical_is_the_fetched_url_normalised() -> None:
    identity = identify("https://www.news.example/2024/05/a/?utm_source=rss", None, SITE)
    assert (identity.url, identity.refused) == ("https://www.news.example/2024/05/a/", None)
    assert identity.id == article_id("https://www.news.example/2024/05/a/")


def test_a_canonical_article_url_of_the_site_is_the_identity() -> None:
    identity = identify("https://amp.news.example/2024/05/a/", "https://news.example/2024/05/a/?utm_source=x", SITE)
    assert (identity.url, identity.refused) == ("https://news.example/2024/05/a/", None)


@pytest.mark.parametrize(
    ("canonical", "reason"),
    [
        ("https://other.example/2024/05/a/", OFF_SITE),  # another site's article
        ("https://www.news.example/", NOT_ARTICLE),  # the home page
        ("https://www.news.example/category/navy/", NOT_ARTICLE),  # a section page
        ("javascript:void(0)", INVALID),
    ],
)
def test_a_canonical_that_is_not_an_article_of_the_site_is_refused(canonical: str, reason: str) -> None:
    identity = identify("https://www.news.example/2024/05/b/", canonical, SITE)
    assert (identity.url, identity.refused) == ("https://www.news.example/2024/05/b/", reason)


# --------------------------------------------------------------------------- pages sharing a canonical


def record(url: str, canonical: str, text: str) -> Article:
    return article_record(
        url, "Headline", text, site="news", published=None, fetched_at=FETCHED, canonical_url=canonical
    )


LATEST = "https://www.news.example/2024/05/latest/"


def test_different_pages_sharing_a_canonical_keep_their_own_urls() -> None:
    pages = [record(f"https://www.news.example/2024/05/{n}/", LATEST, f"text {n}") for n in ("a", "b", "latest")]
    separated = separate_shared(pages)
    assert [a.canonical_url for a in separated] == [a.url for a in pages]
    assert [a.id for a in separated] == [article_id(a.url) for a in pages]  # the canonical's own page keeps its id


def test_versions_and_aliases_of_one_article_stay_one() -> None:
    pages = [
        record("https://www.news.example/2024/05/a/", LATEST, "first"),
        record("https://www.news.example/2024/05/a/", LATEST, "edited"),  # a second version of one page
        record("https://www.news.example/2024/05/a/?utm_source=rss", LATEST, "edited"),  # one page, two links
        record("https://amp.news.example/2024/05/a/", LATEST, "edited"),  # an alias with the same text
    ]
    assert CanonicalClaims(pages).shared() == set()
    assert separate_shared(pages) == pages


def test_pages_holding_a_shared_id_are_one_article_only_with_a_text_in_common() -> None:
    first, amp, other = (
        "https://www.news.example/2024/05/a/",
        "https://amp.news.example/2024/05/a/",
        "https://www.news.example/2024/05/b/",
    )
    pages = [
        record(first, LATEST, "first"),
        record(first, LATEST, "edited"),
        record(amp, LATEST, "edited"),  # an alias of the edited page
        record(other, LATEST, "other"),  # another page under the same canonical
    ]
    claims, claimed = CanonicalClaims(pages), article_id(LATEST)
    assert claims.shared() == {claimed}
    assert [claims.one_article(claimed, urls) for urls in ({first}, {first, amp}, {first, other}, set())] == [
        True,
        True,
        False,
        False,
    ]
    assert not claims.one_article(claimed, {"https://www.news.example/2024/05/unseen/"})
    assert not claims.one_article(article_id(first), {first})  # no page claims the id of the page itself


# --------------------------------------------------------------------------- through the cleaner


def page(headline: str, canonical: str | None, seed: int) -> bytes:
    rng = random.Random(seed)
    body = "".join(f"<p>{' '.join(rng.choice(WORDS) for _ in range(40)).capitalize()}.</p>" for _ in range(5))
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{headline}</title>{link}'
        f'<meta property="og:title" content="{headline}"></head><body><article><h1>{headline}</h1>'
        f'<div class="body">{body}</div></article></body></html>'
    ).encode()


def fetched(url: str, html: bytes) -> FetchedPage:
    return FetchedPage(url, html, FETCHED, "w", "r")


OPTIONS = CleanOptions.build(
    "news",
    CleaningRules(body_selector="div.body"),
    identity=IdentityRules.build(["www.news.example"], [r"^/\d{4}/\d{2}/[a-z0-9-]+/$"]),
)


def test_a_page_naming_another_site_article_as_canonical_keeps_its_own_id() -> None:
    theirs = "https://other.example/2024/05/their-story/"
    result = clean_batch(
        [fetched("https://www.news.example/2024/05/copy/", page("Copy", theirs, 1))], OPTIONS, BoilerplateStats()
    )
    (article,) = result.articles
    assert article.id == article_id("https://www.news.example/2024/05/copy/") != article_id(theirs)
    assert result.dropped_values == {OFF_SITE: 1}


def test_pages_with_the_home_page_as_canonical_stay_distinct() -> None:
    pages = [
        fetched(f"https://www.news.example/2024/05/story-{n}/", page(f"Story {n}", "https://www.news.example/", n))
        for n in range(3)
    ]
    result = clean_batch(pages, OPTIONS, BoilerplateStats())
    assert sorted(a.id for a in result.articles) == sorted(article_id(p.url) for p in pages)
    assert result.dropped_values == {NOT_ARTICLE: 3}


def test_a_feed_link_with_tracking_and_the_sitemap_link_are_one_article() -> None:
    html = page("One story", None, 5)
    urls = [
        "https://www.news.example/2024/05/one/?utm_source=rss&utm_medium=feed",
        "https://www.news.example/2024/05/one/",
    ]
    result = clean_batch([fetched(u, html) for u in urls], OPTIONS, BoilerplateStats())
    assert {a.id for a in result.articles} == {article_id("https://www.news.example/2024/05/one/")}
    assert {a.canonical_url for a in result.articles} == {"https://www.news.example/2024/05/one/"}
    assert [a.url for a in result.articles] == urls  # where each was fetched from is kept
