"""Profile the hot paths with pyinstrument: where a clean's CPU goes, and a crawl's reactor thread.

    python -m bench.profile clean [--articles N]    # clean_site on N crawled mirror pages
    python -m bench.profile crawl [--articles N]    # the crawl child process, politeness off

Each writes pyinstrument's call tree to ``bench/results/profile-<part>.txt`` (``--out`` for another
path) and prints its top. The mirror is ``bench.mirror`` on loopback, as in ``bench.perf``. Read the
shares, not the seconds: a profiler slows what it measures.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import stages
from bench.perf import REPO, RESULTS, child_server


def profile_clean(mirror: str, workdir: Path, out: Path) -> None:
    from pyinstrument import Profiler

    from corpus.store import open_store
    from defcorpus.clean import clean_site

    raw = workdir / "raw"
    stages.crawl(mirror, str(raw))
    warm = stages.sample_store(raw, workdir / "warm", 1)  # one-time imports stay out of the profile
    stages.time_clean(warm, workdir / "warm-run", mirror)
    profiler = Profiler(interval=0.001)
    profiler.start()
    report = clean_site(open_store(str(raw)), stages.mirror_site(mirror))
    profiler.stop()
    out.write_text(profiler.output_text(unicode=False, color=False))
    print(f"cleaned {report.pages} pages")


# The crawl child under the profiler; async_mode off, or the reactor's callbacks (run from asyncio's
# loop in contexts of their own) are left out of the tree.
_PROFILED_CRAWL = """
import sys
from pyinstrument import Profiler
from crawlers.__main__ import main
out, argv = sys.argv[1], sys.argv[2:]
profiler = Profiler(interval=0.001, async_mode="disabled")
profiler.start()
try:
    code = main(argv)
finally:
    profiler.stop()
    with open(out, "w") as fh:
        fh.write(profiler.output_text(unicode=False, color=False))
sys.exit(code)
"""


def profile_crawl(mirror: str, workdir: Path, out: Path) -> None:
    from crawlers.runner import CrawlJob

    job = CrawlJob(site=stages.mirror_site(mirror), store=str(workdir / "raw"), settings=stages.POLITENESS_OFF)
    command = job.command(workdir / "report.json")
    assert command[1:3] == ["-m", "crawlers"]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PROFILED_CRAWL, str(out), *command[3:]], cwd=REPO, capture_output=True, timeout=3600
    )
    if done.returncode != 0:
        raise RuntimeError(f"profiled crawl failed ({done.returncode}):\n{done.stderr.decode()[-3000:]}")
    print(f"crawled in {time.perf_counter() - start:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["clean", "crawl"])
    parser.add_argument("--articles", type=int, default=1000, help="articles in the mirror (default 1000)")
    parser.add_argument("--out", type=Path, help="default: bench/results/profile-<part>.txt")
    args = parser.parse_args(argv)
    out = args.out or RESULTS / f"profile-{args.part}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="defcorpus-profile-") as tmp,
        child_server("bench.mirror", "--articles", str(args.articles)) as mirror,
    ):
        (profile_clean if args.part == "clean" else profile_crawl)(mirror, Path(tmp), out)
        shutil.rmtree(Path(tmp) / "raw", ignore_errors=True)
    lines = out.read_text().splitlines()
    print("\n".join(lines[:60]))
    print(f"... wrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out} ({len(lines)} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
