"""What each step of the generic extraction adds: the table in ``docs/extraction.md``.

Runs ``defcorpus extract`` with the steps of ``cleaning.generic`` switched on one at a time, next to
bare trafilatura in the same run, on the benchmark pages:

    python -m bench.ablation [DIR] [--reps N]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from trafilatura import bare_extraction

from bench import extraction
from cleaning import generic


def _body(tree: Any, extractor: Any) -> Any:
    document = bare_extraction(tree, options=extractor)
    return document.body if document is not None and len(document.body) else None  # type: ignore[union-attr]


def _precision(fast: bool) -> Callable[[Any, Any], Any]:
    return lambda tree, extractor: _body(tree, generic._variant(extractor, fast=fast))


NO_TITLE = {"_without_leading_title": lambda blocks, headline, title: blocks}
NO_LINKS = {"_without_link_blocks": lambda blocks, tree: blocks}
NO_CONTINUATION = {"_continuation": lambda tree, blocks: []}
NO_FILTERS = {**NO_TITLE, **NO_LINKS, **NO_CONTINUATION}

STEPS: list[tuple[str, dict[str, Any]]] = [
    ("balanced cascade (the site's extractor)", {"_extract": _body, **NO_FILTERS}),
    ("precision, full cascade", {"_extract": _precision(fast=False), **NO_FILTERS}),
    ("precision, fast path only", {"_extract": _precision(fast=True), **NO_FILTERS}),
    ("precision fast, full if < 500 chars", NO_FILTERS),
    ("  + leading title dropped", {**NO_LINKS, **NO_CONTINUATION}),
    ("  + link lists, labelled links", NO_CONTINUATION),
    ("  + split body joined (shipped)", {}),
]


def _patched(patch: dict[str, Any]) -> extraction.Extractor:
    extract = extraction.defcorpus()

    def run(html: bytes, url: str) -> str:
        with mock.patch.multiple(generic, **patch) if patch else contextlib.nullcontext():
            return extract(html, url)

    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ablation", description=__doc__)
    ap.add_argument("directory", nargs="?", type=Path, default=extraction.DEFAULT_DIR)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    pages = extraction.load_pages(args.directory)
    chosen: dict[str, tuple[str, extraction.Extractor]] = {
        extraction.REFERENCE: ("trafilatura (default)", extraction.systems()[extraction.REFERENCE][1])
    }
    chosen.update({f"step{i}": (label, _patched(patch)) for i, (label, patch) in enumerate(STEPS)})
    runs = extraction.run_systems(pages, chosen, args.reps, time.process_time)
    extraction.score_runs(runs, pages, extraction.load_scorer(args.directory))
    print(extraction.table(runs, len(pages), args.reps, "cpu"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
