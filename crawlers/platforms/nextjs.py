"""Next.js front ends (twz.com over headless WordPress): ``<script id="__NEXT_DATA__">`` holds the page's
props; an article page's ``props.pageProps`` has a ``post`` (or ``article``) object."""

from __future__ import annotations

import json
import re
from typing import Any

from crawlers.platforms import PlatformAdapter

_NEXT_DATA = re.compile(rb"""<script[^>]+id=["']__NEXT_DATA__["'][^>]*>(.*?)</script>""", re.DOTALL)


def next_data(body: bytes) -> dict[str, Any] | None:
    match = _NEXT_DATA.search(body)
    if not match:
        return None
    try:
        data = json.loads(match[1])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class NextJsAdapter(PlatformAdapter):
    name = "nextjs"
    home_markers = (b'id="__NEXT_DATA__"', b"/_next/static/")

    def platform_says_article(self, body: bytes) -> bool:
        data = next_data(body)
        props = ((data or {}).get("props") or {}).get("pageProps") or {}
        return any(isinstance(props.get(key), dict) for key in ("post", "article"))
