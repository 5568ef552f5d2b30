"""PageGuardMiddleware in isolation: what counts as a bot check, an empty page, a paywall stub."""

from __future__ import annotations

import contextlib

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawlers.middlewares.guards import BlockedPage, PageGuardMiddleware, block_reason, text_words

ARTICLE = b"<html><head><title>Frigate trials</title></head><body>" + b"<p>The frigate sailed.</p>" * 40 + b"</body>"
CF_PAGE = b"<html><head><title>Just a moment...</title></head><body><script>window._cf_chl_opt={}</script>"
BIG_PAGE_WITH_CF_SCRIPT = ARTICLE * 100 + b'<script src="/cdn-cgi/challenge-platform/h/b/scripts/jsd/main.js">'
STYLE = b"<style>" + b".a{margin:0}" * 8000 + b"</style>"  # 96 KB: past the first 8 KB and the small-page size
LOCALIZED = b"<html><head><title>Einen Moment\xe2\x80\xa6</title>" + STYLE + b"</head><body>Bitte warten</body>"
LATE_TITLE = b"<html><head>" + STYLE + b"<title>Just a moment...</title></head><body>Checking your browser</body>"
SOFT_404 = b"<html><head><title>Page not found | Example</title></head><body>" + b"<p>Try a search.</p>" * 20
NEWS_LD = b'<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-01-01"}</script>'


def html(body: bytes, status: int = 200, url: str = "https://example.com/2024/01/a/", **headers: str) -> Response:
    headers = {"Content-Type": "text/html; charset=utf-8", **headers}
    return HtmlResponse(url, status=status, body=body, headers=headers)


@pytest.mark.parametrize(
    ("response", "is_article", "reason"),
    [
        (html(ARTICLE), True, None),
        (html(CF_PAGE), True, "challenge"),
        (html(CF_PAGE, status=503), False, "challenge"),
        (html(b"<title>Attention Required! | Cloudflare</title>", status=403), True, "challenge"),
        (
            html(b"<html><body>" + b"x" * 100 + b"<script src='https://geo.captcha-delivery.com/c.js'>"),
            True,
            "challenge",
        ),
        (html(BIG_PAGE_WITH_CF_SCRIPT), True, None),  # bot-management script on a real, large page
        (html(b""), True, "empty"),
        (html(b"   \n "), True, "empty"),
        (html(b""), False, None),  # an empty non-article page is not judged
        (html(LOCALIZED, **{"cf-mitigated": "challenge"}), True, "challenge"),  # Cloudflare says so
        (html(LOCALIZED + b"<script>window._cf_chl_opt={}</script>"), True, "challenge"),  # any size
        (html(LOCALIZED), True, None),  # a German title alone says nothing
        (html(LATE_TITLE), True, "challenge"),  # the title past the first 8 KB
        (html(STYLE + b"<form action='/?__cf_chl_f_tk=abc'>"), False, "challenge"),
        (html(ARTICLE * 100 + b'<div id="px-captcha"></div>'), True, "challenge"),
        (html(STYLE + b"<script src='/cdn-cgi/challenge-platform/h/b/scripts/jsd/main.js'>"), True, "challenge"),
        (html(b"<html><body>Blocked</body>", status=403, **{"x-datadome": "protected"}), True, "challenge"),
        (html(ARTICLE, **{"x-datadome": "protected"}), True, None),  # DataDome's header on a real page
        (html(SOFT_404), True, "soft_404"),
        (html(ARTICLE.replace(b"<body>", b'<body class="error404 home">')), True, "soft_404"),
        (html(SOFT_404 + NEWS_LD), True, None),  # an article's metadata: not a soft 404
        (html(ARTICLE.replace(b"Frigate trials", b"404 days at sea") + NEWS_LD), True, None),
        (html(SOFT_404), False, None),  # only article requests are soft 404s
        (html(ARTICLE.replace(b"Frigate trials", b"Access denied: the base the Navy closed") * 3), True, None),
        (TextResponse("https://example.com/robots.txt", body=b"", headers={"Content-Type": "text/plain"}), False, None),
    ],
)
def test_block_reason(response: Response, is_article: bool, reason: str | None) -> None:
    assert block_reason(response, is_article=is_article, min_bytes=256) == reason


def guard(**settings: object) -> PageGuardMiddleware:
    return build_from_crawler(
        PageGuardMiddleware,
        get_crawler(
            settings_dict={
                "DEFCORPUS_GUARD_ENABLED": True,
                "DEFCORPUS_GUARD_MIN_BYTES": 256,
                "DEFCORPUS_GUARD_CLOSE_AFTER": 0,
                **settings,
            }
        ),
    )


def test_blocked_page_raises_and_counts() -> None:
    mw = guard()
    request = Request("https://example.com/2024/01/a/", meta={"defcorpus_article": True})
    with pytest.raises(BlockedPage):
        mw.process_response(request, html(CF_PAGE), None)
    assert mw.crawler.stats.get_value("guard/blocked/challenge") == 1


