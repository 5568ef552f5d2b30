"""Performance benchmark (issue 8): our pipeline next to the tools people would otherwise use, same run.

    python -m bench.perf [--quick] [--out PATH]

Cleaning: ``clean_site`` (WARC in, Parquet out) vs bare ``trafilatura.extract`` vs an lxml parse, on
the same crawled mirror pages, CPU time per page, arms rotated each repetition. Crawl: our crawl
(politeness off, WARC and incremental state on) vs a bare Scrapy spider fetching the same URLs,
wall time of each child process, arms alternated. End to end: crawl then clean of a small and the
large mirror into moto's S3 server on loopback, each stage a child process (peak RSS from
``getrusage``), S3 requests counted at the server; then an incremental re-run of the large one.
Every figure is a median over repetitions; ratios are taken within a repetition. The machine is
shared: read ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import stages
from tests.support.processes import stop

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
POLITENESS_OFF = stages.POLITENESS_OFF


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full run (``make bench``) or the quick one (``make bench-quick``)."""

    name: str
    mirror_articles: int  # the large mirror: crawl benchmark, e2e, re-run
    small_articles: int  # the small mirror: memory at small scale
    crawl_reps: int
    clean_pages: int
    clean_reps: int


FULL = Plan("full", 10_000, 1_000, 3, 1_000, 3)
QUICK = Plan("quick", 1_500, 500, 2, 250, 3)


# ------------------------------------------------------------------------------------ children


