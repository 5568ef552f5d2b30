"""Extraction benchmark: ``defcorpus extract`` next to bare trafilatura and readability, per set.

Every system reads the same pages of each set (``bench.sets``: extraction-bench, wcxb-articles,
site-bench) in the same run, and each set is scored by its own metric. Speed is CPU time per page
by default, so other processes on a shared machine do not skew it; within each repetition the
systems run unit by unit (a page, or a publisher's pages on site-bench) in alternating order, and
speed relative to bare trafilatura is the median of the per-repetition ratios.

    python -m bench.extraction [--set NAME ...] [--system NAME ...] [--reps N] [--jobs N] [--json OUT]

``--jobs N`` spreads the pages over N worker processes. Each call is still timed by the CPU clock
of the process running it, and pages/s is pages over the CPU seconds summed across workers, so it
stays comparable with one process (two workers sharing the cores may run a little slower each).

``--check`` scores only the system each set's floor is pinned for (``defcorpus extract``; ``--learn``
on site-bench), with two workers unless ``--jobs`` says otherwise, and fails when a metric is below
its floor − margin (``bench/extraction_floor.json``, see ``bench.floor``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import floor as floor_lib
from bench import runner
from bench.runner import CLOCKS, SystemRun
from bench.sets import SHARED, BenchSet, Column, all_sets, under_ci
from bench.systems import FETCHED_AT, NAMES, REFERENCE, available, missing

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "extraction-latest.json"
WCXB_NOTE = (
    "F1/P/R: word bags, mean per page; with: share of a page's must-have snippets found, mean per page; "
    "leaks: pages holding a boilerplate snippet;\ntitle, author, date: share right over pages with that truth; "
    "date*: the published or the modified date on the page's day (pages often show 'Updated')"
)


def _cell(value: Any, column: Column) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if column.kind == "d" else f"{value:.3f}"


def rate_and_speed(run: SystemRun, pages: int, reference: SystemRun | None) -> tuple[float, float | None]:
    """Pages per second (median repetition) and speed relative to ``reference`` (median ratio)."""
    rate = pages / statistics.median(run.seconds) if min(run.seconds) > 0 else float("inf")
    if reference is None or min(run.seconds) <= 0:
        return rate, None
    return rate, statistics.median(r / s for r, s in zip(reference.seconds, run.seconds, strict=True))


def table(bench_set: BenchSet, runs: list[SystemRun], pages: int, footer: str) -> str:
    reference = next((r for r in runs if r.name == REFERENCE), None)
    width = max(30, *(len(r.label) for r in runs))
    widths = [max(6, len(c.header)) for c in bench_set.columns]
    heads = " ".join(f"{c.header:>{w}}" for c, w in zip(bench_set.columns, widths, strict=True))
    head = f"{'system':<{width}} {heads} {'pages/s':>8} {'speed':>6}"
    lines = [head, "-" * len(head)]
    for run in runs:
        rate, speed = rate_and_speed(run, pages, reference)
        values = " ".join(
            f"{_cell(run.scores.get(c.key), c):>{w}}" for c, w in zip(bench_set.columns, widths, strict=True)
        )
        lines.append(f"{run.label:<{width}} {values} {rate:>8.1f} {f'{speed:.2f}x' if speed else '-':>6}")
    lines.append(footer)
    if bench_set.name == "wcxb-articles":
        lines.append(WCXB_NOTE)
    lines += [f"note: {r.label} raised on {r.errors} pages (scored as empty)" for r in runs if r.errors]
    if bench_set.learning:
        lines.append(_publishers(runs))
    return "\n".join(lines)


def _publishers(runs: list[SystemRun]) -> str:
    """Per publisher, 4-gram F1 / paragraph F1: a template leak shows on one site's every page."""
    names = sorted(runs[0].scores.get("publishers", {}))
    width = max(13, *(len(r.name) for r in runs))
    lines = ["per publisher, F1/paraF1:", f"{'':<20}" + "".join(f"{r.name:>{width + 1}}" for r in runs)]
    for name in names:
        pairs = (f"{s['f1']:.3f}/{s['para_f1']:.3f}" for s in (r.scores["publishers"][name] for r in runs))
        lines.append(f"{name:<20}" + "".join(f"{pair:>{width + 1}}" for pair in pairs))
    return "\n".join(lines)


