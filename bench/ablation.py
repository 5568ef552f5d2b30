"""What each step of the generic extraction adds: the step table in ``docs/extraction.md``.

Runs ``defcorpus extract`` with the steps of ``cleaning.generic`` switched on one at a time, next to
bare trafilatura in the same run, on one benchmark set (default extraction-bench):

    python -m bench.ablation [--set NAME] [--reps N] [--jobs N]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import Any
from unittest import mock

from bench import extraction, runner, systems
from bench.sets import Output, all_sets
from cleaning import generic


def _cascade(focus: str) -> Callable[[Any, Any], Any]:
    """One trafilatura run (full cascade) with this focus, in place of the shipped choice of two."""
    return lambda tree, extractor: generic._blocks(tree, generic._variant(extractor, focus=focus))[0]


NO_TITLE: dict[str, Any] = {"_without_leading_title": lambda blocks, headline, title: blocks}
NO_LINKS: dict[str, Any] = {"_without_link_blocks": lambda blocks, tree: blocks}
NO_CONTINUATION: dict[str, Any] = {"_continuation": lambda tree, blocks: []}
NO_FILTERS = {**NO_TITLE, **NO_LINKS, **NO_CONTINUATION}

STEPS: list[tuple[str, dict[str, Any]]] = [
    ("balanced run only", {"_extract": _cascade("balanced"), **NO_FILTERS}),
    ("precision run only", {"_extract": _cascade("precision"), **NO_FILTERS}),
    ("precision unless under half the words", NO_FILTERS),
    ("  + leading title dropped", {**NO_LINKS, **NO_CONTINUATION}),
    ("  + link lists, labelled links", NO_CONTINUATION),
    ("  + split body joined (shipped)", {}),
]


def _patched(patch: dict[str, Any]) -> systems.Extractor:
    extract = systems.defcorpus()

    def run(html: bytes, url: str) -> Output:
        with mock.patch.multiple(generic, **patch) if patch else contextlib.nullcontext():
            return extract(html, url)

    return run


def make(names: Sequence[str]) -> dict[str, systems.System]:
    """The reference and the steps by name (``step<i>``), as ``runner.run_set`` builds systems."""
    found = systems.available([systems.REFERENCE])
    for i, (label, patch) in enumerate(STEPS):
        found[f"step{i}"] = systems.System(f"step{i}", label, systems.per_page(_patched(patch)))
    return {name: found[name] for name in names if name in found}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ablation", description=__doc__)
    ap.add_argument("--set", dest="set_name", choices=list(all_sets()), default="extraction-bench")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    bench_set = all_sets()[args.set_name]
    pages = bench_set.load()
    names = [systems.REFERENCE, *(f"step{i}" for i in range(len(STEPS)))]
    runs = runner.run_set(bench_set, pages, names, args.reps, "cpu", args.jobs, make=make)
    print(extraction.table(bench_set, runs, len(pages), extraction.footer(len(pages), args.reps, "cpu", args.jobs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
