"""Drupal: node pages carry ``node--type-<bundle>`` classes; articles are the ``article`` bundle (or the
site's own bundle names, e.g. ``blog_post``)."""

from __future__ import annotations

import re

from crawlers.platforms import PlatformAdapter

_ARTICLE_NODE = re.compile(rb"""class=["'][^"']*\bnode--type-(article|blog-post|blog_post|story|feature)\b""")


class DrupalAdapter(PlatformAdapter):
    name = "drupal"
    home_markers = (b'name="Generator" content="Drupal', b"/sites/default/files/", b"drupal-settings-json")

    def platform_says_article(self, body: bytes) -> bool:
        return bool(_ARTICLE_NODE.search(body))
