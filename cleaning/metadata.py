"""Article metadata from every source a page has, structured data first.

Headline, section, tags, description, language and image come from JSON-LD, then meta tags, then
the page. Authors and dates have modules of their own (``cleaning.authors``, ``cleaning.dating``):
each reads many sources and keeps the first value that can be true. Footer text is never a source
of dates (a "© 2026" line is not a publication date).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml import html as lxml_html

from cleaning import dating
from cleaning.authors import byline_names, clean_names
from cleaning.dateline import labelled_dates, shown_dates
from cleaning.headline import choose_headline
from cleaning.jsonld import JsonLd, read_jsonld
from cleaning.normalize import normalize_text, word_key

__all__ = ["Metadata", "clean_names", "read_metadata", "split_credit"]
_LANGUAGE = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
_CREDIT_WORDS = r"photo|image|photograph|illustration|credit|courtesy|dvids|getty|reuters|afp|associated press|ap"
_CREDIT_PARENS = re.compile(rf"\s*\(([^()]*\b(?:{_CREDIT_WORDS})\b[^()]*)\)\s*$", re.IGNORECASE)
_CREDIT_LABEL = re.compile(r"\s*((?:photo|image|credit|photograph)s?\s*(?::|by\b)\s*[^:]{2,120})$", re.IGNORECASE)
_CREDIT = re.compile(rf"\s+((?:[\w.]+\s+){{0,4}}(?:{_CREDIT_WORDS})\b[^()]*)$", re.IGNORECASE)
# Meta tags that name the author, in the order publishers' tools fill them.
_AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "citation_author",
    "byl",
)


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
    # Stated dates that could not be true, as "<field>_<reason>" (e.g. "date_published_after_fetch").
    refused: list[str] = field(default_factory=list)


def read_metadata(tree: lxml_html.HtmlElement, url: str, fetched_at: datetime | None = None) -> Metadata:
    """The page's metadata; ``fetched_at`` bounds the dates (none can be later than the fetch)."""
    jsonld = read_jsonld(tree)
    ld = jsonld.article
    meta = _meta_tags(tree)
    refused_published: set[str] = set()
    refused_modified: set[str] = set()
    headline = choose_headline(
        tree,
        (ld.get("headline"), meta.get("og:title"), meta.get("twitter:title")),
        tree.findtext(".//title"),
        _site_names(jsonld, meta),
        url,
    )
    shown = shown_dates(tree, headline, url)
    labelled = functools.cache(lambda: labelled_dates(tree))  # read only when nothing nearer dates the page
    date_modified = dating.modified(tree, jsonld, meta, fetched_at, refused_modified, shown, labelled)
    metadata = Metadata(
        headline=headline,
        authors=_authors(tree, jsonld, meta),
        date_published=dating.published(
            tree, jsonld, meta, url, fetched_at, refused_published, shown, date_modified, labelled
        ),
        date_modified=date_modified,
        section=_first(_first_str(ld.get("articleSection")), meta.get("article:section")),
        tags=_unique(
            _keywords(ld.get("keywords")) or meta.get("article:tag", []) or _keywords(meta.get("news_keywords"))
        ),
        description=_first(ld.get("description"), meta.get("og:description"), meta.get("description")),
        canonical_url=_absolute(url, _first(_attr(tree, "//link[@rel='canonical']/@href"), meta.get("og:url"))),
        language=_language(tree, ld, meta),
        image_url=_absolute(url, _first(_ld_image(jsonld), meta.get("og:image"))),
    )
    metadata.refused = sorted(
        [f"date_published_{r}" for r in refused_published] + [f"date_modified_{r}" for r in refused_modified]
    )
    return metadata


def _authors(tree: lxml_html.HtmlElement, jsonld: JsonLd, meta: dict[str, Any]) -> list[str]:
    """People named by the structured data, else by the meta tags, else by the visible byline;
    an organisation — typed so, or named like the site itself — only when nothing names a person."""
    site = _site_names(jsonld, meta)
    named = jsonld.people("author") or jsonld.people("creator")
    tagged = clean_names(v for k in _AUTHOR_META if isinstance(v := meta.get(k), str) and not _is_url(v))
    if meta.get("twitter:label1", "").casefold() in ("written by", "author", "by"):
        tagged += clean_names([meta.get("twitter:data1", "")])
    sources: list[Callable[[], list[str]]] = [
        lambda: clean_names(name for name, is_person in named if is_person),
        lambda: tagged,
        lambda: byline_names(tree),
        lambda: clean_names(name for name, _ in named),
    ]
    fallback: list[str] = []
    for source in sources:
        names = source()
        people = [n for n in names if _fold(n) not in site]
        if people:
            return people
        fallback = fallback or names  # a personal site's author is named like the site
    return fallback


def _site_names(jsonld: JsonLd, meta: dict[str, Any]) -> set[str]:
    """The publisher's own names (og:site_name, the JSON-LD publisher, the app name), folded."""
    names = [meta.get("og:site_name"), meta.get("application-name")]
    names += [name for name, _ in jsonld.people("publisher")]
    return {_fold(n) for n in names if isinstance(n, str) and n.strip()}


def _fold(text: str) -> str:
    return word_key(text, fold=True)


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://", "/"))


def _ld_image(jsonld: JsonLd) -> str | None:
    for image in _as_list(jsonld.article.get("image")):
        if isinstance(image, dict):
            image = jsonld.resolve(image)
            image = image.get("url") or image.get("contentUrl")
        if isinstance(image, str):
            return image
    return None


def split_credit(caption: str) -> tuple[str, str | None]:
    """'Troops fire… (U.S. Army photo by Sgt. X/Released)' -> ('Troops fire…', 'U.S. Army photo by Sgt. X/Released').

    A trailing parenthesis that names a photo, an image or its source is the credit, whole (so
    "U.S." never splits it); else a "Photo: …"/"Credit: …" label; else a "… photo by …" tail.
    """
    caption = normalize_text(caption)
    for pattern in (_CREDIT_PARENS, _CREDIT_LABEL, _CREDIT):
        match = pattern.search(caption)
        if match and match.start() > 0:
            return caption[: match.start()].rstrip(" -–—|"), match.group(1).strip()
    return caption, None


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


def _absolute(base: str, url: str | None) -> str | None:
    return urljoin(base, url) if url else None


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
