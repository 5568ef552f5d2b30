"""The mini-site's content: the TOML files in ``content/`` read into checked, frozen records.

Also the site's structure that follows from the content alone (which teasers an article shows, the
archive months, pagination), so the renderer and the tests' oracle agree on it.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from datetime import datetime

CONTENT_DIR = Path(__file__).with_name("content")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BLOCK_KINDS = ("p", "h2", "quote", "ul")


@dataclass(frozen=True)
class Page:
    """One response of the site. ``last_modified`` lets the server answer conditional requests."""

    content_type: str
    body: bytes
    status: int = 200
    last_modified: datetime | None = None


def plain_text(text: str) -> str:
    """Text as a reader sees it: link markup dropped, non-breaking spaces as plain spaces."""
    return LINK.sub(r"\1", text).replace("\xa0", " ")


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
