"""Render the mini-site: the TOML content in ``content/`` in, a mapping of URL path -> Page out.

``build_site`` is a pure function of the content and ``base_url``, so the same bytes can be served
over HTTP, parsed directly in tests or written to disk. The markup imitates a WordPress site running
the ZoxPress theme and Yoast SEO, chrome included: that chrome is what the crawler has to see past
and what the cleaner has to strip.
"""

from __future__ import annotations

from defcorpus.minisite.content import Page, load_content
from defcorpus.minisite.discovery import feed, robots_txt, sitemaps
from defcorpus.minisite.pages import article_page, listings, static_page
from defcorpus.minisite.theme import ASSETS, RenderContext


def build_site(base_url: str) -> dict[str, Page]:
    """Every page of the site keyed by URL path; absolute URLs inside are built from ``base_url``."""
    ctx = RenderContext.for_site(load_content(), base_url)
    pages = {a.path: article_page(ctx, a) for a in ctx.content.articles}
    pages |= {p.path: static_page(ctx, p) for p in ctx.content.pages}
    pages |= listings(ctx) | sitemaps(ctx)
    pages["/robots.txt"] = robots_txt(ctx)
    pages["/feed/"] = feed(ctx)
    pages |= {path: Page(ctype, ctx.theme[key].template.encode()) for key, (path, ctype) in ASSETS.items()}
    return pages
