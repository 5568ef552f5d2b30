"""A site whose bot protection answers in ways the first guard let through: a Cloudflare challenge in
French (200, ``cf-mitigated: challenge``, 115 KB of inline style), a challenge whose title comes after
150 KB of inline script and style, a soft 404 (200, "Page not found"), and DataDome's 403 block page;
beside them real articles that look a little like those (a headline starting "404", a page carrying
Cloudflare's detection script).

``build_jump`` is a site whose second crawl is mostly challenged: its feed lists new articles on each
request, most of which the second time are challenges.
"""

from __future__ import annotations

from tests.support.http import RSS, TEXT, FixtureSite, Route
from tests.support.pages import Story, article_ld, day, page, robots, rss

_STYLE = "<style>" + "".join(f".cf-{n}{{margin:{n}px;padding:0 {n}px}}" for n in range(3000)) + "</style>"
LOCALIZED = (
    '<!DOCTYPE html><html lang="fr-FR"><head><title>Un instant…</title>'
    + _STYLE
    + "</head><body><div class='main-wrapper'><h1>Vérification que vous êtes un humain. Cela peut prendre"
    " quelques secondes.</h1><noscript>Activez JavaScript et les cookies pour continuer</noscript></div>"
    "<script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'example.org',cType: 'managed'};"
    "var a=document.createElement('script');a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=1';"
    "document.head.appendChild(a);}());</script></body></html>"
).encode()
LATE_TITLE = (
    "<!DOCTYPE html><html><head>"
    + "<script>var bundle='"
    + "x" * 40_000
    + "';</script>"
    + _STYLE
    + "<title>Just a moment...</title></head><body><p>Checking your browser before accessing the site.</p>"
    "<script src='/cdn-cgi/challenge-platform/h/b/scripts/jsd/a1b2/main.js'></script></body></html>"
).encode()
SOFT_404 = page(
    "Page not found – Hostile Defence",
    "<nav>" + "<a href='/'>Home</a> " * 40 + "</nav><h1>Oops! That page can’t be found.</h1>"
    "<p>It looks like nothing was found at this location. Maybe try a search?</p>",
    body_attrs='class="error404 wp-theme"',
)
DATADOME = (
    b"<html><head><title>example.org</title></head><body><script>var dd={'rt':'c','cid':'AHrlqAAA',"
    b"'host':'geo.captcha-delivery.com'}</script><script src='https://ct.captcha-delivery.com/c.js'></script>"
    b"</body></html>"
)
BLOCKED = {
    "/a/localized-challenge/": ("challenge", Route(LOCALIZED, headers={"cf-mitigated": "challenge"})),
    "/a/late-title/": ("challenge", Route(LATE_TITLE)),
    "/a/gone/": ("soft_404", Route(SOFT_404)),
    "/a/datadome/": ("challenge", Route(DATADOME, status=403, headers={"x-datadome": "protected"})),
}
_TEXT = "<p>" + "The exercise involved ships, aircraft and troops from six nations. " * 12 + "</p>"
# The headline begins like a soft 404's title; Cloudflare's detection script rides on a real page.
LOOKALIKES = {"/a/404-days-at-sea/": "404 days at sea: the frigate comes home", "/a/detected/": "Radar trials"}
_DETECTION = "<script src='/cdn-cgi/challenge-platform/h/b/scripts/jsd/a1b2/main.js'></script>"


def article(base: str, path: str, headline: str | None = None) -> bytes:
    story = Story(path, headline or f"Story {path}", day(2024, 7, 1))
    script = _DETECTION if path == "/a/detected/" else ""
    return page(story.headline, f"<h1>{story.headline}</h1>{_TEXT}{script}", article_ld(base, story))


def build(base: str) -> FixtureSite:
    good = [f"/a/good-{n}/" for n in range(3)] + list(LOOKALIKES)
    stories = [Story(p, p, day(2024, 7, 1)) for p in [*good, *BLOCKED]]
    routes = {
        "/robots.txt": Route(robots(base), content_type=TEXT),
        "/feed/": Route(rss(base, stories), content_type=RSS),
    }
    routes.update({p: Route(article(base, p, LOOKALIKES.get(p))) for p in good})
    routes.update({p: route for p, (_, route) in BLOCKED.items()})
    return FixtureSite(routes, set(good), set(BLOCKED))


JUMP_ARTICLES = 25
JUMP_BLOCKED = 15


def build_jump(base: str) -> FixtureSite:
    """First feed: 25 articles; second feed: 25 new ones, 15 of them challenged."""
    first = [f"/a/first-{n}/" for n in range(JUMP_ARTICLES)]
    second = [f"/a/second-{n}/" for n in range(JUMP_ARTICLES)]
    feed = Route(rss(base, [Story(p, p, day(2024, 7, 1)) for p in first]), content_type=RSS)
    feed.then = Route(rss(base, [Story(p, p, day(2024, 7, 1)) for p in second]), content_type=RSS)
    routes = {"/robots.txt": Route(robots(base), content_type=TEXT), "/feed/": feed}
    routes.update({p: Route(article(base, p)) for p in first})
    for n, p in enumerate(second):
        routes[p] = (
            Route(LOCALIZED, headers={"cf-mitigated": "challenge"}) if n < JUMP_BLOCKED else Route(article(base, p))
        )
    return FixtureSite(routes, set(first) | set(second[JUMP_BLOCKED:]))
