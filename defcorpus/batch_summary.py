"""What one clean batch removed from bodies, and its quality metrics: kept in the store, bounded in size.

Why: the cleaner's removals (``cleaning.pipeline.Removal``) used to live only in a clean's report
and its log, so a wrongly removed paragraph was invisible once the run ended, and a template change
showed only as a failed check that day. One small JSON object per batch (``layout.batch_summary_key``)
keeps the count per reason and the most frequent removed texts of each reason, and the metrics the
quality checks compute (``defcorpus.quality``), so ``defcorpus report`` can draw them over time
without reading a body. Its size does not grow with the batch: at most ``TOP_TEXTS`` texts per
reason, each cut to ``TEXT_CHARS`` characters.

Written after the batch's manifest: a batch without a summary (cleaned before summaries were kept,
or a crash between the two writes) is published all the same; the report says it has none.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cleaning.pipeline import BatchResult
from corpus import layout
from corpus.errors import KeyNotFoundError
from corpus.schema import Article
from corpus.store import Store
from defcorpus import quality

SUMMARY_VERSION = 1
TOP_TEXTS = 10
TEXT_CHARS = 300
# Paragraphs a site's drop_paragraph_patterns / drop_selectors took out during extraction: counted there,
# without their text (``cleaning.extract``).
SITE_RULE = "site_rule"


def build_summary(
    site: str, batch_id: str, result: BatchResult, articles: Sequence[Article], *, kind: str = "clean"
) -> dict[str, Any]:
    """The summary of one batch: ``result`` is what its clean removed, ``articles`` what it published."""
    removals: dict[str, Counter[str]] = {}
    for removal in result.removals:
        removals.setdefault(removal.reason, Counter())[_cut(removal.text)] += 1
    by_reason = {
        reason: {"count": sum(texts.values()), "top": [{"text": t, "count": n} for t, n in _top(texts)]}
        for reason, texts in sorted(removals.items())
    }
    if result.dropped_by_rule:
        by_reason[SITE_RULE] = {"count": result.dropped_by_rule, "top": []}
    rows = [a.model_dump() for a in articles]
    checked = quality.check_articles(site, rows)
    words = [a.word_count for a in articles]
    return {
        "version": SUMMARY_VERSION,
        "kind": kind,
        "site": site,
        "batch_id": batch_id,
        "created_at": datetime.now(UTC).isoformat(),
        "articles": len(articles),
        "rejected": dict(sorted(result.rejected.items())),
        "removals": by_reason,
        "quality": {**checked.metrics, "median_words": statistics.median(words) if words else 0},
        "quality_failures": [f.metric for f in checked.failures],
    }


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 1].rstrip() + "…"


def _top(texts: Counter[str]) -> list[tuple[str, int]]:
    """The most frequent texts, ties by text: the same batch gives the same summary."""
    return sorted(texts.items(), key=lambda item: (-item[1], item[0]))[:TOP_TEXTS]


def write_summary(store: Store, summary: dict[str, Any]) -> None:
    store.write(layout.batch_summary_key(summary["batch_id"]), json.dumps(summary, indent=1).encode())


def read_summary(store: Store, batch_id: str) -> dict[str, Any] | None:
    """The batch's summary; None if it has none or it does not parse (the report counts those)."""
    try:
        summary = json.loads(store.read(layout.batch_summary_key(batch_id)))
    except (KeyNotFoundError, ValueError, UnicodeDecodeError):
        return None
    return summary if isinstance(summary, dict) and summary.get("batch_id") == batch_id else None