@pytest.mark.parametrize(
    ("body", "markers", "flagged"),
    [
        (ARTICLE + b'<script type="application/ld+json">{"isAccessibleForFree": false}</script>', [], True),
        (ARTICLE + b"<script>{'isAccessibleForFree':'False'}</script>", [], True),
        (ARTICLE + b'<div class="meter">Subscribe to keep reading</div>', ["Subscribe to keep reading"], True),
        (ARTICLE + b'<script type="application/ld+json">{"isAccessibleForFree": true}</script>', [], False),
        (ARTICLE, ["Subscribe to keep reading"], False),
    ],
)
def test_paywall_flagged_not_dropped(body: bytes, markers: list[str], flagged: bool) -> None:
    mw = guard(DEFCORPUS_PAYWALL_MARKERS=markers)
    request = Request("https://example.com/2024/01/a/", meta={"defcorpus_article": True})
    assert mw.process_response(request, html(body), None).status == 200
    assert bool(request.meta.get("defcorpus_paywall")) is flagged


PLACEHOLDER = (
    b"<html><head><title>Frigate collides with tanker</title></head><body><nav>"
    + b"<a href='/'>Home</a> " * 200
    + b"</nav><article><h1>Frigate collides with tanker</h1><p>Story to follow.</p></article>"
    + b"<script>var words = '"
    + b"x " * 500
    + b"';</script><footer>"
    + b"About us " * 100
    + b"</footer></body></html>"
)


def test_text_words_leaves_out_the_chrome() -> None:
    assert text_words(PLACEHOLDER) == 11  # the title, the headline, "Story to follow."
    assert text_words(ARTICLE) == 2 + 3 * 40


@pytest.mark.parametrize(
    ("body", "meta", "short"),
    [
        (PLACEHOLDER, {"defcorpus_article": True}, True),
        (ARTICLE, {"defcorpus_article": True}, False),
        (PLACEHOLDER, {}, False),  # not an article request: not judged
    ],
)
def test_short_article_page_is_kept_and_flagged(body: bytes, meta: dict[str, object], short: bool) -> None:
    mw = guard(DEFCORPUS_GUARD_SHORT_WORDS=50)
    request = Request("https://example.com/2024/01/a/", meta=meta)
    assert mw.process_response(request, html(body), None).status == 200
    assert bool(request.meta.get("defcorpus_short")) is short
    assert mw.crawler.stats.get_value("guard/short", 0) == int(short)


def test_a_paywall_stub_is_not_flagged_short() -> None:
    mw = guard(DEFCORPUS_GUARD_SHORT_WORDS=50)
    request = Request("https://example.com/2024/01/a/", meta={"defcorpus_article": True})
    stub = PLACEHOLDER.replace(b"</article>", b'</article><script>{"isAccessibleForFree": false}</script>')
    mw.process_response(request, html(stub), None)
    assert request.meta.get("defcorpus_paywall") and not request.meta.get("defcorpus_short")


def test_short_words_zero_flags_nothing() -> None:
    request = Request("https://example.com/2024/01/a/", meta={"defcorpus_article": True})
    guard(DEFCORPUS_GUARD_SHORT_WORDS=0).process_response(request, html(PLACEHOLDER), None)
    assert "defcorpus_short" not in request.meta


@pytest.mark.parametrize(
    "settings",
    [{"DEFCORPUS_GUARD_ENABLED": False}, {"DEFCORPUS_GUARD_MIN_BYTES": -1}, {"DEFCORPUS_GUARD_SHORT_WORDS": -1}],
)
def test_not_configured(settings: dict[str, object]) -> None:
    with pytest.raises(NotConfigured):
        guard(**settings)


class _Engine:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def close_spider_async(self, *, reason: str) -> None:  # the real one is a coroutine; no reactor here
        self.reasons.append(reason)


def test_stops_the_crawl_after_blocks_in_a_row() -> None:
    mw = guard(DEFCORPUS_GUARD_CLOSE_AFTER=3)
    engine = _Engine()
    mw.crawler.engine = engine  # type: ignore[assignment]
    request = Request("https://example.com/2024/01/a/", meta={"defcorpus_article": True})
    for body in (CF_PAGE, CF_PAGE, ARTICLE, CF_PAGE, CF_PAGE):  # a good page resets the count
        with contextlib.suppress(BlockedPage):
            mw.process_response(request, html(body), None)
    assert engine.reasons == []
    for _ in range(2):
        with contextlib.suppress(BlockedPage):
            mw.process_response(request, html(CF_PAGE), None)
    assert engine.reasons == ["blocked"]  # once, however many more follow


def test_soft_404s_are_blocked_but_never_stop_the_crawl() -> None:
    mw = guard(DEFCORPUS_GUARD_CLOSE_AFTER=2)
    engine = _Engine()
    mw.crawler.engine = engine  # type: ignore[assignment]
    request = Request("https://example.com/2024/01/a/", meta={"defcorpus_article": True})
    for _ in range(5):
        with pytest.raises(BlockedPage):
            mw.process_response(request, html(SOFT_404), None)
    assert engine.reasons == []
    assert mw.crawler.stats.get_value("guard/blocked/soft_404") == 5
