"""Site configs: one TOML file per publisher, validated when loaded.

Adding a publisher is a TOML file in this folder (or anywhere, with ``--sites-file``), not a class.
Loading is strict: an unknown key, a wrong type or a bad pattern fails with the file, key and problem.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SITES_DIR = Path(__file__).parent
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class SiteConfigError(ValueError):
    """A site config that cannot be used; the message names the file, key and problem."""


class Source(BaseModel):
    """A discovery route: where the crawler looks for article URLs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["rss", "sitemap"]
    url: str = Field(description="absolute, or relative to base_url")


class ArticleRules(BaseModel):
    """Which URLs are articles: a path must match one ``allow`` pattern and no ``deny`` pattern."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow: list[str] = Field(min_length=1)
    deny: list[str] = Field(default_factory=list)

    @field_validator("allow", "deny")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        return patterns


class CleaningRules(BaseModel):
    """Site-specific cleaning: where the body is and what inside it is never article text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    body_selector: str | None = Field(default=None, description="CSS selector of the article body")
    drop_selectors: list[str] = Field(default_factory=list, description="CSS selectors removed first")
    drop_paragraph_patterns: list[str] = Field(
        default_factory=list, description="regexes; a body paragraph matching one is dropped"
    )
    section_selector: str | None = None
    boilerplate_min_articles: int = Field(
        default=3, ge=2, description="a paragraph in this many distinct articles is boilerplate"
    )


class SiteConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    title: str
    base_url: str
    language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    allowed_domains: list[str] = Field(default_factory=list, description="default: base_url's host")
    sources: list[Source] = Field(min_length=1)
    articles: ArticleRules
    cleaning: CleaningRules = Field(default_factory=CleaningRules)

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
            if not re.fullmatch(r"[a-z0-9.-]+(:\d+)?", domain) or ("." not in domain and domain != "localhost"):
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

    def clean_options(self) -> dict[str, object]:
        """Keyword arguments for ``cleaning.options.CleanOptions.build``."""
        return {"language": self.language, **self.cleaning.model_dump()}

    def source_urls(self, kind: str) -> list[str]:
        return [urljoin(self.base_url, s.url) for s in self.sources if s.type == kind]

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
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<top>'}: {err['msg']}" for err in exc.errors()
        )
        raise SiteConfigError(f"{path}: {problems}") from None


def site_files(directory: Path = SITES_DIR) -> list[Path]:
    return sorted(directory.rglob("*.toml"))


def load_sites(paths: Iterable[Path] | None = None) -> dict[str, SiteConfig]:
    """All sites, by name; names and domains must be unique across files."""
    sites: dict[str, SiteConfig] = {}
    origin: dict[str, Path] = {}
    for path in site_files() if paths is None else paths:
        site = load_site_file(path)
        if site.name in sites:
            raise SiteConfigError(f"{path}: name: {site.name!r} is already defined in {origin[site.name]}")
        sites[site.name] = site
        origin[site.name] = path
    return sites


def get_site(name: str, sites_file: Path | None = None) -> SiteConfig:
    sites = load_sites([sites_file] if sites_file else None)
    try:
        return sites[name]
    except KeyError:
        known = ", ".join(sorted(sites)) or "none"
        raise SiteConfigError(f"unknown site {name!r} (configured: {known})") from None
