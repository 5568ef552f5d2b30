"""A site's cleaning rules, as data: the ``[cleaning]`` table of its TOML config.

Why in the contract: the site config (``crawlers.sites``) embeds them and the cleaner
(``cleaning.options.CleanOptions.build``) compiles them, and the two stages do not import each
other. Listed once, here; checked when the config loads (a selector is compiled as the cleaner
compiles it, with lxml's cssselect, so a bad one fails naming the file and key, not in the first
clean after a whole crawl).
"""

from __future__ import annotations

import re
from typing import Annotated

from cssselect import GenericTranslator, SelectorError
from cssselect.parser import Function
from cssselect.xpath import XPathExpr
from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def check_patterns(patterns: list[str]) -> list[str]:
    """``patterns`` if each compiles as a regular expression; else a ``ValueError`` naming the bad one."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    return patterns


class _LxmlRules(GenericTranslator):
    """cssselect's rules plus lxml's ``:contains()`` (lxml.cssselect.LxmlTranslator), for checking only."""

    def xpath_contains_function(self, xpath: XPathExpr, function: Function) -> XPathExpr:
        if function.argument_types() not in (["STRING"], ["IDENT"]):
            raise SelectorError(f"expected a single string or ident for :contains(), got {function.arguments!r}")
        return xpath


_RULES = _LxmlRules()


def _check_css(selector: str) -> str:
    """Translated as the cleaner's ``lxml.cssselect`` translates it, so a bad selector fails when the
    config loads, naming the file and key, instead of in the first clean after a whole crawl.

    Why cssselect alone, not lxml: the DAG processor loads every site config at each parse, and
    lxml's translator is cssselect's with one extension, ``:contains()``, accepted here as there.
    """
    try:
        _RULES.css_to_xpath(selector)
    except SelectorError as exc:
        raise ValueError(f"invalid CSS selector {selector!r}: {exc}") from exc
    return selector


CssSelector = Annotated[str, AfterValidator(_check_css)]
Patterns = Annotated[list[str], AfterValidator(check_patterns)]


class CleaningRules(BaseModel):
    """Site-specific cleaning: where the body is and what inside it is never article text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    body_selector: CssSelector | None = Field(default=None, description="CSS selector of the article body")
    drop_selectors: list[CssSelector] = Field(default_factory=list, description="CSS selectors removed first")
    drop_paragraph_patterns: Patterns = Field(
        default_factory=list, description="regexes; a body paragraph matching one is dropped"
    )
    section_selector: CssSelector | None = None
    boilerplate_min_articles: int = Field(
        default=3, ge=2, description="a paragraph in this many distinct articles is boilerplate"
    )
    boilerplate_max_paragraphs: int = Field(
        default=20_000,
        ge=1_000,
        description="paragraph groups the learned statistics keep (about 1.5 KB of memory each)",
    )
