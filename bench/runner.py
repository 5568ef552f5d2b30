"""Running the systems over a set's pages: timed, in alternating order, in one process or several.

Within a repetition every system runs on a unit (one page, or one publisher's pages where a set has
several) before the next unit starts, in forward order on even units and reversed on odd ones, so
neither warm caches nor a busy moment favour a system. Each call is timed with the clock of the
process that makes it; with worker processes the per-call CPU times are summed, as one process
would have spent them. Outputs are kept from the first repetition; they do not change between reps.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.sets import BenchSet, Output, Page, Scores
from bench.systems import System, available

CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}

Task = tuple[int, list[Page], bool]  # unit number, its pages, keep the outputs
Done = tuple[int, list[float], list[list[Output]] | None]
Mapper = Callable[[list[Task]], Iterable[Done]]
# Builds systems by name; a module-level function, so a worker process can be told which one.
Maker = Callable[[Sequence[str]], dict[str, System]]


@dataclass
class SystemRun:
    name: str
    label: str
    outputs: dict[str, Output] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)  # one total per repetition
    scores: Scores = field(default_factory=dict)
    per_page: dict[str, Scores] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for output in self.outputs.values() if output.error)


def units_of(bench_set: BenchSet, pages: Sequence[Page]) -> list[list[Page]]:
    """One page per unit; a publisher's pages per unit where the set is for site learning."""
    if not bench_set.learning:
        return [[page] for page in pages]
    groups: dict[str, list[Page]] = {}
    for page in pages:
        groups.setdefault(page.group, []).append(page)
    return list(groups.values())


def _call(system: System, unit: list[Page]) -> list[Output]:
    """A crash is an empty output with the reason: one bad page must not end the run."""
    try:
        outputs = system.run(unit)
    except Exception as exc:
        return [Output(error=f"{type(exc).__name__}: {exc}") for _ in unit]
    if len(outputs) != len(unit):
        return [Output(error=f"{len(outputs)} outputs for {len(unit)} pages") for _ in unit]
    return outputs


def run_unit(task: Task, systems: Sequence[System], clock: Callable[[], float]) -> Done:
    n, unit, keep = task
    seconds = [0.0] * len(systems)
    outputs: list[list[Output]] = [[] for _ in systems]
    for i in range(len(systems)) if n % 2 == 0 else reversed(range(len(systems))):
        start = clock()
        outputs[i] = _call(systems[i], unit)
        seconds[i] = clock() - start
    return n, seconds, outputs if keep else None


def _prepare(make: Maker, names: Sequence[str], warm: list[Page]) -> list[System]:
    """Build the systems and run each once untimed: lazy imports and first-call caches stay out."""
    systems = list(make(names).values())
    for system in systems:
        _call(system, warm)
    return systems


# A worker process's own systems and clock, set once by ``_start_worker``: the systems hold
# closures (options objects, imported modules) that cannot be sent to another process.
_WORKER: dict[str, Any] = {}


def _start_worker(make: Maker, names: Sequence[str], clock: str, warm: list[Page]) -> None:
    logging.disable(logging.WARNING)  # the baselines log every page they give up on
    _WORKER["systems"], _WORKER["clock"] = _prepare(make, names, warm), CLOCKS[clock]


def _work(task: Task) -> Done:
    return run_unit(task, _WORKER["systems"], _WORKER["clock"])


@contextmanager
def _mapper(make: Maker, names: Sequence[str], clock: str, warm: list[Page], jobs: int) -> Iterator[Mapper]:
    """Runs tasks here (``jobs == 1``) or in a pool of forked workers, which start with the
    imports already made."""
    if jobs == 1:
        previous = logging.root.manager.disable
        logging.disable(logging.WARNING)
        try:
            systems, timer = _prepare(make, names, warm), CLOCKS[clock]
            yield lambda tasks: (run_unit(task, systems, timer) for task in tasks)
        finally:
            logging.disable(previous)
        return
    with multiprocessing.get_context("fork").Pool(jobs, _start_worker, (make, list(names), clock, warm)) as pool:
        yield lambda tasks: pool.imap_unordered(_work, tasks, chunksize=2)


def run_set(
    bench_set: BenchSet,
    pages: Sequence[Page],
    names: Sequence[str],
    reps: int,
    clock: str,
    jobs: int,
    make: Maker = available,
) -> list[SystemRun]:
    """Run the named systems over the set ``reps`` times, then score the first repetition."""
    chosen = make(names)
    runs = [SystemRun(s.name, s.label) for s in chosen.values()]
    units = units_of(bench_set, pages)
    with _mapper(make, list(chosen), clock, units[0], jobs) as run_all:
        for rep in range(reps):
            totals = [0.0] * len(runs)
            for n, seconds, outputs in run_all([(n, unit, rep == 0) for n, unit in enumerate(units)]):
                for i, run in enumerate(runs):
                    totals[i] += seconds[i]
                    if outputs is not None:
                        run.outputs.update((page.id, out) for page, out in zip(units[n], outputs[i], strict=True))
            for run, total in zip(runs, totals, strict=True):
                run.seconds.append(total)
    for run in runs:
        run.outputs = {page.id: run.outputs[page.id] for page in pages}  # page order, whatever came back first
        run.scores, run.per_page = bench_set.score(pages, run.outputs)
    return runs
