"""The Article record: the contract between the cleaning stage and every consumer.

Field names follow schema.org ``NewsArticle`` where one exists, so the corpus reads naturally next to
the JSON-LD it was built from. ``Article.model_validate`` is the single validation entry point.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1.0"


def article_id(canonical_url: str) -> str:
    """Stable id: the same canonical URL always gives the same id, whichever crawl found it."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


def content_hash(headline: str, body: str) -> str:
    """Hash of what a reader sees; a re-crawl with the same hash is the same version."""
    return hashlib.sha256(f"{headline}\n\n{body}".encode()).hexdigest()


class MainImage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    caption: str | None = None
    credit: str | None = None


class Article(BaseModel):
    """One version of one article, as published under ``clean/``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="sha256 of the canonical URL, first 32 hex digits")
    url: str = Field(description="URL the page was fetched from")
    canonical_url: str = Field(description="the page's rel=canonical (or og:url), else url")
    site: str = Field(description="site config name, e.g. '19fortyfive'")
    headline: str = Field(min_length=1)
    authors: list[str] = Field(default_factory=list, description="names only, byline order")
    author_bios: list[str] = Field(default_factory=list, description="bios removed from the body")
    date_published: AwareDatetime | None = None
    date_modified: AwareDatetime | None = None
    section: str | None = None
    tags: list[str] = Field(default_factory=list)
    language: str | None = Field(default=None, description="ISO 639-1")
    description: str | None = None
    body: str = Field(min_length=1, description="paragraphs separated by blank lines")
    main_image: MainImage | None = None
    word_count: int = Field(ge=0)
    content_hash: str
    near_duplicate_of: str | None = None
    warc_file: str = Field(description="store key of the WARC file holding the raw response")
    warc_record_id: str = Field(description="WARC-Record-ID of the response record")
    fetched_at: AwareDatetime
    cleaner_version: str
    schema_version: str = SCHEMA_VERSION

    @model_validator(mode="after")
    def _dates_not_after_fetch(self) -> Article:
        # A date later than the fetch cannot be true: it is a misread footer or template date.
        for name in ("date_published", "date_modified"):
            value: datetime | None = getattr(self, name)
            if value is not None and value > self.fetched_at:
                raise ValueError(f"{name} {value.isoformat()} is later than fetched_at")
        return self
