"""Archive backfill: requests, time and peak memory against the fake Wayback Machine, at two sizes.

``python -m bench.backfill [--sizes 2000,8000] [--results OUT]``. For each size (articles; captures
are 2.5 times as many, as in the tests' history), ``defcorpus backfill`` runs in a child process
against the fake archive of ``tests/support/archives.py`` on 127.0.0.1, rates unlimited, a
1,000-row CDX page. Peak memory is the child's own (``wait4``'s ``ru_maxrss``). Why two sizes: a
backfill holds one CDX page and one article's captures at a time, plus a 64-bit digest per settled
article, so its peak must stay nearly flat while the captures grow fourfold; the run fails if it
grows by more than ``--max-growth-mb``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.archive_history import HOST, SITE_TOML, generate
from tests.support.archives import archive_serving
from tests.support.backfilling import archive_env, backfill_args, write_site_file


def run_size(articles: int, workdir: Path) -> dict[str, Any]:
    history = generate(articles=articles, captures=int(articles * 2.5))
    site_file = write_site_file(workdir, "archived", SITE_TOML.format(name="archived", host=HOST))
    store = workdir / f"store-{articles}"
    with archive_serving(history) as archive:
        args = backfill_args(site_file, store, "wayback", "2018-12-01", "2022-01-01")
        started = time.monotonic()
        child = subprocess.Popen(args, env=archive_env(archive), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.monotonic() - started
        summary = (child.stdout.read().decode() if child.stdout else "").strip().splitlines()
        requests = len(archive.log)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"backfill of {articles} articles failed: {summary[-1:] or status}")
    return {
        "articles": articles,
        "captures": history.size,
        "requests": requests,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "summary": summary[-1] if summary else "",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backfill", description=__doc__)
    parser.add_argument("--sizes", default="2000,8000", help="articles per run, comma-separated")
    parser.add_argument("--results", type=Path, help="write the figures as JSON here")
    parser.add_argument("--max-growth-mb", type=float, default=40.0)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="defcorpus-bench-backfill-") as tmp:
        runs = [run_size(n, Path(tmp)) for n in sizes]
    print(f"{'articles':>8} {'captures':>8} {'requests':>8} {'seconds':>8} {'cpu s':>6} {'peak RSS MB':>11}")
    for run in runs:
        print(
            f"{run['articles']:>8} {run['captures']:>8} {run['requests']:>8} {run['seconds']:>8} "
            f"{run['cpu_seconds']:>6} {run['peak_rss_mb']:>11}"
        )
    growth = runs[-1]["peak_rss_mb"] - runs[0]["peak_rss_mb"]
    print(f"peak RSS grew {growth:+.1f} MB for {runs[-1]['captures'] / runs[0]['captures']:.1f}x the captures")
    if args.results:
        args.results.write_text(json.dumps({"runs": runs, "rss_growth_mb": growth}, indent=2) + "\n")
    if growth > args.max_growth_mb:
        print(f"FAIL: peak memory grows with the captures (more than {args.max_growth_mb} MB)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
