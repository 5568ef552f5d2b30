"""Arc XP (Fusion): the page embeds its content as ``Fusion.globalContent``; a story has ``"type":"story"``.

CSS class names on Arc sites are generated per build, so the embedded JSON and JSON-LD are what to read.
Example: https://www.defensenews.com/air/2024/01/15/<slug>/ (``Fusion.globalContent={"type":"story",…}``).
The object's own top-level ``type`` decides: where it sits in the object varies (real pages put it
thousands of characters in, after ``_id``, ``content_elements`` and the like), and a ``"type":"story"``
inside a nested element (a related story) says nothing about the page.
"""

from __future__ import annotations

import json
import re

from crawlers.platforms import PlatformAdapter

_GLOBAL_CONTENT = re.compile(rb"Fusion\.globalContent\s*=\s*")
_DECODER = json.JSONDecoder()


class ArcAdapter(PlatformAdapter):
    name = "arc"
    home_markers = (b"Fusion.globalContent", b"/pf/resources/", b"fusion-metadata")

    def platform_says_article(self, body: bytes) -> bool:
        match = _GLOBAL_CONTENT.search(body)
        if match is None:
            return False
        try:
            content, _ = _DECODER.raw_decode(body[match.end() :].decode("utf-8", "replace"))
        except json.JSONDecodeError:
            return False
        return isinstance(content, dict) and content.get("type") == "story"
