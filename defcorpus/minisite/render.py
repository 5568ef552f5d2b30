"""Render the mini-site: the TOML content in ``content/`` in, a mapping of URL path -> Page out.

``build_site`` is a pure function of the content and ``base_url``, so the same bytes can be served
over HTTP, parsed directly in tests or written to disk. The markup imitates a WordPress site running
the ZoxPress theme and Yoast SEO, chrome included: that chrome is what the crawler has to see past
and what the cleaner has to strip.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
import tomllib
from dataclasses import dataclass, fields
from email.utils import format_datetime
from functools import cached_property
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

CONTENT_DIR = Path(__file__).with_name("content")
HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
TEXT = "text/plain"
THEME = "/wp-content/themes/zoxpress"
ASSETS = {  # theme.toml key -> (path, content type)
    "style_css": (f"{THEME}/style.css", "text/css; charset=UTF-8"),
    "scripts_js": (f"{THEME}/js/scripts.js", "text/javascript; charset=UTF-8"),
}
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BLOCK_KINDS = ("p", "h2", "quote", "ul")


# --------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Page:
    """One response of the site. ``last_modified`` lets the server answer conditional requests."""

    content_type: str
    body: bytes
    status: int = 200
    last_modified: datetime | None = None


def plain_text(text: str) -> str:
    """Text as a reader sees it: link markup dropped, non-breaking spaces as plain spaces."""
    return _LINK.sub(r"\1", text).replace("\xa0", " ")


@dataclass(frozen=True)
class Block:
    """One block of an article body: a paragraph (optionally with a bold lead-in), h2, quote or list."""

    kind: Literal["p", "h2", "quote", "ul"]
    text: str = ""
    lead: str = ""
    items: tuple[str, ...] = ()

    @classmethod
    def from_toml(cls, raw: dict[str, Any]) -> Block:
        kinds = [k for k in _BLOCK_KINDS if k in raw]
        if len(kinds) != 1 or set(raw) - {*_BLOCK_KINDS, "lead"} or ("lead" in raw and kinds != ["p"]):
            raise ValueError(f"malformed body block: {raw!r}")
        kind = kinds[0]
        if kind == "ul":
            return cls("ul", items=tuple(raw["ul"]))
        return cls(kind, text=raw[kind], lead=raw.get("lead", ""))  # type: ignore[arg-type]

    @property
    def plain(self) -> str:
        """The block as a cleaner should emit it; each list item is a paragraph of its own."""
        if self.kind == "ul":
            return "\n\n".join(plain_text(item) for item in self.items)
        return f"{plain_text(self.lead)} {plain_text(self.text)}" if self.lead else plain_text(self.text)


@dataclass(frozen=True)
class Section:
    slug: str
    name: str
    description: str

    @property
    def path(self) -> str:
        return f"/category/{self.slug}/"


@dataclass(frozen=True)
class Author:
    slug: str
    name: str
    job_title: str
    photo: str
    bios: tuple[str, ...]
    box_bio: int

    @property
    def path(self) -> str:
        return f"/author/{self.slug}/"

    @property
    def photo_path(self) -> str:
        return f"/wp-content/uploads/authors/{self.photo}"

    @property
    def box(self) -> str:
        """The bio variant shown in the author box and the Person schema."""
        return self.bios[self.box_bio]


@dataclass(frozen=True)
class Article:
    id: int
    slug: str
    headline: str
    author: Author
    section: Section
    date_published: datetime
    date_modified: datetime
    tags: tuple[str, ...]
    description: str
    image: str
    caption: str
    credit: str
    bios: tuple[int, ...]
    body: tuple[Block, ...]
    robots_disallowed: bool = False

    @property
    def path(self) -> str:
        return f"/{self.date_published:%Y/%m}/{self.slug}/"

    @property
    def image_path(self) -> str:
        return f"/wp-content/uploads/{self.date_published:%Y/%m}/{self.image}"

    @property
    def pasted_bios(self) -> tuple[str, ...]:
        """Bio paragraphs the author pasted at the end of the body, as on the real site."""
        return tuple(self.author.bios[i] for i in self.bios)


@dataclass(frozen=True)
class StaticPage:
    slug: str
    title: str
    date_published: datetime
    date_modified: datetime
    body: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/{self.slug}/"


@dataclass(frozen=True)
class SiteInfo:
    name: str
    tagline: str
    language: str
    logo: str
    twitter: str
    facebook: str
    per_page: int
    feed_size: int
    latest_size: int
    trending: tuple[str, ...]


@dataclass(frozen=True)
class Chrome:
    """Theme text printed on every article page (see the note in content/site.toml)."""

    connect: str
    search_prompt: str
    up_next: str
    dont_miss: str
    newsletter_head: str
    newsletter_text: str
    newsletter_button: str
    newsletter_legal: str
    ad_label: str
    share: tuple[str, ...]
    tags_label: str
    comment_link: str
    comments_title: str
    comments_note: str
    comments_consent: str
    comments_button: str
    related_head: str
    trending_head: str
    latest_head: str
    archives_head: str
    footer_about: str
    footer_follow: str
    copyright: str


@dataclass(frozen=True)
class Link:
    name: str
    path: str


@dataclass(frozen=True)
class Social:
    name: str
    icon: str
    url: str


@dataclass(frozen=True)
class Content:
    """Everything on the site; ``articles`` is newest first and includes robots-disallowed posts."""

    site: SiteInfo
    chrome: Chrome
    seed: str
    menu: tuple[Link, ...]
    social: tuple[Social, ...]
    sections: tuple[Section, ...]
    authors: tuple[Author, ...]
    pages: tuple[StaticPage, ...]
    articles: tuple[Article, ...]

    @property
    def public(self) -> tuple[Article, ...]:
        """Articles a polite crawler may fetch: the ones it must find."""
        return tuple(a for a in self.articles if not a.robots_disallowed)

    def article(self, slug: str) -> Article:
        return next(a for a in self.articles if a.slug == slug)


def _tuples(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}


def _article(raw: dict[str, Any], authors: dict[str, Author], sections: dict[str, Section]) -> Article:
    values = _tuples(raw) | {
        "author": authors[raw["author"]],
        "section": sections[raw["section"]],
        "body": tuple(Block.from_toml(b) for b in raw["body"]),
    }
    article = Article(**values)
    if not all(0 <= i < len(article.author.bios) for i in article.bios):
        raise ValueError(f"{article.slug}: bio index out of range")
    return article


def load_content(directory: Path = CONTENT_DIR) -> Content:
    """Read and check ``site.toml`` and every ``articles-*.toml``; unknown keys are errors."""
    site = tomllib.loads((directory / "site.toml").read_text(encoding="utf-8"))
    sections = {s["slug"]: Section(**s) for s in site["sections"]}
    authors = {a["slug"]: Author(**_tuples(a)) for a in site["authors"]}
    raw_articles = [
        raw
        for path in sorted(directory.glob("articles-*.toml"))
        for raw in tomllib.loads(path.read_text(encoding="utf-8"))["articles"]
    ]
    articles = sorted((_article(r, authors, sections) for r in raw_articles), key=lambda a: a.date_published)
    content = Content(
        site=SiteInfo(**_tuples(site["site"])),
        chrome=Chrome(**_tuples(site["chrome"])),
        seed=site["fixture"]["seed"],
        menu=tuple(Link(**m) for m in site["menu"]),
        social=tuple(Social(**s) for s in site["social"]),
        sections=tuple(sections.values()),
        authors=tuple(authors.values()),
        pages=tuple(StaticPage(**_tuples(p)) for p in site["pages"]),
        articles=tuple(reversed(articles)),
    )
    slugs = [a.slug for a in content.articles]
    if len(set(slugs)) != len(slugs) or not {content.seed, *content.site.trending} <= set(slugs):
        raise ValueError("duplicate article slugs, or seed/trending naming an unknown article")
    return content


def slugify(name: str) -> str:
    """WordPress-style slug for a tag name ("U.S. Navy" -> "u-s-navy")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def tag_path(name: str) -> str:
    return f"/tag/{slugify(name)}/"


