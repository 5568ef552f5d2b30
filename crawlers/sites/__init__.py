"""Site configs: one TOML file per publisher, validated when loaded.

Adding a publisher is a TOML file in this folder (``<cc>/<site>.toml``, or anywhere with
``--sites-file``), not a class. Loading is strict: an unknown key, a wrong type or a bad pattern fails
with the file, key and problem; names and domains must be unique across the files loaded together.
The schema is documented for contributors in ``docs/sites.md``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from corpus.cleaning_rules import CleaningRules, check_patterns
from corpus.layout import SITE_NAME_PATTERN

SITES_DIR = Path(__file__).parent
NAME_PATTERN = SITE_NAME_PATTERN  # the store layout sets what a site name may be


class SiteConfigError(ValueError):
    """A site config that cannot be used; the message names the file, key and problem."""


SourceType = Literal["rss", "sitemap", "news_sitemap", "archive"]
Platform = Literal["wordpress", "arc", "nextjs", "drupal", "custom"]


class Source(BaseModel):
    """A discovery route: where the crawler looks for article URLs.

    ``rss`` (RSS 2.0 or Atom), ``sitemap`` (a sitemap, a sitemap index, or robots.txt whose
    ``Sitemap:`` lines are followed), ``news_sitemap`` (Google News sitemap: publication dates per URL),
    ``archive`` (HTML listing pages; ``{page}`` in the URL is replaced by 1..``max_pages``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: SourceType
    url: str = Field(description="absolute, or relative to base_url")
    follow: list[str] = Field(
        default_factory=list,
        description="regexes on child sitemap URLs of a sitemap index; only matching ones are followed",
    )
    max_pages: int = Field(default=1, ge=1, le=10_000, description="archive pages to walk")

    @field_validator("follow")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        return check_patterns(patterns)

    @model_validator(mode="after")
    def _archive_only_fields(self) -> Source:
        if self.type != "archive" and self.max_pages != 1:
            raise ValueError("max_pages is only for archive sources")
        if self.type == "archive" and self.max_pages > 1 and "{page}" not in self.url:
            raise ValueError("an archive source with max_pages > 1 needs {page} in its url")
        if self.follow and self.type not in ("sitemap", "news_sitemap"):
            raise ValueError("follow is only for sitemap sources")
        return self


class CrawlRules(BaseModel):
    """Per-site politeness; the defaults are the project's (crawlers/settings.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    concurrency: int = Field(default=2, ge=1, le=2, description="requests in flight to the site at once")
    min_delay: float = Field(default=1.0, ge=0.5, le=120, description="seconds between requests, at least")
    contact_url: str | None = Field(default=None, description="put in the User-Agent instead of the default")
    max_response_bytes: int = Field(default=16 * 1024 * 1024, ge=64 * 1024, le=256 * 1024 * 1024)
    paywall_markers: list[str] = Field(
        default_factory=list, description="strings that only a paywall stub contains (flagged, not dropped)"
    )

    @field_validator("contact_url")
    @classmethod
    def _contact_is_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https", "mailto"):
            raise ValueError(f"must be an http(s) or mailto: URL, got {value!r}")
        return value


class Verification(BaseModel):
    """What was checked about the site's routes and what is still an assumption (free text)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    checked: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")
    confirmed: list[str] = Field(default_factory=list)
    assumed: list[str] = Field(default_factory=list)


class ArticleRules(BaseModel):
    """Which URLs are articles: a path must match one ``allow`` pattern and no ``deny`` pattern."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow: list[str] = Field(min_length=1)
    deny: list[str] = Field(default_factory=list)

    @field_validator("allow", "deny")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        return check_patterns(patterns)


class SiteConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    title: str
    base_url: str
    language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    country: str | None = Field(default=None, pattern=r"^[a-z]{2}$", description="ISO 3166 alpha-2")
    platform: Platform | None = Field(default=None, description="the site's platform (crawlers/platforms)")
    schedule: str | None = Field(
        default=None,
        description="Airflow crawl schedule: cron expression or preset (@hourly, @daily, @monthly); default @daily",
    )
    allowed_domains: list[str] = Field(default_factory=list, description="default: base_url's host")
    sources: list[Source] = Field(min_length=1)
    articles: ArticleRules
    crawl: CrawlRules = Field(default_factory=CrawlRules)
    cleaning: CleaningRules = Field(default_factory=CleaningRules)
    verification: Verification = Field(default_factory=Verification)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an http(s) URL with a host, got {value!r}")
        return value.rstrip("/") + "/"

    @field_validator("allowed_domains")
    @classmethod
    def _no_wildcards(cls, domains: list[str]) -> list[str]:
        for domain in domains:
            dotted = "." in domain or domain == "localhost"
            if not re.fullmatch(r"[a-z0-9.-]+(:\d+)?", domain) or not dotted:
                raise ValueError(f"{domain!r} is not a domain name (wildcards are not allowed)")
        return domains

    @model_validator(mode="after")
    def _default_domains(self) -> SiteConfig:
        if not self.allowed_domains:
            object.__setattr__(self, "allowed_domains", [urlsplit(self.base_url).hostname or ""])
        return self

    def is_article_url(self, url: str) -> bool:
        """Article URLs match an ``allow`` pattern and no ``deny`` pattern (on the URL's path)."""
        path = urlsplit(url).path
        rules = self.articles
        return any(re.search(p, path) for p in rules.allow) and not any(re.search(p, path) for p in rules.deny)

    def source_urls(self, kind: str) -> list[str]:
        return [urljoin(self.base_url, s.url) for s in self.sources if s.type == kind]

    def absolute(self, url: str) -> str:
        return urljoin(self.base_url, url)

    def with_base_url(self, base_url: str) -> SiteConfig:
        """The same site served elsewhere (a local mirror, the demo server)."""
        data = self.model_dump()
        data["base_url"] = base_url
        data["allowed_domains"] = []
        return SiteConfig.model_validate(data)


def load_site_file(path: Path) -> SiteConfig:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise SiteConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '<top>'}: {err['msg']}" for err in exc.errors())
        raise SiteConfigError(f"{path}: {problems}") from None


def site_files(directory: Path = SITES_DIR) -> list[Path]:
    return sorted(directory.rglob("*.toml"))


def load_sites(paths: Iterable[Path] | None = None) -> dict[str, SiteConfig]:
    """All sites, by name; names and domains must be unique across files."""
    sites: dict[str, SiteConfig] = {}
    origin: dict[str, Path] = {}
    domains: dict[str, Path] = {}
    for path in site_files() if paths is None else paths:
        site = load_site_file(path)
        if site.name in sites:
            raise SiteConfigError(f"{path}: name: {site.name!r} is already defined in {origin[site.name]}")
        for domain in site.allowed_domains:
            if domain in domains:
                raise SiteConfigError(f"{path}: allowed_domains: {domain!r} is already a domain of {domains[domain]}")
            domains[domain] = path
        sites[site.name] = site
        origin[site.name] = path
    return sites


def resolve_site(
    site: str | None = None,
    *,
    site_json: str | None = None,
    sites_file: str | Path | None = None,
    base_url: str | None = None,
) -> SiteConfig:
    """The site a crawl is for: a whole config as JSON (how the CLI passes it) or a name to look up."""
    if site_json:
        try:
            config = SiteConfig.model_validate_json(site_json)
        except ValidationError as exc:
            raise SiteConfigError(f"--site-json: {exc}") from None
    elif site:
        config = get_site(site, Path(sites_file) if sites_file else None)
    else:
        raise SiteConfigError("a crawl needs a site name or a site config")
    return config.with_base_url(base_url) if base_url else config


def get_site(name: str, sites_file: Path | None = None) -> SiteConfig:
    sites = load_sites([sites_file] if sites_file else None)
    try:
        return sites[name]
    except KeyError:
        known = ", ".join(sorted(sites)) or "none"
        raise SiteConfigError(f"unknown site {name!r} (configured: {known})") from None
