"""What a clean or re-clean of one site did: the counts the CLI prints and the Airflow task returns."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cleaning.pipeline import BatchResult, Removal
from corpus.quarantine import Damage
from corpus.schema import Article


@dataclass
class CleanReport:
    site: str
    warc_files: int = 0
    pages: int = 0
    articles_published: int = 0
    articles_unchanged: int = 0
    articles_paywalled: int = 0  # of articles_published, those the crawler flagged as behind a paywall
    boilerplate_removed: int = 0
    bios_removed: int = 0
    dropped_by_rule: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    # (paragraphs removed, article id) of the article the cleaner removed most from: what the demo shows.
    most_removed: tuple[int, str] | None = None
    dropped_values: Counter[str] = field(default_factory=Counter)  # metadata refused, e.g. a date after the fetch
    batch_id: str | None = None  # the last batch published (a large backlog is published in chunks)
    batch_ids: list[str] = field(default_factory=list)
    # Store objects found damaged and set aside (defcorpus.repair, defcorpus.salvage): the CLI exits 65 if any.
    damaged: list[Damage] = field(default_factory=list)

    def add(self, result: BatchResult) -> None:
        """Count what cleaning a batch removed, rejected and refused (a clean adds one per chunk)."""
        self.rejected.update(result.rejected)
        self.bios_removed += sum(r.is_bio for r in result.removals)
        self.boilerplate_removed += len(result.removals)
        self.dropped_by_rule += result.dropped_by_rule
        self.note_removals(result.removals)
        self.dropped_values.update(result.dropped_values)

    def add_published(self, fresh: list[Article]) -> None:
        self.articles_published += len(fresh)
        self.articles_paywalled += sum(a.paywalled for a in fresh)

    def note_removals(self, removals: list[Removal]) -> None:
        """Keep the most-cleaned article, not a count per article: a report's size must not grow with a backfill."""
        counts = Counter(r.article_id for r in removals)
        top = max(((n, article_id) for article_id, n in counts.items()), default=None)
        if top is not None:
            self.most_removed = max(self.most_removed or top, top)
