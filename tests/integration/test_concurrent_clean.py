"""Scale-out proof: two ``defcorpus clean`` processes on one store at the same instant.

The store (moto's S3 server) already holds the mini-site's raw WARC, in several files. Two child
processes run the real CLI against it, released together through a gate (``clean_worker``). The
per-site clean lease (``corpus/lease.py``, a create-only object) lets exactly one clean: every WARC
file is consumed by exactly one manifest, the loser exits with a one-line error naming the holder,
running the loser again afterwards adds nothing, and the corpus equals a single-process clean of an
identical copy of the raw files.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import corpus
from corpus import layout
from corpus.manifest import Manifest
from corpus.store import Store, open_store
from corpus.table import read_manifests
from crawlers.sites import get_site
from defcorpus.clean import clean_site
from defcorpus.cli import main as cli_main
from defcorpus.crawl_job import crawl_site
from tests.support import minisite_facts as facts
from tests.support.crawling import NO_PACING
from tests.support.s3 import S3Server

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SITE = "minisite"
# Small WARC files, so that "no file is cleaned twice" is checked over several files, not one.
CRAWL_SETTINGS = {**NO_PACING, "DEFCORPUS_WARC_MAX_RECORDS": 4}
CHILD_TIMEOUT_S = 120


@dataclass
class Race:
    warc_keys: list[str]
    first: list[subprocess.CompletedProcess[str]]
    pids: list[int]
    rerun: Result
    manifests: list[Manifest]
    manifests_after_rerun: list[Manifest]
    articles: list[dict[str, Any]]
    articles_after_rerun: list[dict[str, Any]]
    single_process_articles: list[dict[str, Any]]

    @property
    def winner(self) -> subprocess.CompletedProcess[str]:
        (winner,) = [r for r in self.first if r.returncode == 0]
        return winner

    @property
    def loser(self) -> subprocess.CompletedProcess[str]:
        (loser,) = [r for r in self.first if r.returncode != 0]
        return loser


def all_versions(store: Store) -> list[dict[str, Any]]:
    rows = corpus.open(store).articles(site=SITE, latest=False).to_pylist()
    return sorted(rows, key=lambda r: (r["id"], r["content_hash"]))


def copy_prefix(s3: S3Server, source: str, target: str, prefix: str) -> None:
    """Server-side copy: the single-process run gets the very same raw objects (same keys, same bytes)."""
    pages = s3.client.get_paginator("list_objects_v2").paginate(Bucket=source, Prefix=prefix)
    for page in pages:
        for obj in page.get("Contents", []):
            s3.client.copy_object(Bucket=target, Key=obj["Key"], CopySource={"Bucket": source, "Key": obj["Key"]})


def clean_args(store: Store, endpoint: str) -> list[str]:
    return ["clean", "--site", SITE, "--store", store.url, "--s3-endpoint-url", endpoint]


class Contenders:
    """``defcorpus clean`` child processes that import now and start cleaning when ``release`` is called.

    Why start them early: their imports (a few seconds on a loaded machine) overlap the crawl.
    """

    def __init__(self, args: list[str], tmp: Path, count: int = 2) -> None:
        self.gate = tmp / "gate"
        self.ready = [tmp / f"ready-{n}" for n in range(count)]
        env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.integration.clean_worker", str(ready), str(self.gate), "--", *args],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for ready in self.ready
        ]

    def release(self) -> list[subprocess.CompletedProcess[str]]:
        """Wait until every child has imported, open the gate, collect the results."""
        deadline = time.monotonic() + CHILD_TIMEOUT_S
        while not all(r.exists() for r in self.ready):
            assert all(p.poll() is None for p in self.procs), "a clean process died before the gate"
            assert time.monotonic() < deadline, "clean processes did not start"
            time.sleep(0.02)
        self.gate.touch()
        results = []
        for proc in self.procs:
            out, err = proc.communicate(timeout=CHILD_TIMEOUT_S)
            results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
        return results

    def kill(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def run(minisite: Any, s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Race]:
    endpoint = s3_server.endpoint_url
    buckets = {"race": "defcorpus-race", "single": "defcorpus-single"}
    for bucket in buckets.values():
        s3_server.client.create_bucket(Bucket=bucket)
    stores = {name: open_store(f"s3://{bucket}/corpus", s3_endpoint_url=endpoint) for name, bucket in buckets.items()}
    args = clean_args(stores["race"], endpoint)
    contenders = Contenders(args, tmp_path_factory.mktemp("race"))
    try:
        site = get_site(SITE).with_base_url(minisite.base_url)
        crawl_site(stores["race"].url, site, s3_endpoint_url=endpoint, settings=CRAWL_SETTINGS)
        copy_prefix(s3_server, buckets["race"], buckets["single"], "corpus/")
        warc_keys = sorted(k for k in stores["race"].list(layout.raw_site_prefix(SITE)) if k.endswith(".warc.gz"))
        first = contenders.release()
    finally:
        contenders.kill()
    manifests, articles = read_manifests(stores["race"], SITE), all_versions(stores["race"])
    # The loser's command again, once the winner is done: the same CLI, in this process (no 5 s import).
    rerun = CliRunner().invoke(cli_main, args, prog_name="defcorpus", env={"COLUMNS": "200"})
    clean_site(stores["single"], get_site(SITE))
    yield Race(
        warc_keys=warc_keys,
        first=first,
        pids=[p.pid for p in contenders.procs],
        rerun=rerun,
        manifests=manifests,
        manifests_after_rerun=read_manifests(stores["race"], SITE),
        articles=articles,
        articles_after_rerun=all_versions(stores["race"]),
        single_process_articles=all_versions(stores["single"]),
    )


def test_the_store_held_several_warc_files(run: Race) -> None:
    assert len(run.warc_keys) >= 3


def test_exactly_one_process_cleans(run: Race) -> None:
    codes = sorted(r.returncode for r in run.first)
    assert codes[0] == 0 and codes[1] != 0, [(r.returncode, r.stderr[-500:]) for r in run.first]
    assert f"{SITE}: {len(facts.article_paths())} articles published" in run.winner.stdout


def test_no_warc_file_is_cleaned_twice(run: Race) -> None:
    consumed = Counter(key for manifest in run.manifests for key in manifest.inputs)
    assert set(consumed) == set(run.warc_keys)
    assert set(consumed.values()) == {1}
    assert len(run.manifests) == 1
    ids = [a["id"] for a in run.articles]
    assert len(ids) == len(set(ids)) == len(facts.article_paths())


def test_the_loser_gets_a_clear_message_and_a_failing_exit_code(run: Race) -> None:
    err = run.loser.stderr
    assert "Traceback" not in err
    (message,) = [line for line in err.splitlines() if line.startswith("Error:")]
    held = re.fullmatch(
        rf"Error: site '{SITE}' is being cleaned by (\S+):(\d+):\w+ since \S+ \(lease expires \S+\); "
        r"run again when it finishes \(a dead worker's lease expires by itself\)",
        message,
    )
    assert held, message
    assert run.loser.returncode == 75  # EX_TEMPFAIL: busy, try again later
    assert (held[1], int(held[2])) == (socket.gethostname(), run.pids[run.first.index(run.winner)])
    assert run.loser.stdout == ""  # nothing claims to have been published


def test_running_the_loser_again_changes_nothing(run: Race) -> None:
    assert run.rerun.exit_code == 0, run.rerun.output
    assert f"{SITE}: 0 articles published, 0 unchanged" in run.rerun.stdout
    assert "from 0 new WARC files" in run.rerun.stdout
    assert [m.batch_id for m in run.manifests_after_rerun] == [m.batch_id for m in run.manifests]
    assert run.articles_after_rerun == run.articles


def test_the_corpus_equals_a_single_process_run(run: Race) -> None:
    assert run.articles == run.single_process_articles