@contextmanager
def child_server(module: str, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``python -m module`` whose first stdout line is its URL; stop it (by its pid) on exit."""
    proc = subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.PIPE, text=True, cwd=REPO, env=env)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"{module} did not start (exit {proc.poll()})")
        yield url
    finally:
        stop(proc)
        if proc.stdout is not None:
            proc.stdout.close()


def get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=30) as response:  # loopback only
        data: dict[str, Any] = json.loads(response.read())
    return data


def run_child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, dict[str, Any]]:
    """Run ``python args`` to completion; its wall time and the JSON of its last stdout line."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=3600, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{args[:3]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


def _count_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """What a stage added to the server's counts, largest first."""
    delta = {kind: count - before.get(kind, 0) for kind, count in after.items()}
    return dict(sorted(((k, n) for k, n in delta.items() if n), key=lambda item: -item[1]))


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


# ------------------------------------------------------------------------------------ benchmarks


def bench_crawl(plan: Plan, mirror: str, workdir: Path) -> tuple[dict[str, Any], Path]:
    """Our crawl vs a bare Scrapy spider over the same URLs, alternating which goes first."""
    ours, bare, ratios, ours_in, bare_in = [], [], [], [], []
    urls_file, last_store = workdir / "urls.txt", workdir / "crawl-0"
    for rep in range(plan.crawl_reps):
        results: dict[str, tuple[float, float, int]] = {}
        order = ["ours", "bare"] if rep % 2 == 0 or not urls_file.exists() else ["bare", "ours"]
        for arm in order:
            if arm == "ours":
                store = workdir / f"crawl-{rep}"
                start = time.perf_counter()
                out = stages.crawl(mirror, str(store))  # one child process, as the baseline
                results[arm] = (time.perf_counter() - start, out["elapsed"], out["pages"])
                if not urls_file.exists():
                    urls_file.write_text("\n".join(stages.fetched_urls(store)) + "\n")
                if last_store != store:
                    shutil.rmtree(last_store, ignore_errors=True)
                last_store = store
            else:
                wall, out = run_child(["-m", "bench.bare_spider", str(urls_file)])
                results[arm] = (wall, out["elapsed"], out["pages"])
        (ow, oe, op), (bw, be, bp) = results["ours"], results["bare"]
        ours.append(op / ow)
        bare.append(bp / bw)
        ratios.append((op / ow) / (bp / bw))
        ours_in.append(op / oe)
        bare_in.append(bp / be)
        print(f"  crawl rep {rep + 1}: ours {op} pages in {ow:.1f}s, bare scrapy {bp} in {bw:.1f}s", flush=True)
    return {
        "crawl_pages_per_s": _median(ours),
        "scrapy_pages_per_s": _median(bare),
        "crawl_vs_scrapy": _median(ratios),
        "crawl_vs_scrapy_in_reactor": _median([o / b for o, b in zip(ours_in, bare_in, strict=True)]),
        "crawl_pages": op,
    }, last_store


def bench_clean(plan: Plan, raw_store: Path, workdir: Path, mirror: str) -> dict[str, Any]:
    """clean_site vs bare trafilatura vs lxml parse-only, same pages, CPU seconds, arms rotated."""
    template = stages.sample_store(raw_store, workdir / "clean-template", plan.clean_pages)
    pages = stages.load_pages(template, mirror)
    # Warm-up, not timed: one-time imports (pandas, on pyarrow's first tz-aware conversion) and caches.
    warm = stages.sample_store(raw_store, workdir / "clean-warm", 1)
    stages.time_clean(warm, workdir / "clean-warm-run", mirror)
    stages.time_trafilatura(pages[:5])
    stages.time_lxml(pages[:5])
    arms: dict[str, Callable[[int], tuple[float, int]]] = {
        "clean": lambda rep: stages.time_clean(template, workdir / f"clean-{rep}", mirror),
        "trafilatura": lambda rep: stages.time_trafilatura(pages),
        "lxml": lambda rep: stages.time_lxml(pages),
    }
    rates: dict[str, list[float]] = {name: [] for name in arms}
    names = list(arms)
    for rep in range(plan.clean_reps):
        for name in names[rep % 3 :] + names[: rep % 3]:
            seconds, count = arms[name](rep)
            rates[name].append(count / seconds)
        print(f"  clean rep {rep + 1}: " + ", ".join(f"{n} {r[-1]:.1f} p/s" for n, r in rates.items()), flush=True)
    ratio = [c / t for c, t in zip(rates["clean"], rates["trafilatura"], strict=True)]
    return {
        "clean_pages_per_s": _median(rates["clean"]),
        "trafilatura_pages_per_s": _median(rates["trafilatura"]),
        "clean_vs_trafilatura": _median(ratio),
        "lxml_parse_pages_per_s": _median(rates["lxml"]),
        "clean_pages": len(pages),
    }


def e2e(mirror: str, s3: str, bucket: str, env: dict[str, str], *, rerun: bool = False) -> dict[str, Any]:
    """Crawl, then clean, of one mirror into a fresh bucket (``rerun``: the same bucket again);
    each stage a child process."""
    if not rerun:
        stages.create_bucket(s3, bucket)
    store = f"s3://{bucket}/corpus"
    s3_before, site_before = get_json(s3 + "/__bench__/requests"), get_json(mirror + "/__mirror__/requests")
    crawl_wall, crawl = run_child(
        ["-m", "bench.stages", "crawl", "--base-url", mirror, "--store", store, "--s3-endpoint-url", s3], env
    )
    clean_wall, clean = run_child(
        ["-m", "bench.stages", "clean", "--base-url", mirror, "--store", store, "--s3-endpoint-url", s3], env
    )
    s3_after, site_after = get_json(s3 + "/__bench__/requests"), get_json(mirror + "/__mirror__/requests")
    return {
        "seconds": round(crawl_wall + clean_wall, 2),
        "crawl_seconds": round(crawl_wall, 2),
        "clean_seconds": round(clean_wall, 2),
        "articles": clean["published"],
        "pages": clean["pages"],
        "crawl_rss_mb": crawl["children_rss_mb"],
        "clean_rss_mb": clean["self_rss_mb"],
        "s3_requests": s3_after["total"] - s3_before["total"],
        "s3_requests_by_kind": _count_delta(s3_before["by_kind"], s3_after["by_kind"]),
        "site_requests": site_after["total"] - site_before["total"],
    }


def bench_e2e(plan: Plan, mirror: str) -> dict[str, Any]:
    env = {**os.environ, **stages.DUMMY_AWS}
    with child_server("bench.s3count", env=env) as s3:
        with child_server("bench.mirror", "--articles", str(plan.small_articles)) as small_mirror:
            small = e2e(small_mirror, s3, "bench-small", env)
        print(f"  e2e {plan.small_articles}: {small}", flush=True)
        large = e2e(mirror, s3, "bench-large", env)
        print(f"  e2e {plan.mirror_articles}: {large}", flush=True)
        rerun = e2e(mirror, s3, "bench-large", env, rerun=True)
        print(f"  re-run: {rerun}", flush=True)
        report = bench_report(s3, "bench-large", env)
        print(f"  report: {report}", flush=True)
    peak_small = max(small["crawl_rss_mb"], small["clean_rss_mb"])
    peak_large = max(large["crawl_rss_mb"], large["clean_rss_mb"])
    return {
        "e2e_10k_seconds": large["seconds"],
        "e2e_articles": large["articles"],
        "peak_rss_mb_1k": peak_small,
        "peak_rss_mb_10k": peak_large,
        "rss_10k_vs_1k": round(peak_large / peak_small, 3),
        "clean_rss_mb_1k": small["clean_rss_mb"],
        "clean_rss_mb_10k": large["clean_rss_mb"],
        "crawl_rss_mb_1k": small["crawl_rss_mb"],
        "crawl_rss_mb_10k": large["crawl_rss_mb"],
        "s3_requests_per_1k_articles": round(large["s3_requests"] * 1000 / max(1, large["articles"]), 1),
        "first_run_requests": large["site_requests"],
        "rerun_requests": rerun["site_requests"],
        "rerun_seconds": rerun["seconds"],
        "rerun_vs_first": round(rerun["seconds"] / large["seconds"], 3),
        "rerun_articles_published": rerun["articles"],
        "report_10k_seconds": report["seconds"],
        "report_rss_mb_10k": report["self_rss_mb"],
        "report_s3_requests": report["s3_requests"],
        "e2e": {"small": small, "large": large, "rerun": rerun, "report": report},
    }


def bench_report(s3: str, bucket: str, env: dict[str, str]) -> dict[str, Any]:
    """``defcorpus report`` of the large corpus in S3, in its own child: wall time, peak RSS, S3 requests."""
    before = get_json(s3 + "/__bench__/requests")
    wall, out = run_child(
        ["-m", "bench.stages", "report", "--store", f"s3://{bucket}/corpus", "--s3-endpoint-url", s3], env
    )
    after = get_json(s3 + "/__bench__/requests")
    return {
        "seconds": round(wall, 2),
        **out,
        "s3_requests": after["total"] - before["total"],
        "s3_requests_by_kind": _count_delta(before["by_kind"], after["by_kind"]),
    }


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# ------------------------------------------------------------------------------------ report

ROWS = [  # key, label, target (text), check
    ("clean_vs_trafilatura", "cleaning WARC→Parquet vs bare trafilatura.extract", "≥ 1.0×", lambda v: v >= 1.0),
    ("clean_pages_per_s", "  clean pages/s (CPU)", "", None),
    ("trafilatura_pages_per_s", "  trafilatura.extract pages/s (CPU)", "", None),
    ("lxml_parse_pages_per_s", "  lxml parse-only pages/s (ceiling)", "", None),
    ("crawl_vs_scrapy", "crawl vs bare Scrapy (wall)", "≥ 0.8×", lambda v: v >= 0.8),
    ("crawl_pages_per_s", "  our crawl pages/s", "", None),
    ("scrapy_pages_per_s", "  bare Scrapy pages/s", "", None),
    ("e2e_10k_seconds", "end to end into S3, large mirror (s)", "", None),
    ("peak_rss_mb_1k", "peak RSS, small mirror (MB)", "", None),
    ("peak_rss_mb_10k", "peak RSS, large mirror (MB)", "< 500", lambda v: v < 500),
    ("rss_10k_vs_1k", "  large vs small", "≤ 1.2×", lambda v: v <= 1.2),
    ("s3_requests_per_1k_articles", "S3 requests per 1,000 articles", "", None),
    ("first_run_requests", "requests to the site, first run", "", None),
    ("rerun_requests", "requests to the site, re-run", "", None),
    ("rerun_vs_first", "re-run wall time vs first run", "", None),
    ("report_10k_seconds", "defcorpus report of the large corpus in S3 (s)", "", None),
    ("report_rss_mb_10k", "  its peak RSS (MB)", "< 500", lambda v: v < 500),
    ("report_s3_requests", "  its S3 requests", "", None),
    ("extract_latency_ms", "single-page extract, warm (ms)", "", None),
    ("cli_import_ms", "CLI import time (ms)", "", None),
]


def table(results: dict[str, Any]) -> str:
    lines = [f"{'metric':<52} {'value':>10}  {'target':<8} {'met'}", "-" * 78]
    for key, label, target, check in ROWS:
        value = results.get(key)
        met = "" if check is None or value is None else ("yes" if check(value) else "NO")
        shown = "-" if value is None else f"{value:,.3f}".rstrip("0").rstrip(".")
        lines.append(f"{label:<52} {shown:>10}  {target:<8} {met}".rstrip())
    m = results["machine"]
    lines.append(
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, load {m['load_avg_at_start']}; "
        f"plan {results['plan']}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.perf", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller mirror, fewer repetitions (< 5 min)")
    parser.add_argument("--out", type=Path, help="JSON output (default: bench/results/latest[-quick].json)")
    parser.add_argument(
        "--only",
        choices=["crawl", "clean", "e2e", "latency"],
        action="append",
        help="run only these parts (repeatable)",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    parts = set(args.only or ["crawl", "clean", "e2e", "latency"])
    out = args.out or RESULTS / ("latest-quick.json" if args.quick else "latest.json")
    results: dict[str, Any] = {
        "plan": plan.name,
        "machine": machine(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    start = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="defcorpus-bench-") as tmp,
        child_server("bench.mirror", "--articles", str(plan.mirror_articles)) as mirror,
    ):
        workdir = Path(tmp)
        print(f"mirror of {plan.mirror_articles} articles at {mirror}", flush=True)
        if parts & {"crawl", "clean", "latency"}:
            crawl, raw_store = bench_crawl(plan if "crawl" in parts else _one_rep(plan), mirror, workdir)
            if "crawl" in parts:
                results |= crawl
            if "clean" in parts:
                results |= bench_clean(plan, raw_store, workdir, mirror)
            if "latency" in parts:
                results |= stages.latency(raw_store, mirror)
        if "e2e" in parts:
            results |= bench_e2e(plan, mirror)
    results["total_seconds"] = round(time.perf_counter() - start, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"wrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out} in {results['total_seconds']} s")
    return 0


def _one_rep(plan: Plan) -> Plan:
    return Plan(plan.name, plan.mirror_articles, plan.small_articles, 1, plan.clean_pages, plan.clean_reps)


if __name__ == "__main__":
    sys.exit(main())
