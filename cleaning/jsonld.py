"""A page's JSON-LD as plain nodes: every script, ``@graph`` and array flattened, strings entity-decoded.

Publishers' JSON-LD is often written by templates that HTML-escape it ("M&#038;A", "M&amp;A") or
that leave raw control characters in strings; both are read as a browser's structured-data tool
would. References (``{"@id": …}``) resolve against the page's other nodes.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import html as lxml_html

from corpus.schema import ARTICLE_TYPES

_ARTICLE_TYPES = ARTICLE_TYPES | {"WebPage"}  # a WebPage node is the last resort
_PEOPLE = {"Person", "Organization", "NewsMediaOrganization", "Corporation"}


@dataclass(frozen=True)
class JsonLd:
    """The page's JSON-LD nodes; ``article`` is the node that describes the page's article."""

    nodes: tuple[dict[str, Any], ...] = ()
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def article(self) -> dict[str, Any]:
        ranked = sorted(self.nodes, key=lambda n: types(n).isdisjoint(ARTICLE_TYPES))
        return next((n for n in ranked if not types(n).isdisjoint(_ARTICLE_TYPES)), {})

    def resolve(self, value: Any) -> Any:
        """A node given by reference only (``{"@id": …}``) as the full node, else the value itself."""
        if isinstance(value, dict) and isinstance(value.get("@id"), str) and len(value) <= 2:
            return self.by_id.get(value["@id"], value)
        return value

    def values(self, key: str) -> Iterator[Any]:
        """``key`` of the article node first, then of every other node that has it."""
        article = self.article
        if key in article:
            yield article[key]
        for node in self.nodes:
            if node is not article and key in node and not types(node).isdisjoint(_ARTICLE_TYPES):
                yield node[key]

    def people(self, key: str) -> list[tuple[str, bool]]:
        """Names under ``key`` of the article node, each with whether it is a person (not an org)."""
        found: list[tuple[str, bool]] = []
        for value in self.values(key):
            for item in value if isinstance(value, list) else [value]:
                item = self.resolve(item)
                if isinstance(item, str):
                    found.append((item, True))
                elif isinstance(item, dict):
                    name = item.get("name") or item.get("byline") or item.get("alternateName")
                    if isinstance(name, list):
                        name = next((n for n in name if isinstance(n, str)), None)
                    if isinstance(name, str):
                        found.append((name, types(item).isdisjoint(_PEOPLE - {"Person"})))
            if found:
                break
        return found


def read_jsonld(tree: lxml_html.HtmlElement) -> JsonLd:
    nodes: list[dict[str, Any]] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        data = _loads(script.text or "")
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                graph = item.get("@graph", [item])
                nodes.extend(n for n in (graph if isinstance(graph, list) else [graph]) if isinstance(n, dict))
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    return JsonLd(tuple(nodes), by_id)


def types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", [])
    return {t for t in (value if isinstance(value, list) else [value]) if isinstance(t, str)}


def _loads(text: str) -> Any:
    try:
        return _decoded(json.loads(text, strict=False))  # strict=False: raw newlines inside strings
    except (json.JSONDecodeError, RecursionError):
        return None


def _decoded(value: Any) -> Any:
    if isinstance(value, str):
        return html.unescape(value) if "&" in value else value
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    return value
