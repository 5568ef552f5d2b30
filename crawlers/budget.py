"""How far and how much a crawl's discovery may go: a cap on sitemap depth and on documents followed.

Why: a sitemap index is the publisher's word on where its sitemaps are, and nothing in the format
bounds it. An index that names a new index that names a new one (a CMS bug, or a trap), or one that
names itself again under a new query string (``?page=N+1``), keeps a crawl fetching sitemaps until
it is killed; Scrapy's duplicate filter stops only exact repeats. So the documents discovery follows
from other documents (robots.txt ``Sitemap:`` lines, index entries) are counted: one nested deeper
than ``DEFCORPUS_DISCOVERY_MAX_DEPTH`` levels below the site's configured sources, or past
``DEFCORPUS_DISCOVERY_MAX_DOCUMENTS`` in the crawl, is not fetched. Each refusal is counted as
``discovery/capped/<reason>`` (``depth``, ``documents``), which the crawl report shows, and the first
of each reason is logged as a warning naming the URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DiscoveryLimits:
    max_depth: int  # levels of documents below a configured source (a robots.txt, an index)
    max_documents: int  # documents followed from other documents, per crawl

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> DiscoveryLimits:
        limits = cls(
            settings.getint("DEFCORPUS_DISCOVERY_MAX_DEPTH"), settings.getint("DEFCORPUS_DISCOVERY_MAX_DOCUMENTS")
        )
        if limits.max_depth < 1 or limits.max_documents < 1:
            raise ValueError("DEFCORPUS_DISCOVERY_MAX_DEPTH and DEFCORPUS_DISCOVERY_MAX_DOCUMENTS must be positive")
        return limits


@dataclass
class DiscoveryBudget:
    """One crawl's count of followed documents; ``admit`` says whether one more may be fetched."""

    limits: DiscoveryLimits
    followed: set[str] = field(default_factory=set)
    warned: set[str] = field(default_factory=set)

    def admit(self, url: str, depth: int, stats: StatsCollector) -> bool:
        """``depth``: the document's level below its configured source (1 for what a source names)."""
        if url in self.followed:  # Scrapy's duplicate filter drops it; it costs nothing more
            return True
        if depth > self.limits.max_depth:
            return self._capped(stats, "depth", url, f"nested deeper than {self.limits.max_depth} levels")
        if len(self.followed) >= self.limits.max_documents:
            return self._capped(stats, "documents", url, f"{self.limits.max_documents} documents already followed")
        self.followed.add(url)
        return True

    def _capped(self, stats: StatsCollector, reason: str, url: str, why: str) -> bool:
        stats.inc_value("discovery/capped")
        stats.inc_value(f"discovery/capped/{reason}")
        if reason not in self.warned:
            self.warned.add(reason)
            logger.warning(
                "discovery capped (%s): not following %s (more are counted as discovery/capped/%s)", why, url, reason
            )
        return False
