"""Article metadata from structured data first: JSON-LD, then meta tags, then the page, then the URL.

Footer text is never a source of dates (a "© 2026" line is not a publication date).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from lxml import html as lxml_html

from cleaning.normalize import normalize_text
from corpus.dates import parse_datetime
from corpus.schema import ARTICLE_TYPES

_ARTICLE_TYPES = ARTICLE_TYPES | {"WebPage"}  # a WebPage node is the last resort
_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(?:(0[1-9]|[12]\d|3[01])/)?")
_BYLINE_PREFIX = re.compile(r"^\s*(by|written by|posted by|words by|reporting by)\s*:?\s+", re.IGNORECASE)
_PERSON_SPLIT = re.compile(r"\s*(?:,?\s*\band\b|&|;|\|)\s*", re.IGNORECASE)
_PART_SPLIT = re.compile(r"\s*(?:,|\s[-–—]\s)\s*")
# A byline part that is a job title, a contact link or a credential, not a name.
_NOT_A_NAME = re.compile(
    r"@|https?://|www\.|\b(?:e-?mail|follow|contact|view all|posts? by|more from|twitter|x\.com)\b|"
    r"\b(?:editor|correspondent|reporter|writer|columnist|contributor|analyst|fellow|director|producer|"
    r"photographer|journalist|intern|staff|chief|bureau|desk|professor|officer|host|manager)s?\b",
    re.IGNORECASE,
)
_CREDENTIAL = re.compile(r"(?:^|\s+)(?:ph\.?\s?d|m\.?d|esq|jr|sr)\.?$", re.IGNORECASE)
_BYLINE_SENTENCE = re.compile(r"\s+(?:is|was)\s+(?:a|an|the)\s.*$", re.IGNORECASE)
_LANGUAGE = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
_CREDIT = re.compile(r"\s*\(?((?:[A-Za-z.]+\s+)?(?:photo|image|photograph|credit)\b[^()]*)\)?\s*$", re.IGNORECASE)


@dataclass
class Metadata:
    headline: str | None = None
    authors: list[str] = field(default_factory=list)
    date_published: datetime | None = None
    date_modified: datetime | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    image_url: str | None = None


def read_metadata(tree: lxml_html.HtmlElement, url: str) -> Metadata:
    ld = _article_ld(tree)
    meta = _meta_tags(tree)
    return Metadata(
        headline=_first(ld.get("headline"), meta.get("og:title"), _text(tree, "//h1"), _text(tree, "//title")),
        authors=clean_names(_ld_authors(ld) or _as_list(meta.get("author"))),
        date_published=_first_date(
            ld.get("datePublished"),
            meta.get("article:published_time"),
            _attr(tree, "//*[@itemprop='datePublished']/@content"),
            _attr(tree, "//time[@datetime][1]/@datetime"),
        )
        or _url_date(url),
        date_modified=_first_date(
            ld.get("dateModified"),
            meta.get("article:modified_time"),
            meta.get("og:updated_time"),
            _attr(tree, "//*[@itemprop='dateModified']/@content"),
        ),
        section=_first(_first_str(ld.get("articleSection")), meta.get("article:section")),
        tags=_unique(
            _keywords(ld.get("keywords")) or meta.get("article:tag", []) or _keywords(meta.get("news_keywords"))
        ),
        description=_first(ld.get("description"), meta.get("og:description"), meta.get("description")),
        canonical_url=_absolute(url, _first(_attr(tree, "//link[@rel='canonical']/@href"), meta.get("og:url"))),
        language=_language(tree, ld, meta),
        image_url=_absolute(url, _first(_ld_image(ld), meta.get("og:image"))),
    )


def clean_names(raw: list[str]) -> list[str]:
    """Byline strings to a list of names: no "By", no "and", no job titles or contact links, no duplicates."""
    names: list[str] = []
    for item in raw:
        for person in _PERSON_SPLIT.split(_BYLINE_PREFIX.sub("", normalize_text(item))):
            for part in _person_names(person):
                if part.casefold() not in {n.casefold() for n in names}:
                    names.append(part)
    return names


def _person_names(segment: str) -> list[str]:
    """Names in one byline segment; what follows a job title ("Editor, Air Power") is the title's."""
    names = []
    for part in _PART_SPLIT.split(segment):
        part = _CREDENTIAL.sub("", _BYLINE_SENTENCE.sub("", part)).strip(" :")
        if _NOT_A_NAME.search(part):
            break
        if any(c.isalpha() for c in part) and len(part.split()) <= 5:
            names.append(part.title() if part.isupper() and len(part) > 3 else part)
    return names