def footer(pages: int, reps: int, clock: str, jobs: int, seconds: float | None = None) -> str:
    where = f"{clock} time, summed over {jobs} worker processes" if jobs > 1 else f"{clock} time"
    took = f"; {seconds:.0f} s elapsed" if seconds is not None else ""
    return (
        f"{pages} pages; pages/s: median of {reps} repetitions ({where}); "
        f"speed: relative to {REFERENCE} default, same run{took}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m bench.extraction", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sets = list(all_sets())
    ap.add_argument("--set", dest="sets", action="append", choices=sets, help="a set to run (repeatable; default: all)")
    ap.add_argument("--system", dest="systems", action="append", choices=NAMES, help="a system (repeatable)")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the folder holding the sets (default: %(default)s)")
    ap.add_argument("--reps", type=int, default=3, help="timed repetitions; pages/s is their median")
    ap.add_argument("--jobs", type=int, help="worker processes (default 1; 2 with --check/--update-floor)")
    ap.add_argument("--clock", choices=tuple(CLOCKS), default="cpu", help="cpu: process time; wall: elapsed time")
    ap.add_argument("--json", dest="json_out", type=Path, help="write scores, timings and every page's output here")
    ap.add_argument("--results", type=Path, help=f"write the summary here (make bench: {RESULTS_FILE.name})")
    ap.add_argument("--check", action="store_true", help="floor systems only; fail if below floor - margin")
    ap.add_argument("--update-floor", action="store_true", help="re-pin the floors of the sets run at this run")
    ap.add_argument("--allow-lower-floor", action="store_true", help="let --update-floor lower a floor")
    ap.add_argument("--floor-file", type=Path, default=floor_lib.FLOOR_FILE)
    args = ap.parse_args(argv)
    if args.reps < 1 or (args.jobs is not None and args.jobs < 1):
        ap.error("--reps and --jobs must be at least 1")
    return args


def _chosen(bench_set: BenchSet, args: argparse.Namespace) -> list[str]:
    if args.check or args.update_floor:
        return [bench_set.floor_system]
    systems = available(args.systems)
    return [name for name, s in systems.items() if bench_set.learning or not s.learning_only]


def measured(bench_set: BenchSet, run: SystemRun, pages: int) -> floor_lib.Measured:
    s, gated = run.scores, (*bench_set.floors, *bench_set.caps)
    details = {k: v for k, v in s.items() if isinstance(v, int | float) and k not in gated}
    return floor_lib.Measured(
        set=bench_set.name,
        system=run.label,
        scores={k: float(s[k]) for k in bench_set.floors if s.get(k) is not None},
        counts={k: int(s[k]) for k in bench_set.caps if s.get(k) is not None},
        pages=pages,
        details=details,
    )


def _gate(args: argparse.Namespace, bench_set: BenchSet, run: SystemRun, pages: int) -> bool:
    digest = floor_lib.input_digest(bench_set.directory, bench_set.scorer_file)
    figures = measured(bench_set, run, pages)
    if args.update_floor:
        ok, message = floor_lib.update(args.floor_file, figures, digest, allow_lower=args.allow_lower_floor)
    else:
        ok, message = floor_lib.check(args.floor_file, figures, digest)
    print(message)
    return ok


def _record(bench_set: BenchSet, runs: list[SystemRun], pages: int, full: bool) -> dict[str, Any]:
    reference = next((r for r in runs if r.name == REFERENCE), None)
    systems: dict[str, Any] = {}
    for run in runs:
        rate, speed = rate_and_speed(run, pages, reference)
        entry = {"label": run.label, "scores": run.scores, "seconds": run.seconds, "pages_per_s": rate}
        entry |= {"speed_vs_trafilatura": speed, "errors": run.errors}
        if full:
            entry |= {"per_page": run.per_page, "outputs": {k: asdict(o) for k, o in run.outputs.items()}}
        systems[run.name] = entry
    digest = floor_lib.input_digest(bench_set.directory, bench_set.scorer_file)
    return {"directory": str(bench_set.directory), "digest": digest, "pages": pages, "systems": systems}


def _write(path: Path, argv: list[str], records: dict[str, Any], started: datetime) -> None:
    import trafilatura

    from bench.perf import machine

    head: dict[str, Any] = {"started_at": started.isoformat(timespec="seconds")}
    head |= {"command": " ".join(["python -m bench.extraction", *argv]), "fetched_at": FETCHED_AT.isoformat()}
    head |= {"trafilatura": trafilatura.__version__, "machine": machine()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**head, "sets": records}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    started = datetime.now(UTC)
    gate = args.check or args.update_floor
    jobs = args.jobs or (2 if gate else 1)
    reps = 1 if gate else args.reps
    catalogue = all_sets(args.shared)
    if not gate and missing():
        print(f"note: {', '.join(missing())} not installed (the bench dependency group); left out", file=sys.stderr)
    status, ran = 0, 0
    full: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for name in args.sets or list(catalogue):
        bench_set = catalogue[name]
        if not bench_set.present():
            print(f"== {name}: not found at {bench_set.directory}; skipped ==")
            status = 1 if args.sets or (gate and under_ci()) else status  # by name, or gated under CI: an error
            continue
        began = time.perf_counter()
        pages, chosen = bench_set.load(), _chosen(bench_set, args)
        print(f"{name}: {len(pages)} pages x {len(chosen)} systems x {reps} reps, {jobs} process(es)", file=sys.stderr)
        runs = runner.run_set(bench_set, pages, chosen, reps, args.clock, jobs)
        took = time.perf_counter() - began
        print(f"\n== {name}: {len(pages)} pages ({bench_set.directory}) ==")
        print(table(bench_set, runs, len(pages), footer(len(pages), reps, args.clock, jobs, took)))
        ran += 1
        if gate and not _gate(args, bench_set, runs[0], len(pages)):
            status = 1
        if args.json_out:
            full[name] = _record(bench_set, runs, len(pages), full=True)
        summary[name] = _record(bench_set, runs, len(pages), full=False)
    if gate and not ran:
        print("FAIL: no benchmark set found to check")
        status = 1
    if args.json_out:
        _write(args.json_out, argv, full, started)
    if args.results:
        _write(args.results, argv, summary, started)
    return status


if __name__ == "__main__":
    sys.exit(main())
