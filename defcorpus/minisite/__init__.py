"""A bundled offline WordPress defense-news site (ZoxPress theme + Yoast SEO, 19FortyFive style).

It is the fixture for ``defcorpus demo`` and for the test suite: realistic chrome, sitemaps, a feed
and a robots.txt with a trap, so the crawler and the cleaner are tested against something that
looks like the real web. Modules: ``content`` (the TOML content as records), ``theme`` (snippets,
escaping, ``RenderContext``), ``pages`` and ``discovery`` (what is rendered), ``render`` (``build_site``)
and ``server`` (serving it). What a correct crawl and clean of it must produce is test knowledge:
tests/support/minisite_facts.py.
"""

from __future__ import annotations

from defcorpus.minisite.content import load_content
from defcorpus.minisite.render import build_site
from defcorpus.minisite.server import serve

__all__ = ["build_site", "load_content", "serve"]
