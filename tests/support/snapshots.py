"""What a store holds, provenance aside: snapshots that say two runs produced the same corpus."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import corpus
from corpus.store import Store


@dataclass(frozen=True)
class Snapshot:
    """What a corpus holds, provenance aside: enough to say two runs produced the same corpus."""

    rows: int
    versions: frozenset[tuple[str, str, str | None]]  # (id, content_hash, near_duplicate_of)
    duplicated: int  # rows whose (id, content_hash) occurs more than once

    @property
    def ids(self) -> set[str]:
        return {v[0] for v in self.versions}


def snapshot(store: Store) -> Snapshot:
    table = corpus.open(store).articles(latest=False)
    rows = list(
        zip(
            table["id"].to_pylist(),
            table["content_hash"].to_pylist(),
            table["near_duplicate_of"].to_pylist(),
            strict=True,
        )
    )
    counts = Counter((i, h) for i, h, _ in rows)
    return Snapshot(len(rows), frozenset(rows), sum(n - 1 for n in counts.values()))


def visible_keys(store: Store) -> list[str]:
    return store.list("")


# Every key the pipeline writes, by layout (corpus/layout.py): the only shapes a store may hold.
_STORED = [
    r"raw/site=[a-z][a-z0-9_-]*/\d{4}/\d{2}/\d{8}T\d{6}Z-[0-9a-f]{8}"
    r"(-\d{5}(-salvaged)*\.(warc\.gz|cdx\.parquet)|\.stats\.json)",
    r"clean/site=[a-z][a-z0-9_-]*/month=\d{4}-\d{2}/\d{8}T\d{6}Z-[0-9a-f]{8}-\d{4}\.parquet",
    r"clean/_manifests/\d{8}T\d{6}Z-[0-9a-f]{8}\.json",
]


KEY_SHAPES = [
    *_STORED,
    r"clean/_staging/site=[a-z][a-z0-9_-]*/month=\d{4}-\d{2}/\d{8}T\d{6}Z-[0-9a-f]{8}-\d{4}\.parquet\.staged",
    *(rf"quarantine/{shape}(\.note\.json)?" for shape in _STORED),
    r"state/[a-z][a-z0-9_-]*/(boilerplate\.json|clean\.lease|(fetched|rejected)/[^/]+\.jsonl(\.gz)?)",
    r"state/[a-z][a-z0-9_-]*/versions/(root\.json|[0-9a-f]{2}\.bin)",
    r"state/_dedup/[a-z][a-z0-9_-]*\.json\.gz",
    r"state/_manifests/[a-z][a-z0-9_-]*\.json\.gz",
    r"clean/_summaries/\d{8}T\d{6}Z-[0-9a-f]{8}\.json",
    r"reports/(latest|runs/[A-Za-z0-9._-]+)\.html",
]


def assert_layout(keys: list[str]) -> None:
    shapes = re.compile("|".join(f"(?:{s})" for s in KEY_SHAPES))
    strays = [k for k in keys if not shapes.fullmatch(k)]
    assert strays == [], "keys outside the layout"
