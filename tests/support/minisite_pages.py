"""The bundled mini-site rendered once, and the ways its tests read a page (text, JSON-LD, meta, XML)."""

from __future__ import annotations

import json
import re

from lxml import etree, html

from defcorpus.minisite import build_site, load_content

BASE = "http://minisite.test:8080"
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
CONTENT = load_content()
SITE = build_site(BASE)
HTML_PATHS = sorted(p for p, page in SITE.items() if page.content_type.startswith("text/html"))


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def html_of(path: str) -> html.HtmlElement:
    return html.fromstring(SITE[path].body)


def block_texts(body: html.HtmlElement) -> list[str]:
    """A post body's children as text, each list item a block (the convention of expected_body)."""
    texts: list[str] = []
    for child in body:
        if child.tag == "ul":
            texts += [norm(li.text_content()) for li in child.iter("li")]
        else:
            texts.append(norm(child.text_content()))
    return texts


def json_ld(path: str) -> dict[str, dict]:
    """The page's JSON-LD nodes keyed by @type."""
    (script,) = html_of(path).xpath('//script[@type="application/ld+json"]/text()')
    return {node["@type"]: node for node in json.loads(script)["@graph"]}


def meta(doc: html.HtmlElement, key: str) -> list[str]:
    return doc.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')


def xml_of(path: str) -> etree._Element:
    return etree.fromstring(SITE[path].body)
