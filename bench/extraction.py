"""Article-body extraction benchmark: ``defcorpus extract`` next to bare trafilatura and readability.

Every system reads the same pages in the same run and is scored by the shared benchmark's own
scorer (``score.py`` beside the page directory: word 4-gram overlap, precision and recall averaged
over pages). Speed is CPU time per page by default, so other processes on a shared machine do not
skew it; systems run page by page in alternating order, and speed relative to bare trafilatura is
the median of the per-repetition ratios.

    python -m bench.extraction [DIR] [--reps N] [--check] [--update-floor]

``--check`` scores ``defcorpus extract`` only and fails when its F1 falls below the pinned floor
(``bench/extraction_floor.json``, see ``bench.floor``).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import floor as floor_lib

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO.parent / "shared" / "extraction-bench" / "dev"
REFERENCE = "trafilatura"
# A fixed fetch time for every page: dates in the benchmark pages are all earlier.
FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)

Extractor = Callable[[bytes, str], str]


@dataclass(frozen=True)
class BenchPage:
    id: str
    url: str
    html: bytes
    truth: str


@dataclass
class SystemRun:
    name: str
    label: str
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)  # one total per repetition
    scores: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> int:
        return sum(1 for text in self.outputs.values() if not text.strip())


def load_pages(directory: Path) -> list[BenchPage]:
    """Pages and ground truth in the layout of ../shared/extraction-bench/dev."""
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        BenchPage(
            id=page_id,
            url=entry["url"],
            html=gzip.decompress((directory / f"{page_id}.html.gz").read_bytes()),
            truth=entry["articleBody"],
        )
        for page_id, entry in sorted(truth.items())
    ]


def load_scorer(directory: Path, path: Path | None = None) -> ModuleType:
    """The benchmark's own scorer (it defines the metric), imported from its file."""
    path = path or directory.parent / "score.py"
    spec = importlib.util.spec_from_file_location("extraction_bench_score", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"no scorer at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def defcorpus() -> Extractor:
    """What ``defcorpus extract --url URL FILE`` prints as the body: the same library calls, with
    one options object for all pages as the command builds."""
    from corpus.extract_cmd import extract_html, single_page_options

    options = single_page_options()

    def run(html: bytes, url: str) -> str:
        outcome = extract_html(html, url, fetched_at=FETCHED_AT, options=options)
        return outcome.article.body if outcome.article is not None else ""

    return run


def _trafilatura(**kwargs: Any) -> Extractor:
    import trafilatura

    def run(html: bytes, url: str) -> str:
        return trafilatura.extract(html, **kwargs) or ""

    return run


def _readability(html: bytes, url: str) -> str:
    import html_text
    from readability import Document

    return html_text.extract_text(Document(html.decode("utf-8", "replace")).summary(html_partial=True))


def systems(only_defcorpus: bool = False) -> dict[str, tuple[str, Extractor]]:
    """name -> (label, extractor). Baselines whose package is missing are left out with a note."""
    found: dict[str, tuple[str, Extractor]] = {"defcorpus": ("defcorpus extract", defcorpus())}
    if only_defcorpus:
        return found
    found[REFERENCE] = ("trafilatura (default)", _trafilatura())
    found["trafilatura-precision"] = ("trafilatura favor_precision", _trafilatura(favor_precision=True))
    if importlib.util.find_spec("readability") and importlib.util.find_spec("html_text"):
        found["readability"] = ("readability-lxml + html-text", _readability)
    else:
        print("note: readability-lxml or html-text not installed; that baseline is skipped", file=sys.stderr)
    return found


def run_systems(
    pages: list[BenchPage], chosen: dict[str, tuple[str, Extractor]], reps: int, clock: Callable[[], float]
) -> list[SystemRun]:
    """Each repetition runs every system on each page in turn (order alternating by page)."""
    import logging

    logging.disable(logging.WARNING)  # the baselines log every page they give up on
    runs = [SystemRun(name, label) for name, (label, _) in chosen.items()]
    extractors = [extractor for _, extractor in chosen.values()]
    for extractor in extractors:  # warm up: lazy imports and first-call caches stay out of the timing
        extractor(pages[0].html, pages[0].url)
    for rep in range(reps):
        totals = [0.0] * len(runs)
        for n, page in enumerate(pages):
            order = range(len(runs)) if n % 2 == 0 else reversed(range(len(runs)))
            for i in order:
                start = clock()
                text = extractors[i](page.html, page.url)
                totals[i] += clock() - start
                if rep == 0:
                    runs[i].outputs[page.id] = text
        for run, total in zip(runs, totals, strict=True):
            run.seconds.append(total)
    logging.disable(logging.NOTSET)
    return runs


def score_runs(runs: list[SystemRun], pages: list[BenchPage], scorer: ModuleType) -> None:
    truth = {p.id: {"url": p.url, "articleBody": p.truth} for p in pages}
    for run in runs:
        run.scores, _ = scorer.score_set(truth, run.outputs)


def table(runs: list[SystemRun], n_pages: int, reps: int, clock_name: str) -> str:
    reference = next((r for r in runs if r.name == REFERENCE), None)
    head = f"{'system':<40} {'F1':>6} {'prec':>6} {'recall':>6} {'exact':>6} {'empty':>5} {'pages/s':>8} {'speed':>6}"
    lines = [head, "-" * len(head)]
    for run in runs:
        rate = n_pages / statistics.median(run.seconds)
        if reference is not None:
            ratio = statistics.median(r / s for r, s in zip(reference.seconds, run.seconds, strict=True))
            speed = f"{ratio:.2f}x"
        else:
            speed = "-"
        s = run.scores
        lines.append(
            f"{run.label:<40} {s['f1']:>6.3f} {s['precision']:>6.3f} {s['recall']:>6.3f} "
            f"{s['exact_match']:>6.3f} {run.empty:>5} {rate:>8.1f} {speed:>6}"
        )
    lines.append(
        f"{n_pages} pages; pages/s: median of {reps} repetitions ({clock_name} time); "
        f"speed: relative to {REFERENCE} default, same run"
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m bench.extraction", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "directory",
        nargs="?",
        type=Path,
        default=DEFAULT_DIR,
        help="pages as <id>.html.gz plus ground-truth.json (default: %(default)s)",
    )
    ap.add_argument("--scorer", type=Path, help="score.py to use (default: DIR/../score.py)")
    ap.add_argument("--reps", type=int, default=3, help="timed repetitions; pages/s is their median")
    ap.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: process time (robust on a busy machine); wall: elapsed time",
    )
    ap.add_argument("--json", dest="json_out", type=Path, help="also write scores, speeds and outputs here")
    ap.add_argument("--check", action="store_true", help="defcorpus only; fail if F1 < floor - margin")
    ap.add_argument("--update-floor", action="store_true", help="raise the pinned floor to this run's F1")
    ap.add_argument("--allow-lower-floor", action="store_true", help="let --update-floor lower the floor")
    ap.add_argument("--floor-file", type=Path, default=floor_lib.FLOOR_FILE)
    args = ap.parse_args(argv)
    if args.reps < 1:
        ap.error("--reps must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pages = load_pages(args.directory)
    scorer_path = args.scorer or args.directory.parent / "score.py"
    scorer = load_scorer(args.directory, scorer_path)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    reps = 1 if args.check else args.reps
    runs = run_systems(pages, systems(only_defcorpus=args.check), reps, clock)
    score_runs(runs, pages, scorer)
    print(table(runs, len(pages), reps, args.clock))
    ours = runs[0]
    digest = floor_lib.input_digest(args.directory, scorer_path)
    if args.json_out:
        args.json_out.write_text(
            json.dumps(
                {
                    "digest": digest,
                    "pages": len(pages),
                    "systems": {
                        r.name: {
                            "label": r.label,
                            "scores": r.scores,
                            "empty": r.empty,
                            "seconds": r.seconds,
                            "outputs": r.outputs,
                        }
                        for r in runs
                    },
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    measured = floor_lib.Measured(
        f1=ours.scores["f1"],
        precision=ours.scores["precision"],
        recall=ours.scores["recall"],
        empty=ours.empty,
        pages=len(pages),
    )
    if args.update_floor:
        ok, message = floor_lib.update(args.floor_file, measured, digest, allow_lower=args.allow_lower_floor)
        print(message)
        return 0 if ok else 1
    if args.check:
        ok, message = floor_lib.check(args.floor_file, measured, digest)
        print(message)
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
