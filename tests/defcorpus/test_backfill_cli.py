"""``defcorpus backfill``: what a user sees when something is wrong, and what the store holds after.

Each case: one ``Error: …`` line, a non-zero exit, nothing half-written (no WARC file, no lease left).
The archive is the fake one on loopback (``tests.support.archives``), with faults injected.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from corpus import layout
from corpus.lease import crawl_lease
from corpus.store import open_store
from defcorpus.cli import EX_TEMPFAIL, main
from tests.support.archive_history import HOST, SITE_TOML, generate
from tests.support.archives import FakeArchive, archive_serving
from tests.support.backfilling import archive_env, backfill_args, stored_records, write_site_file
from tests.support.http import free_port


@pytest.fixture(scope="module")
def archive() -> Iterator[FakeArchive]:
    with archive_serving(generate(articles=20, captures=50, seed=3)) as fake:
        yield fake


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    return write_site_file(tmp_path, "archived", SITE_TOML.format(name="archived", host=HOST))


def backfill(site_file: Path, store: Path, env: dict[str, str], *extra: str) -> Result:
    args = ["backfill", "--site", "archived", "--sites-file", str(site_file), "--archive", "wayback"]
    args += ["--store", str(store), *extra]
    keep = {k: v for k, v in env.items() if k.startswith("DEFCORPUS_")}
    return CliRunner().invoke(main, args, env=keep)


def window(*extra: str) -> tuple[str, ...]:
    return ("--since", "2019-01-01", "--until", "2022-01-01", *extra)


def test_an_empty_window_is_a_usage_error(archive: FakeArchive, site_file: Path, tmp_path: Path) -> None:
    result = backfill(
        site_file, tmp_path / "store", archive_env(archive), "--since", "2020-01-01", "--until", "2019-01-01"
    )
    assert result.exit_code == 2
    assert "--since 2020-01-01 is not before --until 2019-01-01" in result.output
    assert not (tmp_path / "store").exists()


def test_a_bad_rate_setting_is_a_usage_error(archive: FakeArchive, site_file: Path, tmp_path: Path) -> None:
    env = archive_env(archive, DEFCORPUS_WAYBACK_CDX_PER_MINUTE="fast")
    result = backfill(site_file, tmp_path / "store", env, *window())
    assert result.exit_code == 2
    assert "DEFCORPUS_WAYBACK_CDX_PER_MINUTE must be a number of requests a minute, got 'fast'" in result.output
    assert not (tmp_path / "store").exists()


def test_an_unreachable_archive_is_one_line_and_leaves_no_lease(site_file: Path, tmp_path: Path, archive: Any) -> None:
    env = archive_env(archive, DEFCORPUS_ARCHIVE_RETRIES="1")
    env["DEFCORPUS_WAYBACK_URL"] = f"http://127.0.0.1:{free_port()}"
    result = backfill(site_file, tmp_path / "store", env, *window())
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
        result = backfill(site_file, tmp_path / "store", archive_env(archive), *window())
    assert result.exit_code == EX_TEMPFAIL
    assert "run again when it finishes" in result.output
    assert archive.log == [], "refused before the first request"


def test_throttling_is_waited_out_as_retry_after_says(archive: FakeArchive, site_file: Path, tmp_path: Path) -> None:
    archive.reset_log()
    archive.faults = {"cdx": [429], "memento": [503]}
    archive.retry_after = "1"
    try:
        result = backfill(site_file, tmp_path / "store", archive_env(archive), *window())
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
        result = backfill(site_file, tmp_path / "store", archive_env(archive), *window())
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
    done = backfill(site_file, store, archive_env(archive), *window())
    assert done.exit_code == 0, done.output
    paths = [r.path for r in stored_records(store, "archived")]
    assert len(paths) == len(set(paths)) == 20
    asked = {e.path for e in archive.requests("memento")}
    assert not asked & {r.headers["WARC-Defcorpus-Memento"].removeprefix(archive.base_url) for r in kept}


def test_archive_url_points_the_backfill_at_a_mirror(archive: FakeArchive, site_file: Path, tmp_path: Path) -> None:
    env = archive_env(archive)
    env["DEFCORPUS_WAYBACK_URL"] = f"http://127.0.0.1:{free_port()}"  # the option wins over the environment
    result = backfill(site_file, tmp_path / "store", env, *window("--archive-url", archive.base_url + "/"))
    assert result.exit_code == 0, result.output
    records = stored_records(tmp_path / "store", "archived")
    assert len(records) == 20
    assert all(r.headers["WARC-Defcorpus-Memento"].startswith(archive.base_url + "/web/") for r in records)
