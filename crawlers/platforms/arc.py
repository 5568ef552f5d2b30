"""Arc XP (Fusion): the page embeds its content as ``Fusion.globalContent``; a story has ``"type":"story"``.

CSS class names on Arc sites are generated per build, so the embedded JSON and JSON-LD are what to read.
Example: https://www.defensenews.com/air/2024/01/15/<slug>/ (``Fusion.globalContent={"type":"story",…}``).
"""

from __future__ import annotations

import re

from crawlers.platforms import PlatformAdapter

_STORY = re.compile(rb"""Fusion\.globalContent\s*=\s*\{.{0,2000}?"type"\s*:\s*"story\"""", re.DOTALL)


class ArcAdapter(PlatformAdapter):
    name = "arc"
    home_markers = (b"Fusion.globalContent", b"/pf/resources/", b"fusion-metadata")

    def platform_says_article(self, body: bytes) -> bool:
        return bool(_STORY.search(body))
