"""A crawl interrupted by Ctrl-C, SIGTERM or SIGKILL keeps what it fetched, stops its crawl process,
releases its lease and resumes on a rerun."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from corpus import layout
from corpus.store import open_store
from crawlers.sites import load_site_file
from tests.support.crawling import crawl, warc_responses
from tests.support.http import FixtureServer, serving
from tests.support.story_site import STORIES, build, site_file

DEFCORPUS = str(Path(sys.executable).with_name("defcorpus"))


# --------------------------------------------------------------------------- Ctrl-C and kills during a crawl


@pytest.fixture
def slow_site(tmp_path: Path) -> Iterator[tuple[FixtureServer, Path]]:
    """A site whose 30 articles take 15 s or more at its 0.5 s pace: long enough to be interrupted."""
    with serving(lambda base: build(base, delay=0.1)) as (server, _):
        yield server, site_file(tmp_path, server.base_url)


def start_crawl(sites: Path, store: Path) -> subprocess.Popen[str]:
    """The real CLI in its own session, as at a terminal (a Ctrl-C goes to its process group)."""
    command = [DEFCORPUS, "crawl", "--sites-file", str(sites), "--site", "pub", "--store", str(store)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for_articles(server: FixtureServer, proc: subprocess.Popen[str], count: int) -> None:
    deadline = time.monotonic() + 60
    while sum(e.path.startswith("/2024/") for e in server.log) < count:
        assert proc.poll() is None and time.monotonic() < deadline, "the crawl did not get going"
        time.sleep(0.05)


@contextmanager
def crawl_under_way(server: FixtureServer, sites: Path, store: Path) -> Iterator[subprocess.Popen[str]]:
    """The CLI's crawl, started and three articles in; killed on the way out, whatever the test did."""
    proc = start_crawl(sites, store)
    try:
        wait_for_articles(server, proc, 3)
        yield proc
    finally:
        proc.kill()


def wait_until_released(store: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while list(store.rglob("*.lease")):
        assert time.monotonic() < deadline, "the crawl child still holds the lease"
        time.sleep(0.1)


def assert_quiet(server: FixtureServer, seconds: float = 2.0) -> None:
    requests = len(server.log)
    time.sleep(seconds)
    assert len(server.log) == requests, "a crawl child is still fetching"


def stored_articles(store: Path) -> list[str]:
    return sorted(r.path for r in warc_responses(store, "pub") if r.status == 200 and r.path.startswith("/2024/"))


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "kill"])
def test_an_interrupted_crawl_keeps_its_pages_stops_its_child_and_resumes(
    slow_site: tuple[FixtureServer, Path], tmp_path: Path, signum: int, code: int
) -> None:
    server, sites = slow_site
    store = tmp_path / "store"
    with crawl_under_way(server, sites, store) as proc:
        os.killpg(proc.pid, signum)
        _, stderr = proc.communicate(timeout=90)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    kept = len(warc_responses(store, "pub"))
    assert stderr.strip().splitlines()[-1] == f"Error: interrupted; {kept} pages kept; rerun to continue"
    assert 3 <= len(stored_articles(store)) < len(STORIES), "stopped part-way, with what it fetched stored"
    assert not list(store.rglob("*.lease")), "the crawl child released the lease"
    assert_quiet(server)

    crawl(load_site_file(sites), store)  # the rerun continues: every article once, none lost
    assert stored_articles(store) == sorted(s.path for s in STORIES)


@pytest.mark.slow
def test_a_crawl_whose_cli_is_killed_outright_stops_by_itself(
    slow_site: tuple[FixtureServer, Path], tmp_path: Path
) -> None:
    server, sites = slow_site
    store = tmp_path / "store"
    with crawl_under_way(server, sites, store) as proc:
        proc.kill()  # SIGKILL to the CLI alone: it cannot stop its crawl
        proc.communicate(timeout=10)
        wait_until_released(store)
    assert_quiet(server)
    assert len(stored_articles(store)) >= 3, "what the orphaned crawl fetched is stored"
    assert open_store(str(store)).list(layout.crawl_lease_key("pub")) == []
