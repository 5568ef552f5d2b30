"""The benchmark sets next to the repository (``../shared``): how each is read and scored.

Three sets, because each shows what the others cannot: ``extraction-bench`` (92 hand-checked news
bodies, one page per site), ``wcxb-articles`` (711 recent article pages from about 650 sites, with
title, author and date ground truth: the widest check of bodies and metadata) and ``site-bench``
(five pages from each of eight publishers: the only set where learning a site's template can show).
Each set is scored by its own definition of the metric: the set's ``score.py`` where it ships one,
and WCXB's published rules for ``wcxb-articles`` (see its README), written out here.
"""

from __future__ import annotations

import ast
import gzip
import importlib.util
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
_WORDS = re.compile(r"\w+")


def under_ci() -> bool:
    """``CI=true`` (or ``1``): where a missing benchmark set is an error, not something to skip."""
    return os.environ.get("CI", "").lower() in ("true", "1")


@dataclass(frozen=True)
class Page:
    """One benchmark page: ``group`` is its publisher where the set has several pages of one."""

    id: str
    url: str
    html: bytes
    truth: dict[str, Any]
    group: str = ""


@dataclass(frozen=True)
class Output:
    """What a system made of one page. ``metadata`` is False for body-only systems, whose title,
    author and date columns then read "-" rather than a misleading 0."""

    body: str = ""
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None  # the calendar day, YYYY-MM-DD, in the offset the page gave
    modified: str | None = None
    metadata: bool = False
    error: str | None = None  # the system raised on this page; scored as an empty output


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "f"  # f: a share (3 decimals); d: a count


Scores = dict[str, Any]


