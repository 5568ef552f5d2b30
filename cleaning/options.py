"""CleanOptions: everything the cleaner needs to know about one site, built once and passed on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from lxml.cssselect import CSSSelector
from trafilatura.settings import Extractor

from cleaning.identity import IdentityRules

DATE_TOLERANCE = timedelta(hours=6)


@dataclass(frozen=True)
class CleanOptions:
    """Per-site cleaning rules, compiled. Build with ``CleanOptions.build``."""

    site: str
    language: str | None = None
    body_selector: CSSSelector | None = None
    drop_selectors: tuple[CSSSelector, ...] = ()
    drop_paragraphs: tuple[re.Pattern[str], ...] = ()
    section_selector: CSSSelector | None = None
    boilerplate_min_articles: int = 3
    boilerplate_max_paragraphs: int = 20_000
    # Which canonical URLs decide an article's id: the site's domains and article URL patterns.
    identity: IdentityRules = field(default_factory=IdentityRules)
    # Locate each block in the page's template (``cleaning.template``); off for pages cleaned alone,
    # where there is no site to learn a template from.
    learn_template: bool = True
    # How far past the fetch a date may be and still be true: the crawler's clock may run behind the
    # publisher's (a date later than fetch + tolerance is refused, as a template or time-zone error).
    date_tolerance: timedelta = DATE_TOLERANCE
    extractor: Extractor = field(default_factory=lambda: Extractor(output_format="python", comments=False, tables=True))

    @classmethod
    def build(
        cls,
        site: str,
        *,
        language: str | None = None,
        body_selector: str | None = None,
        drop_selectors: list[str] | None = None,
        drop_paragraph_patterns: list[str] | None = None,
        section_selector: str | None = None,
        boilerplate_min_articles: int = 3,
        boilerplate_max_paragraphs: int = 20_000,
        allowed_domains: list[str] | None = None,
        article_allow: list[str] | None = None,
        article_deny: list[str] | None = None,
    ) -> CleanOptions:
        return cls(
            site=site,
            language=language,
            body_selector=CSSSelector(body_selector) if body_selector else None,
            drop_selectors=tuple(CSSSelector(s) for s in drop_selectors or ()),
            drop_paragraphs=tuple(re.compile(p) for p in drop_paragraph_patterns or ()),
            section_selector=CSSSelector(section_selector) if section_selector else None,
            boilerplate_min_articles=boilerplate_min_articles,
            boilerplate_max_paragraphs=boilerplate_max_paragraphs,
            identity=IdentityRules.build(allowed_domains or (), article_allow or (), article_deny or ()),
        )