@dataclass(frozen=True)
class Teasers:
    """Other articles an article page links to: in-body teasers and the "You may also like" block."""

    up_next: Article
    dont_miss: Article
    related: tuple[Article, Article, Article]


def teasers(content: Content, article: Article) -> Teasers:
    """Pick teasers deterministically: walk back in time from the article, wrapping to the newest."""
    others = [a for a in content.public if a.slug != article.slug]  # newest first
    older = [a for a in others if a.date_published < article.date_published]
    picks = older + others[: len(others) - len(older)]
    return Teasers(picks[0], picks[1], (picks[2], picks[3], picks[4]))


def sidebar_lists(content: Content) -> tuple[tuple[Article, ...], tuple[Article, ...]]:
    """The "Trending" and "Latest" widget entries."""
    trending = tuple(content.article(slug) for slug in content.site.trending)
    return trending, content.public[: content.site.latest_size]


def months(content: Content) -> list[datetime]:
    """One datetime per month that has posts, newest first (archive widget, monthly sitemaps)."""
    seen: dict[str, datetime] = {}
    for a in content.articles:
        seen.setdefault(f"{a.date_published:%Y/%m}", a.date_published)
    return list(seen.values())


def month_path(month: datetime) -> str:
    return f"/{month:%Y/%m}/"