def split_credit(caption: str) -> tuple[str, str | None]:
    """'Soldiers fire… (DoD photo by Sgt. X/Released)' -> ('Soldiers fire…', 'DoD photo by Sgt. X/Released')."""
    caption = normalize_text(caption)
    match = _CREDIT.search(caption)
    if not match or match.start() == 0:
        return caption, None
    return caption[: match.start()].rstrip(), match.group(1).strip()


def _article_ld(tree: lxml_html.HtmlElement) -> dict[str, Any]:
    """The page's article object from JSON-LD, with Person references resolved by @id."""
    nodes: list[dict[str, Any]] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except json.JSONDecodeError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                nodes.extend(n for n in item.get("@graph", [item]) if isinstance(n, dict))
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    ranked = sorted(nodes, key=lambda n: _ld_types(n).isdisjoint(ARTICLE_TYPES))
    for node in ranked:
        if not _ld_types(node).isdisjoint(_ARTICLE_TYPES):
            return {**node, "_by_id": by_id}
    return {}


def _ld_types(node: dict[str, Any]) -> set[str]:
    types = node.get("@type", [])
    return set(types if isinstance(types, list) else [types])


def _ld_authors(ld: dict[str, Any]) -> list[str]:
    names = []
    for author in _as_list(ld.get("author")):
        if isinstance(author, dict):
            author = ld["_by_id"].get(author.get("@id"), author) if "name" not in author else author
            author = author.get("name")
        if isinstance(author, str):
            names.append(author)
    return names


def _ld_image(ld: dict[str, Any]) -> str | None:
    for image in _as_list(ld.get("image")):
        if isinstance(image, dict):
            image = ld["_by_id"].get(image.get("@id"), image)
            image = image.get("url") or image.get("contentUrl")
        if isinstance(image, str):
            return image
    return None


def _meta_tags(tree: lxml_html.HtmlElement) -> dict[str, Any]:
    meta: dict[str, Any] = {"article:tag": []}
    for el in tree.xpath("//meta[@content]"):
        key = (el.get("property") or el.get("name") or "").strip().lower()
        value = normalize_text(el.get("content"))
        if not key or not value:
            continue
        if key == "article:tag":
            meta[key].append(value)
        else:
            meta.setdefault(key, value)
    return meta


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    return [k for k in _as_list(value) if isinstance(k, str)]


def _language(tree: lxml_html.HtmlElement, ld: dict[str, Any], meta: dict[str, Any]) -> str | None:
    """ISO 639-1 code from the page's declared language ("en-US", "en_GB", "fr" -> "en", "en", "fr")."""
    declared = _attr(tree, "//meta[@http-equiv='content-language']/@content")
    ld_lang = _first_str(ld.get("inLanguage"))
    candidates = (tree.get("lang"), tree.get("xml:lang"), declared, ld_lang, meta.get("og:locale"))
    for value in candidates:
        if isinstance(value, str) and (match := _LANGUAGE.match(value.split(",")[0].strip())):
            return match[1].lower()
    return None


def _first_date(*values: Any) -> datetime | None:
    for value in values:
        if isinstance(value, str) and (parsed := parse_datetime(value)):
            return parsed
    return None


def _absolute(base: str, url: str | None) -> str | None:
    return urljoin(base, url) if url else None


def _url_date(url: str) -> datetime | None:
    match = _URL_DATE.search(url)
    if not match:
        return None
    return datetime(int(match[1]), int(match[2]), int(match[3] or 1), tzinfo=UTC)


def _first(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and (text := normalize_text(value)):
            return text
    return None


def _first_str(value: Any) -> str | None:
    return next((v for v in _as_list(value) if isinstance(v, str)), None)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(normalize_text(i) for i in items if normalize_text(i)))


def _text(tree: lxml_html.HtmlElement, xpath: str) -> str | None:
    found = tree.xpath(xpath)
    return found[0].text_content() if found else None


def _attr(tree: lxml_html.HtmlElement, xpath: str) -> str | None:
    found = tree.xpath(xpath)
    return str(found[0]) if found else None
