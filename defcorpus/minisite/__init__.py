"""A bundled offline WordPress defense-news site (ZoxPress theme + Yoast SEO, 19FortyFive style).

It is the fixture for ``defcorpus demo`` and for the test suite: realistic chrome, sitemaps, a feed
and a robots.txt with a trap, so the crawler and the cleaner are tested against something that
looks like the real web. ``facts`` says what a correct crawl and clean must produce.
"""

from __future__ import annotations

from defcorpus.minisite.render import build_site, load_content
from defcorpus.minisite.server import serve

__all__ = ["build_site", "load_content", "serve"]
