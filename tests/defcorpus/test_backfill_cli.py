"""``defcorpus backfill``: what a user sees when something is wrong, and what the store holds after.

Each case: one ``Error: …`` line, a non-zero exit, nothing half-written (no WARC file, no lease left).
The archive is the fake one on loopback (``tests.support.archives``), with faults injected.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from corpus import layout
from corpus.lease import crawl_lease
from corpus.store import open_store
from crawlers.archives.state import ArchiveState
from defcorpus.cli import EX_TEMPFAIL
from tests.support.archive_history import HOST, SITE_TOML, generate
from tests.support.archives import FakeArchive, archive_serving
from tests.support.backfilling import archive_env, backfill_args, invoke_backfill, stored_records, write_site_file
from tests.support.http import free_port


@pytest.fixture(scope="module")
def archive() -> Iterator[FakeArchive]:
    with archive_serving(generate(articles=20, captures=50, seed=3)) as fake:
        yield fake


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    return write_site_file(tmp_path, "archived", SITE_TOML.format(name="archived", host=HOST))


def window(*extra: str) -> tuple[str, ...]:
    return ("--since", "2019-01-01", "--until", "2022-01-01", *extra)


def test_an_empty_window_is_a_usage_error(archive: FakeArchive, site_file: Path, tmp_path: Path) -> None:
    result = invoke_backfill(
        site_file, tmp_path / "store", archive_env(archive), "--since", "2020-01-01", "--until", "2019-01-01"
    )
    assert result.exit_code == 2
    assert "--since 2020-01-01 is not before --until 2019-01-01" in result.output
    assert not (tmp_path / "store").exists()


def test_a_bad_rate_setting_is_a_usage_error(archive: FakeArchive, site_file: Path, tmp_path: Path) -> None:
    env = archive_env(archive, DEFCORPUS_WAYBACK_CDX_PER_MINUTE="fast")
    result = invoke_backfill(site_file, tmp_path / "store", env, *window())
    assert result.exit_code == 2
    assert "DEFCORPUS_WAYBACK_CDX_PER_MINUTE must be a number of requests a minute, got 'fast'" in result.output
    assert not (tmp_path / "store").exists()


def test_an_unreachable_archive_is_one_line_and_leaves_no_lease(site_file: Path, tmp_path: Path, archive: Any) -> None:
    env = archive_env(archive, DEFCORPUS_ARCHIVE_RETRIES="1")
    env["DEFCORPUS_WAYBACK_URL"] = f"http://127.0.0.1:{free_port()}"
    result = invoke_backfill(site_file, tmp_path / "store", env, *window())
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "after 2 tries" in errors[0], result.output
    store = open_store(str(tmp_path / "store"))
    assert not store.exists(layout.crawl_lease_key("archived"))
    assert not list((tmp_path / "store").rglob("*.warc.gz"))


def test_another_backfill_of_the_site_is_busy(archive: FakeArchive, site_file: Path, tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    archive.reset_log()
    with crawl_lease(store, "archived"):
        result = invoke_backfill(site_file, tmp_path / "store", archive_env(archive), *window())
    assert result.exit_code == EX_TEMPFAIL
    assert "run again when it finishes" in result.output
    assert archive.log == [], "refused before the first request"


def test_throttling_is_waited_out_as_retry_after_says(archive: FakeArchive, site_file: Path, tmp_path: Path) -> None:
    archive.reset_log()
    archive.faults = {"cdx": [429], "memento": [503]}
    archive.retry_after = "1"
    try:
        result = invoke_backfill(site_file, tmp_path / "store", archive_env(archive), *window())
    finally:
        archive.faults = {}
    assert result.exit_code == 0, result.output
    first, second = archive.requests("cdx")[:2]
    assert second.path == first.path
    assert second.at - first.at >= 0.9, "the retry waited for Retry-After"
    assert len(stored_records(tmp_path / "store", "archived")) == 20, "nothing lost to the retries"


def test_an_archive_that_refuses_the_site_is_one_line(archive: FakeArchive, site_file: Path, tmp_path: Path) -> None:
    archive.faults = {"cdx": [403]}
    try:
        result = invoke_backfill(site_file, tmp_path / "store", archive_env(archive), *window())
    finally:
        archive.faults = {}
    assert result.exit_code == 1
    assert "Error: Wayback CDX server answered HTTP 403" in result.output


def test_sigterm_stores_the_open_file_and_a_rerun_completes(
    archive: FakeArchive, site_file: Path, tmp_path: Path
) -> None:
    """Stopped as a scheduler stops a task: exit 130, what was fetched stored, the rest fetched by the rerun."""
    store = tmp_path / "store"
    env = archive_env(archive, DEFCORPUS_WAYBACK_MEMENTO_PER_MINUTE="600")
    archive.reset_log()
    child = subprocess.Popen(
        backfill_args(site_file, store, "wayback", *window()[1::2]), env=env, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while len(archive.requests("memento")) < 5 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130
    assert "interrupted; rerun to continue" in stderr
    kept = stored_records(store, "archived")
    assert 1 <= len(kept) < 20, "the open file was stored on the way out"

    archive.reset_log()
    done = invoke_backfill(site_file, store, archive_env(archive), *window())
    assert done.exit_code == 0, done.output
    paths = [r.path for r in stored_records(store, "archived")]
    assert len(paths) == len(set(paths)) == 20
    asked = {e.path for e in archive.requests("memento")}
    assert not asked & {r.headers["WARC-Defcorpus-Memento"].removeprefix(archive.base_url) for r in kept}


def test_archive_url_points_the_backfill_at_a_mirror(archive: FakeArchive, site_file: Path, tmp_path: Path) -> None:
    env = archive_env(archive)
    env["DEFCORPUS_WAYBACK_URL"] = f"http://127.0.0.1:{free_port()}"  # the option wins over the environment
    result = invoke_backfill(site_file, tmp_path / "store", env, *window("--archive-url", archive.base_url + "/"))
    assert result.exit_code == 0, result.output
    records = stored_records(tmp_path / "store", "archived")
    assert len(records) == 20
    assert all(r.headers["WARC-Defcorpus-Memento"].startswith(archive.base_url + "/web/") for r in records)


def test_503s_are_retried_with_a_doubling_backoff_then_succeed(
    archive: FakeArchive, site_file: Path, tmp_path: Path
) -> None:
    """No Retry-After: the client waits DEFCORPUS_ARCHIVE_BACKOFF_BASE, then twice that, then four times."""
    base = 0.2
    archive.reset_log()
    archive.faults = {"cdx": [503], "memento": [503, 502, 503]}
    archive.retry_after = ""
    try:
        result = invoke_backfill(
            site_file, tmp_path / "store", archive_env(archive, DEFCORPUS_ARCHIVE_BACKOFF_BASE=str(base)), *window()
        )
    finally:
        archive.faults, archive.retry_after = {}, "1"
    assert result.exit_code == 0, result.output
    cdx, mementos = archive.requests("cdx"), archive.requests("memento")
    assert cdx[1].path == cdx[0].path and cdx[1].at - cdx[0].at >= base
    first = [m for m in mementos if m.path == mementos[0].path]
    assert len(first) == 4, "three failures, then the answer"
    gaps = [later.at - earlier.at for earlier, later in pairwise(first)]
    assert all(gap >= base * 2**n for n, gap in enumerate(gaps)), gaps
    paths = [r.path for r in stored_records(tmp_path / "store", "archived")]
    assert len(paths) == len(set(paths)) == 20, "nothing lost to the retries, nothing stored twice"


def test_a_persistent_5xx_fails_in_one_line_keeping_what_was_fetched_and_a_rerun_continues(
    archive: FakeArchive, site_file: Path, tmp_path: Path
) -> None:
    """The archive goes down after 8 mementos: exit 1, one Error line; the 8 are in raw/ and settled
    (files of 5 captures: one stored on the way, the open one stored on the way out), the lease freed;
    the rerun fetches the other articles and none of the 8 again."""
    store, spool = tmp_path / "store", tmp_path / "spool"
    env = archive_env(
        archive,
        DEFCORPUS_ARCHIVE_RETRIES="2",
        DEFCORPUS_ARCHIVE_BACKOFF_BASE="0.05",
        DEFCORPUS_ARCHIVE_WARC_RECORDS="5",
        DEFCORPUS_ARCHIVE_SPOOL=str(spool),
    )
    archive.reset_log()
    archive.faults = {"memento": [None] * 8 + [503] * 50}
    try:
        result = invoke_backfill(site_file, store, env, *window())
    finally:
        archive.faults = {}
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "HTTP 503 after 3 tries" in errors[0], result.output
    assert "Traceback" not in result.output
    answered = {m.path for m in archive.requests("memento")[:8]}
    kept = stored_records(store, "archived")
    kept_mementos = {r.headers["WARC-Defcorpus-Memento"].removeprefix(archive.base_url) for r in kept}
    assert kept and kept_mementos <= answered, "what was stored is what the archive answered"
    assert len(kept) == len({r.path for r in kept}), "each article once"
    opened = open_store(str(store))
    assert ArchiveState.load(opened, "archived", "wayback").articles == len(kept), "the state matches raw/"
    assert not opened.exists(layout.crawl_lease_key("archived"))
    assert not list(spool.rglob("*.warc.gz")), "the open file was stored on the way out"

    archive.reset_log()
    done = invoke_backfill(site_file, store, env, *window())
    assert done.exit_code == 0, done.output
    paths = [r.path for r in stored_records(store, "archived")]
    assert len(paths) == len(set(paths)) == 20
    assert not {m.path for m in archive.requests("memento")} & kept_mementos, "nothing stored is fetched again"
