"""The ZoxPress theme: snippets from ``content/theme.toml``, escaping, and the context pages render in."""

from __future__ import annotations

import html
import json
import tomllib
from dataclasses import dataclass, fields, replace
from functools import cached_property
from string import Template
from typing import TYPE_CHECKING, Any

from defcorpus.minisite.content import CONTENT_DIR, LINK, Content, Page, month_path, months, sidebar_lists

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime
    from pathlib import Path

    from defcorpus.minisite.content import Article


HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
TEXT = "text/plain"
THEME = "/wp-content/themes/zoxpress"
ASSETS = {  # theme.toml key -> (path, content type)
    "style_css": (f"{THEME}/style.css", "text/css; charset=UTF-8"),
    "scripts_js": (f"{THEME}/js/scripts.js", "text/javascript; charset=UTF-8"),
}


class Raw(str):
    """Markup that is already escaped; every other value is escaped when a snippet is filled."""

    __slots__ = ()


def escape(text: str) -> str:
    """Escape text for HTML; non-breaking spaces stay visible as ``&nbsp;``, as WordPress writes them."""
    if isinstance(text, Raw):
        return text
    return html.escape(text, quote=False).replace('"', "&quot;").replace("\xa0", "&nbsp;")


def day_label(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


def cdata(text: str) -> Raw:
    return Raw("<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>")


def load_theme(directory: Path = CONTENT_DIR) -> dict[str, Template]:
    """The theme snippets of ``theme.toml``, keyed by name."""
    raw = tomllib.loads((directory / "theme.toml").read_text(encoding="utf-8"))
    return {name: Template(text) for name, text in raw.items()}


@dataclass(frozen=True)
class RenderContext:
    """Content, theme and the base URL every absolute link is built from."""

    content: Content
    theme: Mapping[str, Template]
    base: str

    @classmethod
    def for_site(cls, content: Content, base_url: str) -> RenderContext:
        """The context to render ``content`` with the bundled theme, every link absolute on ``base_url``."""
        return cls(content, load_theme(), base_url.rstrip("/"))

    def url(self, path: str) -> str:
        return self.base + path

    def for_articles(self, articles: Iterable[Article]) -> RenderContext:
        """A context over ``articles`` only that keeps this one's chrome (menus, sidebar, footer).

        Why: an article's teasers come from the articles around it, so a large generated site can
        render each post against a few neighbours while every page shows the whole site's chrome.
        """
        local = RenderContext(replace(self.content, articles=tuple(articles)), self.theme, self.base)
        for name in ("common", "top", "sidebar", "footer"):  # cached_property values, shared
            local.__dict__[name] = getattr(self, name)
        return local

    @cached_property
    def common(self) -> dict[str, str]:
        """Values every snippet may use: site settings and all chrome strings."""
        site, chrome = self.content.site, self.content.chrome
        texts = {f.name: getattr(chrome, f.name) for f in fields(chrome) if f.type == "str"}
        logo = self.url(f"/wp-content/uploads/2021/03/{site.logo}")
        return texts | {
            "base": self.base, "site_name": site.name, "tagline": site.tagline, "language": site.language,
            "twitter": site.twitter, "facebook": site.facebook, "logo": logo,
        }  # fmt: skip

    def html(self, snippet: str, /, **values: str | int) -> Raw:
        """Fill an HTML/XML snippet; plain ``str`` values are escaped, ``Raw`` ones are not."""
        merged = self.common | {k: str(v) if isinstance(v, int) else v for k, v in values.items()}
        return Raw(self.theme[snippet].substitute({k: escape(v) for k, v in merged.items()}))

    def json(self, snippet: str, /, **values: object) -> list[Any]:
        """Fill a JSON-LD snippet with JSON-encoded values and parse it (so it is always valid)."""
        site = self.content.site
        merged = {
            "website_id": self.url("/#website"), "org_id": self.url("/#organization"), "home": self.url("/"),
            "search": self.url("/?s={search_term_string}"), "same_as": [s.url for s in self.content.social],
            "site_name": site.name, "tagline": site.tagline, "language": site.language,
            "logo": self.common["logo"],
        } | values  # fmt: skip
        text = self.theme[snippet].substitute({k: json.dumps(v, ensure_ascii=False) for k, v in merged.items()})
        return json.loads(text)

    def inline(self, text: str) -> Raw:
        """Escape body text and turn ``[label](href)`` into links; site paths become absolute."""
        out, pos = [], 0
        for match in LINK.finditer(text):
            href = self.url(match[2]) if match[2].startswith("/") else match[2]
            out += [escape(text[pos : match.start()]), f'<a href="{escape(href)}">{escape(match[1])}</a>']
            pos = match.end()
        return Raw("".join([*out, escape(text[pos:])]))

    def links(self, snippet: str, pairs: Iterable[tuple[str, str]]) -> Raw:
        """A run of ``href``/``text`` snippets, such as menu items or widget entries."""
        return Raw("".join(self.html(snippet, href=self.url(path), text=text) for path, text in pairs))

    def icons(self, snippet: str) -> Raw:
        return Raw("".join(self.html(snippet, url=s.url, name=s.name, icon=s.icon) for s in self.content.social))

    @cached_property
    def top(self) -> Raw:
        menu = self.links("menu_item", ((m.path, m.name) for m in self.content.menu))
        return self.html("top", social=self.icons("social_item"), menu=menu)

    @cached_property
    def sidebar(self) -> Raw:
        trending, latest = sidebar_lists(self.content)
        return self.html(
            "sidebar",
            trending=self.links("li_link", ((a.path, a.headline) for a in trending)),
            latest=self.links("li_link", ((a.path, a.headline) for a in latest)),
            archives=self.links("li_link", ((month_path(m), f"{m:%B} {m.year}") for m in months(self.content))),
        )

    @cached_property
    def footer(self) -> Raw:
        pages = self.links("li_link", ((p.path, p.title) for p in self.content.pages))
        return self.html("footer", social=self.icons("footer_social"), pages=pages)

    def document(self, head: Raw, body_class: str, main: Raw, status: int = 200) -> Page:
        text = self.html(
            "document", head=head, body_class=body_class, top=self.top, main=main, sidebar=self.sidebar,
            footer=self.footer,
        )  # fmt: skip
        return Page(HTML, text.encode(), status)

    def head(self, title: str, canonical: str, description: str, og_type: str, extra: Raw, graph: list[Any]) -> Raw:
        """The Yoast-style <head>; ``graph`` gets the WebSite and Organization nodes appended."""
        ld = {"@context": "https://schema.org", "@graph": graph + self.json("jsonld_site")}
        data = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")  # never end the script early
        og_title = title.removesuffix(f" - {self.content.site.name}")
        return self.html(
            "head", title=title, canonical=canonical, description=description, og_type=og_type,
            og_title=og_title, extra=extra, json_ld=Raw(data),
        )  # fmt: skip
