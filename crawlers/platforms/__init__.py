"""Platform adapters: the little a site's platform changes about crawling, chosen by ``platform = …``.

An adapter recognises its platform in a home page (for onboarding) and tells an article page from
anything else that slipped past the URL rules (a hub, a tag page, an author page), reading structured
data the platform embeds: JSON-LD everywhere, Arc XP's ``Fusion.globalContent``, Next.js's
``__NEXT_DATA__``, Drupal's node classes. Adapters hold no state and never fetch anything.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Literal

from corpus.dates import parse_datetime
from corpus.schema import ARTICLE_TYPES

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from scrapy.http import Response

PageKind = Literal["article", "not_article", "unknown"]

LISTING_TYPES = {"CollectionPage", "ProfilePage", "SearchResultsPage", "ItemList"}
# Matched on the lower-cased page (``bytes.lower()`` folds ASCII only, as ``re.IGNORECASE`` does on bytes):
# the literal ``<script`` then lets the search skip ahead, and the block's end is found with ``find``.
_LD_JSON_TAG = re.compile(rb"<script[^>]+application/ld\+json[^>]*>")
_SCRIPT_END = b"</script>"
_META_TAG = re.compile(rb"<meta\s[^>]*>", re.IGNORECASE)
_PUBLISHED_TIME = re.compile(rb"""(?:property|name)\s*=\s*["']article:published_time["']""", re.IGNORECASE)
_CONTENT = re.compile(rb"""content\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


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


def json_ld_nodes(body: bytes) -> Iterator[dict[str, Any]]:
    """Every object in the page's JSON-LD blocks (``@graph`` and nested ones included); bad JSON is skipped."""
    for block in json_ld_blocks(body):
        try:
            data = json.loads(block)
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                yield node
                stack.extend(v for v in reversed(node.values()) if isinstance(v, (dict, list)))


def json_ld_types(body: bytes) -> set[str]:
    """Every ``@type`` in the page's JSON-LD blocks (``@graph`` included); bad JSON is skipped."""
    types: set[str] = set()
    for node in json_ld_nodes(body):
        types.update(_types(node))
    return types


def published_date(body: bytes) -> datetime | None:
    """When the page says it was published: JSON-LD ``datePublished`` (an article node's first), else the
    ``article:published_time`` meta tag. What the crawl window decides by when discovery had no date."""
    found: datetime | None = None
    for node in json_ld_nodes(body):
        value = node.get("datePublished")
        when = parse_datetime(value) if isinstance(value, str) else None
        if when is not None and _types(node) & ARTICLE_TYPES:
            return when
        found = found or when
    if found is not None:
        return found
    for tag in _META_TAG.findall(body):
        if _PUBLISHED_TIME.search(tag) and (content := _CONTENT.search(tag)):
            return parse_datetime(content[1].decode("utf-8", "replace"))
    return None


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    if isinstance(kind, str):
        return {kind}
    return {k for k in kind if isinstance(k, str)} if isinstance(kind, list) else set()


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