@dataclass(frozen=True)
class BenchSet:
    """A set and its rules. ``floor_system`` is the system whose scores the pinned floors hold,
    ``floors`` the metrics that must not drop and ``caps`` the counts that must not rise."""

    name: str
    loader: Callable[[Path], list[Page]]
    scorer: Callable[[BenchSet, Sequence[Page], dict[str, Output]], tuple[Scores, dict[str, Scores]]]
    columns: tuple[Column, ...]
    floors: tuple[str, ...]
    caps: tuple[str, ...]
    floor_system: str = "defcorpus"
    learning: bool = False  # several pages per publisher: site learning applies
    has_scorer: bool = False  # ships score.py beside dev/
    shared: Path = SHARED

    @property
    def directory(self) -> Path:
        return self.shared / self.name / "dev"

    @property
    def scorer_file(self) -> Path | None:
        return self.shared / self.name / "score.py" if self.has_scorer else None

    def present(self) -> bool:
        return (self.directory / "ground-truth.json").is_file()

    def load(self) -> list[Page]:
        return self.loader(self.directory)

    def score(self, pages: Sequence[Page], outputs: dict[str, Output]) -> tuple[Scores, dict[str, Scores]]:
        """Set totals and per-page scores for one system's outputs."""
        return self.scorer(self, pages, outputs)

    def module(self) -> ModuleType:
        """The set's own ``score.py``, imported from its file: it defines the metric."""
        path = self.scorer_file
        spec = importlib.util.spec_from_file_location(f"{self.name.replace('-', '_')}_score", path or "")
        if path is None or spec is None or spec.loader is None:
            raise FileNotFoundError(f"{self.name}: no scorer at {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


def _truth(directory: Path) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    return data


def _html(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())


def empty_count(outputs: dict[str, Output]) -> int:
    return sum(1 for output in outputs.values() if not output.body.strip())


# extraction-bench: word 4-grams, by its score.py


def load_extraction_bench(directory: Path) -> list[Page]:
    return [
        Page(page_id, entry["url"], _html(directory / f"{page_id}.html.gz"), entry)
        for page_id, entry in sorted(_truth(directory).items())
    ]


def score_extraction_bench(
    bench_set: BenchSet, pages: Sequence[Page], outputs: dict[str, Output]
) -> tuple[Scores, dict[str, Scores]]:
    truth = {p.id: {"url": p.url, "articleBody": p.truth["articleBody"]} for p in pages}
    totals, per_page = bench_set.module().score_set(truth, {k: o.body for k, o in outputs.items()})
    return {**totals, "empty": empty_count(outputs)}, per_page


# wcxb-articles: word-bag F1 per page, snippets and metadata (WCXB's rules)


def fold(text: str) -> str:
    """Whitespace runs to one space, then casefolded: how WCXB compares titles and snippets."""
    return " ".join(text.split()).casefold()


def snippets(value: object) -> list[str]:
    """A ``with``/``without`` field: a JSON list, or a string holding a Python-literal list.
    ``ast.literal_eval`` reads the latter without running anything; a plain string is one snippet."""
    if isinstance(value, str):
        if not value.strip():
            return []
        text = value
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return [text]
    items = [value] if isinstance(value, str) else value if isinstance(value, list | tuple) else []
    return [s for s in items if isinstance(s, str) and s.strip()]


def word_prf(pred: str, truth: str) -> tuple[float, float, float]:
    """Precision, recall, F1 of lowercased ``\\w+`` bags. An empty output scores 0 on a page with
    text; on a page whose truth is empty, only an empty output is right (WCXB's ``evaluate.py``)."""
    p, t = Counter(_WORDS.findall(pred.lower())), Counter(_WORDS.findall(truth.lower()))
    if not t:
        return (0.0, 0.0, 0.0) if p else (1.0, 1.0, 1.0)
    if not p:
        return 0.0, 0.0, 0.0
    overlap = sum((p & t).values())
    precision, recall = overlap / sum(p.values()), overlap / sum(t.values())
    return precision, recall, 2 * precision * recall / (precision + recall) if overlap else 0.0


def author_found(extracted: Sequence[str], truth: str) -> bool:
    """Any extracted name inside the truth ("A, B and C") or holding it ("By A | Staff")."""
    want = fold(truth)
    return any(name and (name in want or want in name) for name in map(fold, extracted))


def _wcxb_page(output: Output, truth: dict[str, Any]) -> Scores:
    precision, recall, f1 = word_prf(output.body, truth.get("main_content") or "")
    body = fold(output.body)
    wanted, unwanted = snippets(truth.get("with")), snippets(truth.get("without"))
    row: Scores = {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "with": sum(fold(s) in body for s in wanted) / len(wanted) if wanted else 1.0,
        "leaks": [s for s in unwanted if fold(s) in body],
    }
    if not output.metadata:
        return row
    if truth.get("title"):
        row["title"] = output.title is not None and fold(output.title) == fold(truth["title"])
    if truth.get("author"):
        row["author"] = author_found(output.authors, truth["author"])
    if truth.get("publish_date"):
        day = str(truth["publish_date"])[:10]
        row["date"] = output.published == day
        row["date_either"] = day in (output.published, output.modified)
    return row


def load_wcxb(directory: Path) -> list[Page]:
    return [
        Page(page_id, entry["url"], _html(directory / f"{page_id}.html.gz"), entry)
        for page_id, entry in sorted(_truth(directory).items())
    ]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def score_wcxb(
    bench_set: BenchSet, pages: Sequence[Page], outputs: dict[str, Output]
) -> tuple[Scores, dict[str, Scores]]:
    """Body scores averaged over pages; ``with`` the mean per-page share found (as WCXB averages
    it); ``leaks`` the pages with any ``without`` snippet; metadata over pages with that truth."""
    rows = {p.id: _wcxb_page(outputs.get(p.id, Output()), p.truth) for p in pages}
    totals: Scores = {key: _mean([r[key] for r in rows.values()]) for key in ("f1", "precision", "recall", "with")}
    totals["leaks"] = sum(1 for r in rows.values() if r["leaks"])
    totals["empty"] = empty_count(outputs)
    for key in ("title", "author", "date", "date_either"):
        totals[key] = _mean([float(r[key]) for r in rows.values() if key in r])
    return totals, rows


# site-bench: 4-gram and paragraph F1 by its score.py, per publisher too


def load_site_bench(directory: Path) -> list[Page]:
    return [
        Page(name, entry["url"], _html(directory / name), entry, group=name.rsplit("_", 1)[0])
        for name, entry in sorted(_truth(directory).items())
    ]


def score_site_bench(
    bench_set: BenchSet, pages: Sequence[Page], outputs: dict[str, Output]
) -> tuple[Scores, dict[str, Scores]]:
    """The body goes in as one string: the scorer splits paragraphs on blank lines and newlines."""
    scorer = bench_set.module()
    bodies = {p.id: outputs.get(p.id, Output()).body for p in pages}
    rows = {p.id: scorer.page_score(p.truth["body"], scorer.paragraphs(bodies[p.id])) for p in pages}
    totals: Scores = scorer.aggregate(list(rows.values()))
    groups: dict[str, list[Any]] = {}
    for page in pages:
        groups.setdefault(page.group, []).append(rows[page.id])
    totals["publishers"] = {name: scorer.aggregate(group) for name, group in sorted(groups.items())}
    names = ("f1", "para_f1", "precision", "recall", "para_precision", "para_recall")
    return totals, {page_id: dict(zip(names, row, strict=True)) for page_id, row in rows.items()}


_BODY = (Column("f1", "F1"), Column("precision", "P"), Column("recall", "R"))


def all_sets(shared: Path = SHARED) -> dict[str, BenchSet]:
    """The sets in the order the bench prints them."""
    sets = [
        BenchSet(
            "extraction-bench",
            load_extraction_bench,
            score_extraction_bench,
            (*_BODY, Column("exact_match", "exact"), Column("empty", "empty", "d")),
            floors=("f1",),
            caps=("empty",),
            has_scorer=True,
            shared=shared,
        ),
        BenchSet(
            "wcxb-articles",
            load_wcxb,
            score_wcxb,
            (
                *_BODY,
                Column("empty", "empty", "d"),
                Column("with", "with"),
                Column("leaks", "leaks", "d"),
                Column("title", "title"),
                Column("author", "author"),
                Column("date", "date"),
                Column("date_either", "date*"),
            ),
            floors=("f1", "title", "author", "date"),
            caps=("leaks", "empty"),
            shared=shared,
        ),
        BenchSet(
            "site-bench",
            load_site_bench,
            score_site_bench,
            (*_BODY, Column("para_f1", "paraF1"), Column("empty", "empty", "d")),
            floors=("f1", "para_f1"),
            caps=("empty",),
            floor_system="defcorpus-learn",
            learning=True,
            has_scorer=True,
            shared=shared,
        ),
    ]
    return {s.name: s for s in sets}
