"""Growth: what an incremental clean, an export and a month's read cost as the corpus grows.

    python -m bench.growth [--sizes 10000 100000 1000000] [--sites 10] [--new 500]
                           [--results bench/results/growth-latest.json]

For each size, a fresh S3 server on loopback (``bench.s3count``, counting requests and bytes served)
holds a synthetic corpus of that many articles over ``--sites`` sites (``bench.growth_data build``);
then a clean of ``--new`` new pages of one site runs in its own process: wall seconds, peak RSS, S3
requests and bytes read, with the requests broken down by kind. On the largest size, one month is
read with ``defcorpus export`` (``defcorpus.export.export``, what the command runs) and with
``corpus.open(...).articles(since=…, until=…)``. Last, the scaling of ``clean --workers``: the same
backlog (``--workers-pages``, 2,000) cleaned by 1 and by 2 processes on the smallest corpus, in pages/s.

The target: each figure of the clean at the largest size within 1.3× the smallest's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.perf import child_server, get_json, machine, run_child
from bench.s3count import CONTROL_PATH
from bench.stages import DUMMY_AWS, create_bucket

TARGET = 1.3
METRICS = ("seconds", "peak_rss_mb", "s3_requests", "bytes_read")
MONTH = ("2026-11-01", "2026-12-01")  # the newest month: every size has it whole


def _delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    kinds = {k: n - before["by_kind"].get(k, 0) for k, n in after["by_kind"].items()}
    return {
        "s3_requests": after["total"] - before["total"],
        "bytes_read": after["bytes_out"] - before["bytes_out"],
        "by_kind": dict(sorted(((k, n) for k, n in kinds.items() if n), key=lambda item: -item[1])),
    }


class Server:
    """One S3 server's endpoint, and a measured child stage against a bucket on it."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.env = {**os.environ, **DUMMY_AWS, "DEFCORPUS_S3_ENDPOINT_URL": endpoint}

    def counts(self) -> dict[str, Any]:
        return get_json(self.endpoint + CONTROL_PATH)

    def stage(self, bucket: str, stage: str, *args: str) -> dict[str, Any]:
        store = f"s3://{bucket}/corpus"
        before = self.counts()
        wall, out = run_child(["-m", "bench.growth_data", stage, "--store", store, *args], env=self.env)
        return {**out, "wall_seconds": round(wall, 2), **_delta(before, self.counts())}

    def bucket(self, name: str, articles: int, sites: int, new: int) -> dict[str, Any]:
        create_bucket(self.endpoint, name)
        return self.stage(name, "build", "--articles", str(articles), "--sites", str(sites), "--new", str(new))


def one_size(articles: int, sites: int, new: int, *, read_month: bool) -> dict[str, Any]:
    with child_server("bench.s3count", env={**os.environ, **DUMMY_AWS}) as endpoint:
        server, bucket = Server(endpoint), f"growth-{articles}"
        built = server.bucket(bucket, articles, sites, new)
        print(f"  {articles:,} articles built in {built['wall_seconds']} s", flush=True)
        result: dict[str, Any] = {"build": {k: built[k] for k in ("wall_seconds", "s3_requests", "peak_rss_mb")}}
        result["state"] = server.stage(bucket, "sizes", "--sites", str(sites))
        result["clean"] = server.stage(bucket, "clean")
        print(f"  clean: {_line(result['clean'])}", flush=True)
        if read_month:
            for stage in ("export", "articles"):
                result[stage] = server.stage(bucket, stage, "--since", MONTH[0], "--until", MONTH[1])
                print(f"  {stage} of {MONTH[0][:7]}: {_line(result[stage])}", flush=True)
    return result


def workers_scaling(articles: int, sites: int, new: int) -> dict[str, Any]:
    """The same corpus twice, its new pages cleaned by 1 and by 2 processes: pages/s of each."""
    out: dict[str, Any] = {}
    with child_server("bench.s3count", env={**os.environ, **DUMMY_AWS}) as endpoint:
        server = Server(endpoint)
        for workers in (1, 2):
            bucket = f"growth-workers-{workers}"
            server.bucket(bucket, articles, sites, new)
            clean = server.stage(bucket, "clean", "--workers", str(workers))
            out[str(workers)] = {**clean, "pages_per_s": round(clean["pages"] / clean["seconds"], 1)}
            print(f"  {workers} worker(s): {out[str(workers)]['pages_per_s']} pages/s", flush=True)
    out["speedup"] = round(out["2"]["pages_per_s"] / out["1"]["pages_per_s"], 2)
    out["same_published"] = out["1"]["published"] == out["2"]["published"]
    return out


def _line(stage: dict[str, Any]) -> str:
    return (
        f"{stage['seconds']} s, {stage['peak_rss_mb']} MB peak RSS, {stage['s3_requests']} S3 requests, "
        f"{stage['bytes_read'] / 1e6:.1f} MB read"
    )


def ratios(sizes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Largest size's clean over the smallest's, per figure, and whether each is within the target."""
    keys = sorted(sizes, key=int)
    small, large = sizes[keys[0]]["clean"], sizes[keys[-1]]["clean"]
    out = {}
    for metric in METRICS:
        ratio = round(large[metric] / small[metric], 3) if small[metric] else None
        out[metric] = {"ratio": ratio, "met": ratio is not None and ratio <= TARGET}
    return {"of": f"{keys[-1]} vs {keys[0]}", "target": TARGET, **out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--new", type=int, default=500)
    parser.add_argument("--workers-pages", type=int, default=2000, help="new pages of the 1-vs-2-process run")
    parser.add_argument("--no-workers", action="store_true", help="skip the 1-vs-2-process scaling")
    parser.add_argument("--results", type=Path, default=Path("bench/results/growth-latest.json"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sizes: dict[str, Any] = {}
    for articles in sorted(args.sizes):
        print(f"{articles:,} articles over {args.sites} sites", flush=True)
        sizes[str(articles)] = one_size(articles, args.sites, args.new, read_month=articles == max(args.sizes))
    results: dict[str, Any] = {
        "command": "python -m bench.growth " + " ".join(argv if argv is not None else sys.argv[1:]),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "new_pages": args.new,
        "sites": args.sites,
        "sizes": sizes,
        "ratios": ratios(sizes) if len(sizes) > 1 else None,
    }
    if not args.no_workers:
        print("clean --workers scaling", flush=True)
        results["workers"] = workers_scaling(min(args.sizes), args.sites, args.workers_pages)
    results["wall_minutes"] = round((time.perf_counter() - started) / 60, 1)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["ratios"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