def paginate(items: tuple[Article, ...], per_page: int) -> list[tuple[Article, ...]]:
    """Split a listing into pages; an empty listing still has one (empty) page."""
    count = max(1, math.ceil(len(items) / per_page))
    return [items[i * per_page : (i + 1) * per_page] for i in range(count)]


def paged_path(path: str, number: int) -> str:
    """WordPress pagination: ``/category/navy/`` -> ``/category/navy/page/2/``."""
    return path if number == 1 else f"{path}page/{number}/"


# ---------------------------------------------------------------------------------------- theme


class _Raw(str):
    """Markup that is already escaped; every other value is escaped when a snippet is filled."""

    __slots__ = ()


def _e(text: str) -> str:
    """Escape text for HTML; non-breaking spaces stay visible as ``&nbsp;``, as WordPress writes them."""
    if isinstance(text, _Raw):
        return text
    return html.escape(text, quote=False).replace('"', "&quot;").replace("\xa0", "&nbsp;")


def _day(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


def _cdata(text: str) -> _Raw:
    return _Raw("<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>")


def load_theme(directory: Path = CONTENT_DIR) -> dict[str, Template]:
    """The theme snippets of ``theme.toml``, keyed by name."""
    raw = tomllib.loads((directory / "theme.toml").read_text(encoding="utf-8"))
    return {name: Template(text) for name, text in raw.items()}


@dataclass(frozen=True)
class _Ctx:
    """Content, theme and the base URL every absolute link is built from."""

    content: Content
    theme: Mapping[str, Template]
    base: str

    def url(self, path: str) -> str:
        return self.base + path

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

    def html(self, snippet: str, /, **values: str | int) -> _Raw:
        """Fill an HTML/XML snippet; plain ``str`` values are escaped, ``_Raw`` ones are not."""
        merged = self.common | {k: str(v) if isinstance(v, int) else v for k, v in values.items()}
        return _Raw(self.theme[snippet].substitute({k: _e(v) for k, v in merged.items()}))

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

    def inline(self, text: str) -> _Raw:
        """Escape body text and turn ``[label](href)`` into links; site paths become absolute."""
        out, pos = [], 0
        for match in _LINK.finditer(text):
            href = self.url(match[2]) if match[2].startswith("/") else match[2]
            out += [_e(text[pos : match.start()]), f'<a href="{_e(href)}">{_e(match[1])}</a>']
            pos = match.end()
        return _Raw("".join([*out, _e(text[pos:])]))

    def links(self, snippet: str, pairs: Iterable[tuple[str, str]]) -> _Raw:
        """A run of ``href``/``text`` snippets, such as menu items or widget entries."""
        return _Raw("".join(self.html(snippet, href=self.url(path), text=text) for path, text in pairs))

    def icons(self, snippet: str) -> _Raw:
        return _Raw("".join(self.html(snippet, url=s.url, name=s.name, icon=s.icon) for s in self.content.social))

    @cached_property
    def top(self) -> _Raw:
        menu = self.links("menu_item", ((m.path, m.name) for m in self.content.menu))
        return self.html("top", social=self.icons("social_item"), menu=menu)

    @cached_property
    def sidebar(self) -> _Raw:
        trending, latest = sidebar_lists(self.content)
        return self.html(
            "sidebar",
            trending=self.links("li_link", ((a.path, a.headline) for a in trending)),
            latest=self.links("li_link", ((a.path, a.headline) for a in latest)),
            archives=self.links("li_link", ((month_path(m), f"{m:%B} {m.year}") for m in months(self.content))),
        )

    @cached_property
    def footer(self) -> _Raw:
        pages = self.links("li_link", ((p.path, p.title) for p in self.content.pages))
        return self.html("footer", social=self.icons("footer_social"), pages=pages)

    def document(self, head: _Raw, body_class: str, main: _Raw, status: int = 200) -> Page:
        text = self.html(
            "document", head=head, body_class=body_class, top=self.top, main=main, sidebar=self.sidebar,
            footer=self.footer,
        )  # fmt: skip
        return Page(HTML, text.encode(), status)

    def head(self, title: str, canonical: str, description: str, og_type: str, extra: _Raw, graph: list[Any]) -> _Raw:
        """The Yoast-style <head>; ``graph`` gets the WebSite and Organization nodes appended."""
        ld = {"@context": "https://schema.org", "@graph": graph + self.json("jsonld_site")}
        data = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")  # never end the script early
        og_title = title.removesuffix(f" - {self.content.site.name}")
        return self.html(
            "head", title=title, canonical=canonical, description=description, og_type=og_type,
            og_title=og_title, extra=extra, json_ld=_Raw(data),
        )  # fmt: skip


# ---------------------------------------------------------------------------------- article pages


def _block_html(ctx: _Ctx, block: Block) -> str:
    if block.kind == "h2":
        return f"<h2>{_e(block.text)}</h2>"
    if block.kind == "quote":
        return f'<blockquote class="wp-block-quote"><p>{ctx.inline(block.text)}</p></blockquote>'
    if block.kind == "ul":
        return "<ul>\n" + "\n".join(f"<li>{ctx.inline(i)}</li>" for i in block.items) + "\n</ul>"
    lead = f"<strong>{_e(block.lead)}</strong>&nbsp;" if block.lead else ""
    return f"<p>{lead}{ctx.inline(block.text)}</p>"


def post_content(ctx: _Ctx, article: Article, *, theme: bool) -> _Raw:
    """The post's HTML: blocks, editor-pasted teasers after blocks 2 and 4, then the pasted bios.

    With ``theme`` the theme's own injections are added (an ad slot, the newsletter box); the feed's
    ``content:encoded`` carries the post without them, as WordPress does.
    """
    picks, chrome = teasers(ctx.content, article), ctx.content.chrome
    parts: list[str] = []
    for number, block in enumerate(article.body, start=1):
        parts.append(_block_html(ctx, block))
        if number in (2, 4):
            label, pick = (chrome.up_next, picks.up_next) if number == 2 else (chrome.dont_miss, picks.dont_miss)
            parts.append(ctx.html("teaser_p", label=label, href=ctx.url(pick.path), headline=pick.headline))
        elif number == 6 and theme and len(article.body) > 7:
            parts.append(ctx.html("ad", id=article.id))
    if theme:
        parts.append(ctx.html("newsletter"))
    parts += [f"<p>{_e(bio)}</p>" for bio in article.pasted_bios]
    return _Raw("\n".join(parts))


def _share(ctx: _Ctx, a: Article) -> _Raw:
    url, title = quote(ctx.url(a.path), safe=""), quote(a.headline, safe="")
    targets = (
        f"https://www.facebook.com/sharer.php?u={url}",
        f"https://x.com/intent/tweet?text={title}&url={url}",
        f"https://www.linkedin.com/sharing/share-offsite/?url={url}",
        f"mailto:?subject={title}&body={url}",
    )
    pairs = zip(targets, ctx.content.chrome.share, strict=True)
    return _Raw("".join(ctx.html("share_item", href=href, label=label) for href, label in pairs))


def _teaser(ctx: _Ctx, a: Article, *, byline: bool) -> _Raw:
    """A listing or related-posts teaser; its excerpt is the article's description."""
    by = ctx.html(
        "byline", author_url=ctx.url(a.author.path), author=a.author.name,
        published=a.date_published.isoformat(), published_label=_day(a.date_published),
    ) if byline else _Raw("")  # fmt: skip
    return ctx.html(
        "teaser", url=ctx.url(a.path), image=ctx.url(a.image_path), section_url=ctx.url(a.section.path),
        section=a.section.name, headline=a.headline, description=a.description, byline=by,
    )  # fmt: skip


def _article_values(ctx: _Ctx, a: Article) -> dict[str, str]:
    """Values shared by the article's HTML snippets and its JSON-LD."""
    return {
        "url": ctx.url(a.path), "image": ctx.url(a.image_path), "headline": a.headline,
        "section": a.section.name, "section_url": ctx.url(a.section.path), "author": a.author.name,
        "author_url": ctx.url(a.author.path), "author_photo": ctx.url(a.author.photo_path),
        "published": a.date_published.isoformat(), "modified": a.date_modified.isoformat(),
    }  # fmt: skip


def _article_head(ctx: _Ctx, a: Article) -> _Raw:
    values, words = _article_values(ctx, a), sum(len(b.plain.split()) for b in a.body)
    minutes = max(1, round(words / 250))
    tag_meta = _Raw("".join(ctx.html("tag_meta", tag=t) for t in a.tags))
    meta = ctx.html(
        "article_meta",
        **values,
        tag_meta=tag_meta,
        id=a.id,
        reading_time=f"{minutes} minute{'s' * (minutes > 1)}",
    )
    url, title = values["url"], f"{a.headline} - {ctx.content.site.name}"
    person = hashlib.md5(a.author.slug.encode()).hexdigest()  # Yoast-like opaque id
    graph = ctx.json(
        "jsonld_article", **values, article_id=f"{url}#article", image_id=f"{url}#primaryimage",
        breadcrumb_id=f"{url}#breadcrumb", person_id=ctx.url(f"/#/schema/person/{person}"), title=title,
        word_count=words + sum(len(b.split()) for b in a.pasted_bios), tags=list(a.tags),
        description=a.description, caption=f"{a.caption} {a.credit}", bio=a.author.box,
        job_title=a.author.job_title,
    )  # fmt: skip
    return ctx.head(title, url, a.description, "article", meta, graph)


def _article_page(ctx: _Ctx, a: Article) -> Page:
    c, values = ctx.content, _article_values(ctx, a)
    main = ctx.html(
        "article_main", **values, id=a.id, caption=a.caption, credit=a.credit, share=_share(ctx, a),
        classes=" ".join([f"category-{a.section.slug}", *(f"tag-{slugify(t)}" for t in a.tags)]),
        published_label=_day(a.date_published), body=post_content(ctx, a, theme=True),
        author_bio=a.author.box,
        tags=_Raw(", ".join(ctx.html("tag_link", href=ctx.url(tag_path(t)), text=t) for t in a.tags)),
        related=_Raw("\n".join(_teaser(ctx, r, byline=False) for r in teasers(c, a).related)),
    )  # fmt: skip
    body_class = f"post-template-default single single-post postid-{a.id} single-format-standard zox-s1"
    page = ctx.document(_article_head(ctx, a), body_class, main)
    return Page(page.content_type, page.body, last_modified=a.date_modified)


# ---------------------------------------------------------------------------- listings and pages


def _pagination(ctx: _Ctx, path: str, number: int, count: int) -> _Raw:
    if count == 1:
        return _Raw("")
    links = [
        ctx.html("page_current" if n == number else "page_number", number=n, href=ctx.url(paged_path(path, n)))
        for n in range(1, count + 1)
    ]
    if number < count:
        links.append(ctx.html("page_next", href=ctx.url(paged_path(path, number + 1))))
    return ctx.html("pagination", links=_Raw(" ".join(links)))


def _listing(ctx: _Ctx, path: str, title: str, intro: _Raw, items: tuple[Article, ...]) -> dict[str, Page]:
    """A paginated archive (home, month, category, author or tag) headed by ``intro``."""
    site, chunks, out = ctx.content.site, paginate(items, ctx.content.site.per_page), {}
    for number, chunk in enumerate(chunks, start=1):
        page_path, suffix = paged_path(path, number), f" - Page {number} of {len(chunks)}" * (number > 1)
        full_title = f"{title}{suffix} - {site.name}"
        graph = ctx.json("jsonld_collection", url=ctx.url(page_path), title=full_title)
        head = ctx.head(full_title, ctx.url(page_path), site.tagline, "website", _Raw(""), graph)
        main = ctx.html(
            "listing_main", intro=intro, pagination=_pagination(ctx, path, number, len(chunks)),
            teasers=_Raw("\n".join(_teaser(ctx, a, byline=True) for a in chunk)),
        )  # fmt: skip
        out[page_path] = ctx.document(head, "home blog zox-s1" if path == "/" else "archive zox-s1", main)
    return out


def _listings(ctx: _Ctx) -> dict[str, Page]:
    """Home, monthly, category, author and tag archives: every post, the embargoed one included."""
    c = ctx.content
    out = _listing(ctx, "/", c.site.tagline, ctx.html("intro_home"), c.articles)
    for m in months(c):
        label, items = f"{m:%B} {m.year}", tuple(a for a in c.articles if a.path.startswith(month_path(m)))
        out |= _listing(ctx, month_path(m), label, ctx.html("intro_month", label=label), items)
    for s in c.sections:
        intro = ctx.html("intro_section", name=s.name, description=s.description)
        out |= _listing(ctx, s.path, f"{s.name} Archives", intro, tuple(a for a in c.articles if a.section == s))
    for au in c.authors:
        intro = ctx.html("intro_author", name=au.name, job_title=au.job_title, bio=au.box)
        items = tuple(a for a in c.articles if a.author == au)
        out |= _listing(ctx, au.path, f"{au.name}, Author at", intro, items)
    for tag in dict.fromkeys(t for a in c.articles for t in a.tags):
        intro = ctx.html("intro_tag", name=tag)
        out |= _listing(ctx, tag_path(tag), f"{tag} Archives", intro, tuple(a for a in c.articles if tag in a.tags))
    return out


def _static_page(ctx: _Ctx, p: StaticPage) -> Page:
    """A WordPress page: article-like markup (Yoast even says og:type article), yet not a post."""
    url, title = ctx.url(p.path), f"{p.title} - {ctx.content.site.name}"
    dates = {"published": p.date_published.isoformat(), "modified": p.date_modified.isoformat()}
    graph = ctx.json("jsonld_page", url=url, title=title, **dates)
    head = ctx.head(title, url, plain_text(p.body[0]), "article", ctx.html("page_meta", **dates), graph)
    paragraphs = _Raw("\n".join(f"<p>{ctx.inline(t)}</p>" for t in p.body))
    main = ctx.html("static_main", slug=p.slug, title=p.title, paragraphs=paragraphs)
    return ctx.document(head, f"page-template-default page page-{p.slug} zox-s1", main)


def not_found_page(base_url: str) -> Page:
    """The theme's 404 page, served with status 404 for any unknown path."""
    ctx = _Ctx(load_content(), load_theme(), base_url.rstrip("/"))
    title = f"Page not found - {ctx.content.site.name}"
    head = ctx.head(title, ctx.url("/"), ctx.content.site.tagline, "website", _Raw(""), [])
    return ctx.document(head, "error404 zox-s1", ctx.html("not_found_main"), status=404)


# ------------------------------------------------------------------------------ discovery files


def _robots(ctx: _Ctx) -> Page:
    lines = ["User-agent: *", "Disallow: /wp-admin/", "Allow: /wp-admin/admin-ajax.php"]
    lines += [f"Disallow: {a.path}" for a in ctx.content.articles if a.robots_disallowed]
    lines += ["", f"Sitemap: {ctx.url('/sitemap_index.xml')}", ""]
    return Page(TEXT, "\n".join(lines).encode())


def _sitemap_files(ctx: _Ctx) -> dict[str, list[tuple[str, datetime, str]]]:
    """Entries (loc, lastmod, image URL or "") of each Yoast sitemap: posts by month, pages, categories."""
    c, files = ctx.content, {}
    for m in months(c):
        posts = sorted((a for a in c.articles if a.path.startswith(month_path(m))), key=lambda a: a.date_published)
        files[f"/post-sitemap-{m:%Y-%m}.xml"] = [
            (ctx.url(a.path), a.date_modified, ctx.url(a.image_path)) for a in posts
        ]
    files["/page-sitemap.xml"] = [(ctx.url("/"), c.articles[0].date_modified, "")] + [
        (ctx.url(p.path), p.date_modified, "") for p in c.pages
    ]
    files["/category-sitemap.xml"] = [
        (ctx.url(s.path), max(a.date_modified for a in c.articles if a.section == s), "") for s in c.sections
    ]
    return files


def _sitemaps(ctx: _Ctx) -> dict[str, Page]:
    files, pages = _sitemap_files(ctx), {}
    for path, entries in files.items():
        urls = "".join(
            ctx.html(
                "url_entry",
                loc=loc,
                lastmod=mod.isoformat(),
                image=ctx.html("url_image", loc=img) if img else _Raw(""),
            )
            for loc, mod, img in entries
        )
        pages[path] = Page(XML, ctx.html("urlset", entries=_Raw(urls)).encode())
    index = "".join(
        ctx.html("sitemap_entry", loc=ctx.url(path), lastmod=max(e[1] for e in entries).isoformat())
        for path, entries in files.items()
    )
    pages["/sitemap_index.xml"] = Page(XML, ctx.html("sitemap_index", entries=_Raw(index)).encode())
    return pages


def _feed(ctx: _Ctx) -> Page:
    """RSS 2.0 as WordPress writes it: the newest posts, full post content in ``content:encoded``."""
    c, items = ctx.content, []
    for a in c.articles[: c.site.feed_size]:
        categories = "".join(ctx.html("feed_category", name=_cdata(n)) for n in (a.section.name, *a.tags))
        items.append(ctx.html(
            "feed_item", headline=a.headline, url=ctx.url(a.path), author=_cdata(a.author.name), id=a.id,
            pub_date=format_datetime(a.date_published), categories=_Raw(categories),
            description=_cdata(a.description), content=_cdata(post_content(ctx, a, theme=False)),
        ))  # fmt: skip
    last_build = format_datetime(max(a.date_modified for a in c.articles))
    return Page(RSS, ctx.html("feed", last_build=last_build, items=_Raw("".join(items))).encode())


def build_site(base_url: str) -> dict[str, Page]:
    """Every page of the site keyed by URL path; absolute URLs inside are built from ``base_url``."""
    ctx = _Ctx(load_content(), load_theme(), base_url.rstrip("/"))
    pages = {a.path: _article_page(ctx, a) for a in ctx.content.articles}
    pages |= {p.path: _static_page(ctx, p) for p in ctx.content.pages}
    pages |= _listings(ctx) | _sitemaps(ctx)
    pages["/robots.txt"] = _robots(ctx)
    pages["/feed/"] = _feed(ctx)
    pages |= {path: Page(ctype, ctx.theme[key].template.encode()) for key, (path, ctype) in ASSETS.items()}
    return pages
