"""The Article record: the contract between the cleaning stage and every consumer.

Field names follow schema.org ``NewsArticle`` where one exists, so the corpus reads naturally next to
the JSON-LD it was built from. ``Article.model_validate`` is the single validation entry point.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer, model_validator

SCHEMA_VERSION = "1.2"
# How far a true date may be past ``fetched_at``: a crawler's clock may run behind the publisher's.
# The cleaner keeps dates within it (``cleaning.options.DATE_TOLERANCE``), so the record must hold them.
FETCH_CLOCK_TOLERANCE = timedelta(hours=6)

# schema.org types whose JSON-LD marks a page as an article (the crawler's sampling and the cleaner's
# metadata both read JSON-LD by these).
ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "BlogPosting",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "Report",
        "ScholarlyArticle",
    }
)


def article_id(canonical_url: str) -> str:
    """Stable id: the same canonical URL always gives the same id, whichever crawl found it."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


def json_datetime(value: datetime) -> str:
    """A timestamp as every JSON output writes it: ISO 8601 in UTC (``2022-11-02T14:30:00+00:00``).

    Why UTC and not the page's own offset: Parquet stores the instant (``timestamp[us, UTC]``), so a
    record read back from the corpus has no offset to give; ``extract`` and ``export`` then agree.
    """
    return value.astimezone(UTC).isoformat()


def content_hash(headline: str, body: str) -> str:
    """Hash of what a reader sees; a re-crawl with the same hash is the same version."""
    return hashlib.sha256(f"{headline}\n\n{body}".encode()).hexdigest()


class MainImage(BaseModel):
    """The article's lead image; its caption and credit are kept here, never in the body."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="absolute URL of the image")
    caption: str | None = Field(default=None, description="caption text without the credit")
    credit: str | None = Field(default=None, description="photo credit, e.g. 'DoD photo by …/Released'")


class Article(BaseModel):
    """One version of one article, as published under ``clean/``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="stable id: sha256 of canonical_url, first 32 hex digits (see 'The id')")
    url: str = Field(description="URL the page was fetched from")
    canonical_url: str = Field(
        description="the URL that identifies the article: the page's rel=canonical (else og:url) when it is an "
        "article URL of the page's own site, else url; normalised, tracking parameters dropped"
    )
    site: str = Field(
        description="site config name, e.g. 'minisite'; in Parquet a column of each file and the path's partition",
    )
    headline: str = Field(
        min_length=1,
        description="the headline the page displays (its h1, when the page's titles agree), without the site's name",
    )
    authors: list[str] = Field(default_factory=list, description="author names only, in byline order")
    author_bios: list[str] = Field(
        default_factory=list, description="author bio paragraphs removed from the body, kept as metadata"
    )
    date_published: AwareDatetime | None = Field(
        default=None,
        description=(
            "first publication: the structured date, unless the day printed with the headline is more than"
            " a day from it (then that day; a printed update line never counts); never later than fetched_at"
            " by more than the crawler clock's tolerance (6 hours)"
        ),
    )
    date_modified: AwareDatetime | None = Field(
        default=None, description="last modification, if published (structured, else the printed update line)"
    )
    section: str | None = Field(default=None, description="the publisher's section or category")
    tags: list[str] = Field(default_factory=list, description="the publisher's tags / keywords")
    language: str | None = Field(default=None, description="ISO 639-1 code, e.g. 'en'")
    description: str | None = Field(default=None, description="the publisher's summary (og:description)")
    body: str = Field(
        min_length=1,
        description="article text: paragraphs separated by a blank line, subheadings as their own "
        "paragraphs, each list item a paragraph of its own, a line break inside a paragraph a newline; "
        "no captions, bios or site chrome",
    )
    main_image: MainImage | None = Field(default=None, description="lead image with caption and credit")
    word_count: int = Field(ge=0, description="words in body (runs of Unicode word characters)")
    content_hash: str = Field(description="sha256 of headline and body: a new value is a new version")
    near_duplicate_of: str | None = Field(
        default=None, description="id of the canonical member of this article's syndication group, if another"
    )
    warc_file: str = Field(description="store key of the WARC file holding the raw response")
    warc_record_id: str = Field(description="WARC-Record-ID of the response record in warc_file")
    fetched_at: AwareDatetime = Field(description="when the page was fetched (the WARC-Date)")
    cleaner_version: str = Field(description="version of the cleaner that produced this record")
    schema_version: str = Field(default=SCHEMA_VERSION, description="version of this schema (major.minor)")
    # Last, as in the Parquet files: a field a minor version adds is appended (see corpus/arrow_schema.py).
    paywalled: bool = Field(
        default=False,
        description="the crawler found a paywall on the page (JSON-LD isAccessibleForFree false or one of the "
        "site's paywall_markers): the body may be only the teaser; false in rows written before schema 1.1",
    )

    @field_serializer("date_published", "date_modified", "fetched_at", when_used="json")
    def _json_dates(self, value: datetime | None) -> str | None:
        return None if value is None else json_datetime(value)

    @model_validator(mode="after")
    def _dates_not_after_fetch(self) -> Article:
        # A date later than the fetch (beyond a skewed clock's tolerance) cannot be true: it is a
        # misread footer or template date.
        for name in ("date_published", "date_modified"):
            value: datetime | None = getattr(self, name)
            if value is not None and value > self.fetched_at + FETCH_CLOCK_TOLERANCE:
                raise ValueError(f"{name} {value.isoformat()} is later than fetched_at")
        return self
