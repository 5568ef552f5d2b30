"""Platform adapters: the little a site's platform changes about crawling, chosen by ``platform = …``.

An adapter recognises its platform in a home page (for onboarding) and tells an article page from
anything else that slipped past the URL rules (a hub, a tag page, an author page), reading structured
data the platform embeds: JSON-LD everywhere, Arc XP's ``Fusion.globalContent``, Next.js's
``__NEXT_DATA__``, Drupal's node classes. Adapters hold no state and never fetch anything.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Literal

from corpus.schema import ARTICLE_TYPES

if TYPE_CHECKING:
    from scrapy.http import Response

PageKind = Literal["article", "not_article", "unknown"]

LISTING_TYPES = {"CollectionPage", "ProfilePage", "SearchResultsPage", "ItemList"}
# Matched on the lower-cased page (``bytes.lower()`` folds ASCII only, as ``re.IGNORECASE`` does on bytes):
# the literal ``<script`` then lets the search skip ahead, and the block's end is found with ``find``.
_LD_JSON_TAG = re.compile(rb"<script[^>]+application/ld\+json[^>]*>")
_SCRIPT_END = b"</script>"


def json_ld_blocks(body: bytes) -> list[bytes]:
    """The contents of the page's ``<script type="application/ld+json">`` elements, in order."""
    lowered = body.lower()
    blocks = []
    pos = 0
    while tag := _LD_JSON_TAG.search(lowered, pos):
        end = lowered.find(_SCRIPT_END, tag.end())
        if end < 0:
            break
        blocks.append(body[tag.end() : end])
        pos = end + len(_SCRIPT_END)
    return blocks


def json_ld_types(body: bytes) -> set[str]:
    """Every ``@type`` in the page's JSON-LD blocks (``@graph`` included); bad JSON is skipped."""
    types: set[str] = set()
    for block in json_ld_blocks(body):
        try:
            data = json.loads(block)
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                kind = node.get("@type")
                types.update([kind] if isinstance(kind, str) else [k for k in kind or [] if isinstance(k, str)])
                stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
    return types


class PlatformAdapter:
    """The generic adapter (``platform = "custom"`` or none): JSON-LD and ``og:type`` only."""

    name = "custom"
    home_markers: tuple[bytes, ...] = ()

    def detect(self, home_html: bytes) -> bool:
        return any(marker in home_html for marker in self.home_markers)

    def page_kind(self, response: Response) -> PageKind:
        body = response.body
        types = json_ld_types(body)
        if types & ARTICLE_TYPES or self.platform_says_article(body):
            return "article"
        if types & LISTING_TYPES:
            return "not_article"
        if re.search(rb"""<meta[^>]+property=["']og:type["'][^>]+content=["']article""", body):
            return "article"
        return "unknown"

    def platform_says_article(self, body: bytes) -> bool:
        return False


def adapter_for(platform: str | None) -> PlatformAdapter:
    from crawlers.platforms.arc import ArcAdapter
    from crawlers.platforms.drupal import DrupalAdapter
    from crawlers.platforms.nextjs import NextJsAdapter
    from crawlers.platforms.wordpress import WordPressAdapter

    adapters: dict[str, type[PlatformAdapter]] = {
        "wordpress": WordPressAdapter,
        "arc": ArcAdapter,
        "nextjs": NextJsAdapter,
        "drupal": DrupalAdapter,
    }
    return adapters.get(platform or "custom", PlatformAdapter)()


def detect_platform(home_html: bytes) -> str:
    """The first platform whose markers the home page shows (Next.js before WordPress: a headless
    WordPress front end shows both); ``custom`` if none."""
    for name in ("nextjs", "arc", "drupal", "wordpress"):
        if adapter_for(name).detect(home_html):
            return name
    return "custom"
