"""CleanOptions: everything the cleaner needs to know about one site, built once and passed on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from lxml.cssselect import CSSSelector
from trafilatura.settings import Extractor

from cleaning.identity import IdentityRules
from corpus.cleaning_rules import CleaningRules
from corpus.schema import FETCH_CLOCK_TOLERANCE

DATE_TOLERANCE = FETCH_CLOCK_TOLERANCE  # at most what an Article may hold (corpus.schema)


@dataclass(frozen=True)
class CleanOptions:
    """Per-site cleaning rules, compiled. Build with ``CleanOptions.build``."""

    site: str
    rules: CleaningRules = field(default_factory=CleaningRules)  # as the site config states them
    language: str | None = None
    # ``rules``' selectors and patterns, compiled.
    body_selector: CSSSelector | None = None
    drop_selectors: tuple[CSSSelector, ...] = ()
    drop_paragraphs: tuple[re.Pattern[str], ...] = ()
    section_selector: CSSSelector | None = None
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
        rules: CleaningRules | None = None,
        *,
        language: str | None = None,
        identity: IdentityRules | None = None,
    ) -> CleanOptions:
        """``rules`` compiled (default: none, the generic cleaner); ``identity`` from the site's domains."""
        rules = rules or CleaningRules()
        return cls(
            site=site,
            rules=rules,
            language=language,
            body_selector=CSSSelector(rules.body_selector) if rules.body_selector else None,
            drop_selectors=tuple(CSSSelector(s) for s in rules.drop_selectors),
            drop_paragraphs=tuple(re.compile(p) for p in rules.drop_paragraph_patterns),
            section_selector=CSSSelector(rules.section_selector) if rules.section_selector else None,
            identity=identity or IdentityRules(),
        )
