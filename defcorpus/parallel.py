"""A chunk's pages cleaned with their extraction spread over worker processes, with the result one process gives.

Why only extraction: it is the pure, heaviest step of a clean (parse, trafilatura, metadata) and
depends on nothing but the page and the site's options. Learning the site's boilerplate, removing
it and grouping duplicates depend on the order of the pages and on what came before, so they stay
in the clean's own process, in the same order, exactly as ``cleaning.pipeline.clean_pages`` runs
them: a clean with N workers publishes what one process publishes (``tests/defcorpus/test_workers.py``).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

from cleaning.boilerplate import BoilerplateStats
from cleaning.options import CleanOptions
from cleaning.pipeline import BatchResult, Extracted, build_article, clean_batch, extract_pages, observe
from corpus.pages import FetchedPage
from crawlers.sites import SiteConfig

_PER_TASK = 25  # pages sent to a worker at once: large enough to amortise pickling, small enough to balance


class Extractor:
    """Cleans a chunk of one site's pages, extracting them over ``workers`` processes.

    The pool starts on first use (``forkserver``: a clean's process may hold threads, which a fork
    would copy half-way) and lives for the whole clean. Each worker builds the site's
    ``CleanOptions`` once from its config, as the clean does: the options hold compiled selectors,
    which do not pickle.
    """

    def __init__(self, workers: int, site: SiteConfig) -> None:
        if workers < 1:
            raise ValueError(f"workers must be 1 or more, not {workers}")
        self.workers, self.site = workers, site
        self._pool: Executor | None = None

    def clean(
        self,
        pages: list[FetchedPage],
        options: CleanOptions,
        stats: BoilerplateStats,
        on_pages: Callable[[int], None],
    ) -> BatchResult:
        """``clean_batch(pages, options, stats)``; ``on_pages(n)`` as each ``n`` pages are extracted."""
        if self.workers == 1:
            return clean_batch(_counted(pages, on_pages), options, stats)
        result, kept = BatchResult(), []
        for part in self._extracted(pages):
            for found, counted in part:
                if found is None:  # rejected by pass one: counted as clean_pages counts it
                    result.add(counted)
                else:
                    kept.append((found, counted))
            on_pages(len(part))
        for item, _ in kept:
            observe(stats, item)
        for item, counted in kept:
            article = build_article(item, options, stats, counted)
            result.add(counted)
            if article is not None:
                result.articles.append(article)
        return result

    def _extracted(self, pages: list[FetchedPage]) -> Iterator[list[tuple[Extracted | None, BatchResult]]]:
        """Each task's pages after pass one, in input order, as the workers finish them."""
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])  # workers fork from a server that imported the cleaner
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_start, initargs=(self.site,)
            )
        tasks = [pages[i : i + _PER_TASK] for i in range(0, len(pages), _PER_TASK)]
        yield from self._pool.map(_extract, tasks)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def _counted(pages: list[FetchedPage], on_pages: Callable[[int], None]) -> Iterator[FetchedPage]:
    for page in pages:
        yield page
        on_pages(1)


_options: list[CleanOptions] = []  # in a worker process: its site's options, built once by ``_start``


def _start(site: SiteConfig) -> None:
    from defcorpus.clean import clean_options  # here: defcorpus.clean imports this module

    _options.append(clean_options(site))


def _extract(pages: list[FetchedPage]) -> list[tuple[Extracted | None, BatchResult]]:
    """Pass one over each page on its own, with its own counts, as ``clean_pages`` runs it."""
    out: list[tuple[Extracted | None, BatchResult]] = []
    for page in pages:
        counted = BatchResult()
        out.append((next(extract_pages([page], _options[0], counted), None), counted))
    return out
