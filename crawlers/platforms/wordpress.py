"""WordPress: posts carry ``single-post`` / ``postid-N`` body classes (themes keep WordPress's body_class)."""

from __future__ import annotations

import re

from crawlers.platforms import PlatformAdapter

_SINGLE_POST = re.compile(rb"""<body[^>]+class=["'][^"']*\bsingle-post\b""")


class WordPressAdapter(PlatformAdapter):
    name = "wordpress"
    home_markers = (b"/wp-content/", b"/wp-includes/", b"/wp-json/")

    def platform_says_article(self, body: bytes) -> bool:
        return bool(_SINGLE_POST.search(body))
