"""What a page that stands in for the one requested looks like: a bot check, a soft 404, an empty 200.

Pure functions over a Scrapy response, so the guard (``crawlers.middlewares.guards``) stays about
what to do with one. A bot check is told, strongest signal first, by:

1. its headers: Cloudflare marks every challenge it serves with ``cf-mitigated: challenge``;
   DataDome's ``x-datadome`` (or ``x-dd-b``) on a 403/429 is its block page;
2. its title, wherever the page puts it (a challenge can bury it under 100 KB of inline style), in
   English, the language the products' default pages share, on an error status or a page too short
   to be an article;
3. markup only a challenge page carries, in any language and at any size: Cloudflare's challenge
   options (``_cf_chl_opt``) and tokens (``__cf_chl_``), its orchestrate scripts, the CAPTCHA
   containers of DataDome and PerimeterX;
4. scripts the bot-management products also load on normal pages (Cloudflare's ``challenge-platform``
   detections, Turnstile, Incapsula, PerimeterX's app id): they count only on a 403/429/503 or a page
   with hardly any text of its own, which an article never is.

A soft 404 is a 200 whose page says the article is not there ("Page not found", WordPress's
``error404`` body class) and carries no article metadata. Each kind is a reason: ``challenge``,
``soft_404``, ``empty``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.http import Response

# Patterns are matched on the lower-cased body: ``bytes.lower()`` folds ASCII letters only, exactly as
# ``re.IGNORECASE`` does on bytes, so the test is the same, and literal searches run many times faster.
# Interstitial titles of the common bot-management products (Cloudflare, DDoS-Guard, Sucuri, generic).
_CHALLENGE_TITLE = re.compile(
    rb"\s*(just a moment|attention required|please wait|checking your browser|access denied"
    rb"|ddos-guard|security check|are you a robot|you have been blocked|one more step)"
)
_CHALLENGE_MARKUP = (
    b"_cf_chl_opt",
    b"__cf_chl_",
    b"cf-browser-verification",
    b"/orchestrate/chl_page/",
    b"/orchestrate/managed/",
    b"/orchestrate/jsch/",
    b"captcha-delivery.com/captcha",
    b'id="px-captcha"',
)
_CHALLENGE_SCRIPTS = (
    b"/cdn-cgi/challenge-platform/",
    b"cf-chl",
    b"captcha-delivery.com",
    b"_incapsula_resource",
    b"px-captcha",
    b"_pxappid",
    b"challenges.cloudflare.com/turnstile",
)
_CHALLENGE_STATUS = (403, 429, 503)
_FEW_WORDS = 100  # a challenge says "checking your browser" in a line; an article says far more
# A page this long is an article, whatever its title says ("Access denied: the base the Navy closed").
_ARTICLE_WORDS = 300
_TITLE_SPAN = 512
_SOFT_404_TITLE = re.compile(
    rb"\s*(404\b|error 404|page not found|not found\b|nothing found|oops|page introuvable|seite nicht gefunden"
    rb"|p\xc3\xa1gina no encontrada|pagina non trovata)"
)
_ERROR404_BODY = re.compile(rb"<body[^>]*\bclass\s*=\s*[\"']?[^\"'>]*\berror404\b")
# Any of these and the page is an article, whatever its title says ("Error 404 fixed in F404 engines").
_ARTICLE_METADATA = (b"article:published_time", b"datepublished", b'"newsarticle"', b'"article"')
# What a reader does not count as the article's text: scripts and styles, the site's chrome, comments.
_NOT_TEXT = re.compile(
    rb"<(script|style|noscript|template|svg|nav|header|footer|aside)\b.*?</\1\s*>|<!--.*?-->", re.DOTALL | re.IGNORECASE
)
_TAG = re.compile(rb"<[^>]*>")


def block_reason(response: Response, *, is_article: bool, min_bytes: int) -> str | None:
    """``challenge``, ``soft_404``, ``empty`` or None. Only HTML (or an article request) is judged."""
    if challenge_headers(response):
        return "challenge"
    content_type = (response.headers.get(b"Content-Type") or b"").lower()
    if not (is_article or b"html" in content_type):
        return None
    body = response.body
    lowered = body.lower()
    if any(marker in lowered for marker in _CHALLENGE_MARKUP):
        return "challenge"
    title = page_title(lowered)
    error = response.status in _CHALLENGE_STATUS
    if _CHALLENGE_TITLE.match(title) and (error or text_words(body) < _ARTICLE_WORDS):
        return "challenge"
    if any(script in lowered for script in _CHALLENGE_SCRIPTS) and (error or text_words(body) < _FEW_WORDS):
        return "challenge"
    if is_article and response.status == 200:
        if len(body.strip()) < min_bytes:
            return "empty"
        if is_soft_404(lowered, title):
            return "soft_404"
    return None


def challenge_headers(response: Response) -> bool:
    """Headers only a bot check's answer carries."""
    headers = response.headers
    if b"challenge" in (headers.get(b"cf-mitigated") or b"").lower():
        return True
    datadome = b"x-datadome" in headers or b"x-dd-b" in headers
    return datadome and response.status in (403, 429)


def page_title(lowered: bytes) -> bytes:
    """The text after the page's first ``<title>`` (lower-cased), wherever it sits, or b""."""
    start = lowered.find(b"<title")
    if start < 0:
        return b""
    close = lowered.find(b">", start)
    return b"" if close < 0 else lowered[close + 1 : close + 1 + _TITLE_SPAN]


def is_soft_404(lowered: bytes, title: bytes) -> bool:
    """A 200 that says the page is not there, without any of an article's metadata."""
    if not (_SOFT_404_TITLE.match(title) or _ERROR404_BODY.search(lowered)):
        return False
    return not any(marker in lowered for marker in _ARTICLE_METADATA)


def text_words(body: bytes) -> int:
    """Words a reader sees as the page's own: its title and text, not the site's chrome."""
    return len(_TAG.sub(b" ", _NOT_TEXT.sub(b" ", body)).split())
