"""Process-side faults: the clean and the crawl killed with SIGKILL at seeded random points, then rerun.

No hook in library code says where to die: the real ``defcorpus clean`` runs as a subprocess and is
killed after a seeded random delay measured from the moment it takes the site's lease, over a store
with enough raw pages that the delay lands mid-work. After each kill a rerun must give exactly the
corpus an uninterrupted run gives (same ids, content hashes and duplicate groups, no row twice), and
must not be blocked by the lease the killed process left behind.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import corpus
from corpus import layout
from corpus.lease import LeaseHeldError, clean_lease
from corpus.store import LocalStore, open_store
from crawlers.runner import CrawlJob
from crawlers.sites import SiteConfig, get_site
from defcorpus.clean import clean_site
from defcorpus.crawl_job import crawl_site
from tests.support import minisite_facts as facts
from tests.support.raw import synthetic_pages, write_raw
from tests.support.snapshots import snapshot

pytestmark = pytest.mark.reliability

KILL_SEEDS = [11, 23, 41, 59]
PAGES = 120
_CLEAN = "import sys; from defcorpus.cli import main; sys.exit(main())"
PHASES: Counter[str] = Counter()  # where the kills landed, for the report (printed with -s)


@pytest.fixture(scope="module")
def raw_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support.site_configs import site_config

    store = LocalStore(tmp_path_factory.mktemp("raw") / "store")
    write_raw(store, site_config().name, synthetic_pages(PAGES), per_file=20)
    return store.root


@pytest.fixture(scope="module")
def uninterrupted(raw_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, float]:
    """The corpus of a clean nobody interrupted, and how long its work took (to aim the kills)."""
    from tests.support.site_configs import site_config

    store = LocalStore(tmp_path_factory.mktemp("baseline") / "store")
    shutil.copytree(raw_template, store.root, dirs_exist_ok=True)
    started = time.monotonic()
    clean_site(store, site_config())
    return snapshot(store), time.monotonic() - started


def _wait_for(path: Path, proc: subprocess.Popen[bytes], limit: float = 60.0) -> bool:
    """Poll until ``path`` exists (True) or the process ended (False); bounded by ``limit`` seconds."""
    for _ in range(int(limit / 0.005)):
        if path.exists():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    return False


def _phase(store: LocalStore, site: str) -> str:
    """Where a kill landed, judged from what it left in the store."""
    manifests = store.list(layout.MANIFEST_PREFIX)
    data = store.list(f"{layout.CLEAN_PREFIX}site={site}/")
    if not store.exists(layout.clean_lease_key(site)):
        return "after the release"
    if manifests:
        return "published, lease not released"
    if data:
        return "mid-publish (data files, no manifest)"
    if store.exists(layout.boilerplate_state_key(site)):
        return "state written, nothing published"
    return "reading and extracting"


@pytest.mark.parametrize("seed", KILL_SEEDS)
def test_clean_killed_at_random_point_then_rerun_equals_uninterrupted(
    seed: int,
    raw_template: Path,
    uninterrupted: tuple[Any, float],
    tmp_path: Path,
    relsite: SiteConfig,
    sites_file: Path,
) -> None:
    expected, work_seconds = uninterrupted
    store = LocalStore(tmp_path / "store")
    shutil.copytree(raw_template, store.root, dirs_exist_ok=True)
    lease_file = store.root / layout.clean_lease_key(relsite.name)
    cmd = [sys.executable, "-c", _CLEAN, "clean", "--store", str(store.root), "--sites-file", str(sites_file)]
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
        try:
            assert _wait_for(lease_file, proc), "the clean never took its lease"
            time.sleep(random.Random(seed).uniform(0, work_seconds * 0.9))
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()  # no-op if it is dead already; never leaves a child behind on a failed assert
            proc.wait(timeout=30)
    phase = _phase(store, relsite.name)
    PHASES[phase] += 1
    print(f"clean killed (seed {seed}): {phase}")  # shown with -s: where the kills landed
    half = snapshot(store)
    assert half.versions in (frozenset(), expected.versions), phase  # a batch is seen whole or not at all

    clean_site(store, relsite)  # not blocked by the dead process's lease

    after = snapshot(store)
    assert after.versions == expected.versions, phase
    assert after.rows == expected.rows and after.duplicated == 0, phase
    assert not lease_file.exists()


def test_lease_of_a_live_process_still_blocks(tmp_path: Path, relsite: SiteConfig) -> None:
    """The takeover is only for dead holders: a live clean on this host keeps the site to itself."""
    store = LocalStore(tmp_path / "store")
    code = (
        "import sys, time; from corpus.store import open_store; from corpus.lease import clean_lease\n"
        "with clean_lease(open_store(sys.argv[1]), 'relsite'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    with subprocess.Popen([sys.executable, "-c", code, str(store.root)], stdout=subprocess.PIPE) as proc:
        try:
            assert proc.stdout is not None and proc.stdout.readline() == b"held\n"
            with pytest.raises(LeaseHeldError, match="being cleaned by"), clean_lease(store, relsite.name):
                pass
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            with clean_lease(store, relsite.name) as lease:  # dead now: taken over at once
                assert str(os.getpid()) in lease.holder
        finally:
            proc.kill()
            proc.wait(timeout=30)


# --------------------------------------------------------------------------- the crawl killed

LOOPBACK = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DEFCORPUS_WARC_MAX_RECORDS": 3,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
}


@pytest.mark.parametrize("seed", [5, 8])
def test_crawl_killed_at_random_point_then_crawl_and_clean_lose_nothing(
    seed: int, minisite: Any, tmp_path: Path
) -> None:
    """Through ``crawl_site`` + ``clean_site`` only: after a kill and a rerun every mini-site article is
    published exactly once."""
    site = get_site("minisite").with_base_url(minisite.base_url)
    store_dir = tmp_path / "store"
    job = CrawlJob(site=site, store=str(store_dir), settings=LOOPBACK)
    with subprocess.Popen(
        job.command(tmp_path / "report.json"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as proc:
        try:
            raw = store_dir / "raw"
            assert _wait_for(raw, proc), "the crawl stored nothing before it ended"
            time.sleep(random.Random(seed).uniform(0, 1.5))
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=30)
    store = open_store(str(store_dir))
    crawl_site(store.url, site, settings=LOOPBACK)
    clean_site(store, site)
    table = corpus.open(store).articles(latest=False)
    paths = sorted(a.split(minisite.base_url, 1)[1] for a in table["url"].to_pylist())
    assert paths == sorted(facts.article_paths())  # none lost, none twice


def test_a_killed_crawls_temporary_directory_is_removed_by_the_next_crawl(
    minisite: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL leaves the crawl's ``defcorpus-warc-*`` directory (its open WARC file) behind; the next
    crawl on the host removes it, as its owner is gone (before: one more left per killed crawl)."""
    site = get_site("minisite").with_base_url(minisite.base_url)
    store_dir, tmp = tmp_path / "store", tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))  # the crawl children's temporary directory
    job = CrawlJob(site=site, store=str(store_dir), settings=LOOPBACK)
    with subprocess.Popen(
        job.command(tmp_path / "report.json"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as proc:
        try:
            assert _wait_for(store_dir / "raw", proc), "the crawl stored nothing before it ended"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=30)
    left = list(tmp.glob("defcorpus-warc-*"))
    assert len(left) == 1, "the kill should leave the crawl's directory behind"
    crawl_site(str(store_dir), site, settings=LOOPBACK)
    assert list(tmp.glob("defcorpus-warc-*")) == []
