"""Store-side faults: S3 down, going away mid-upload, slow, answering 500s, acknowledging late; a full disk.

Each test injects the fault into a real clean (or upload) against moto's S3 server through a faulty
loopback proxy, checks what the user sees (a typed, loud error naming the endpoint, or success),
checks that readers see nothing half-written, heals the fault, reruns, and counts the articles:
none lost, none duplicated.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from corpus.errors import KeyExistsError, StoreError, StoreUnavailableError
from corpus.store import LocalStore, S3Store, Store, open_store
from crawlers.sites import SiteConfig
from defcorpus.clean import clean_site
from defcorpus.cli import main
from tests.support.faults import FaultProxy, fault_proxy
from tests.support.http import free_port
from tests.support.raw import RawPage, synthetic_pages, write_raw
from tests.support.snapshots import Snapshot, snapshot

pytestmark = pytest.mark.reliability

PAGES = 12  # + 1 syndicated copy = 13 articles
ARTICLES = PAGES + 1
MiB = 1024 * 1024
FAST = {"max_attempts": 3, "connect_timeout": 2, "read_timeout": 5}


@pytest.fixture
def bucket(s3_bucket: tuple[str, str], relsite: SiteConfig) -> tuple[str, str]:
    """A bucket holding the fixture site's raw WARC files, written directly (no fault)."""
    endpoint, name = s3_bucket
    write_raw(open_store(f"s3://{name}/corpus", s3_endpoint_url=endpoint), relsite.name, synthetic_pages(PAGES))
    return endpoint, name


@pytest.fixture
def proxy(s3_server: Any) -> Iterator[FaultProxy]:
    with fault_proxy(s3_server.endpoint_url) as running:
        yield running


def s3(endpoint: str, bucket: str, **knobs: Any) -> S3Store:
    return S3Store(bucket, "corpus", endpoint_url=endpoint, **{**FAST, **knobs})


def assert_complete(store: Store) -> Snapshot:
    """Every article exactly once: the end state every test must reach."""
    snap = snapshot(store)
    assert snap.rows == len(snap.ids) == ARTICLES, snap
    assert snap.duplicated == 0
    return snap


# --------------------------------------------------------------------------- S3 down at start


def test_s3_endpoint_down_at_start_fails_clearly_and_writes_nothing(
    bucket: tuple[str, str], relsite: SiteConfig
) -> None:
    """Nothing listens on the endpoint: a StoreUnavailableError naming it, after retries; no object written."""
    endpoint, name = bucket
    healthy = s3(endpoint, name)
    before = healthy.list("")
    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailableError, match=rf"S3 endpoint {dead} is unreachable.*bucket {name}"):
        clean_site(s3(dead, name, max_attempts=2), relsite)
    assert healthy.list("") == before  # not even the lease
    clean_site(healthy, relsite)
    assert_complete(healthy)


# --------------------------------------------------------------------------- S3 gone mid-upload


@pytest.mark.parametrize(("create_only", "cut_after"), [(True, 2), (False, 4)], ids=["create-only", "managed"])
def test_s3_gone_mid_multipart_upload(
    bucket: tuple[str, str],
    proxy: FaultProxy,
    relsite: SiteConfig,
    tmp_path: Path,
    create_only: bool,
    cut_after: int,
) -> None:
    """A 3-part WARC upload loses the store after ``cut_after`` requests: loud failure, nothing visible;
    once the store is back the same upload and a clean complete, with every article once."""
    endpoint, name = bucket
    pages = synthetic_pages(6, seed=99, slug="late")
    warc = _big_warc(tmp_path, pages, size=11 * MiB)  # 5 + 5 + 1 MiB parts
    key = "raw/site=relsite/2024/07/20240701T000000Z-cafebabe-00000.warc.gz"
    store = s3(proxy.url, name, part_size=5 * MiB, max_concurrency=2, max_attempts=2)
    store.list("")  # the bucket check, so that the cut falls inside the upload
    proxy.cut_after = cut_after
    with pytest.raises(StoreUnavailableError, match=f"S3 endpoint {proxy.url} is unreachable"):
        store.upload_file(key, warc, if_absent=create_only)
    assert proxy.injected["reset"] >= 1
    proxy.heal()
    healthy = s3(endpoint, name)
    assert not healthy.exists(key) and key not in healthy.list("raw/")  # nothing half-visible
    store.upload_file(key, warc, if_absent=create_only)  # the next run
    assert healthy.read(key) == warc.read_bytes()
    clean_site(healthy, relsite)
    snap = snapshot(healthy)
    assert snap.rows == len(snap.ids) == ARTICLES + 7 and snap.duplicated == 0  # 6 + 1 wire copy


def _big_warc(tmp_path: Path, pages: list[RawPage], size: int) -> Path:
    """A WARC file of ``pages`` padded past ``size`` with an incompressible non-article response."""
    from warcio.warcwriter import WARCWriter

    from tests.support.raw import write_response

    path = tmp_path / "big.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for page in pages:
            write_response(writer, page)
        padding = random.Random(5).randbytes(size)
        write_response(writer, RawPage("https://relsite.example.org/video.bin", padding, "application/octet-stream"))
    return path


@pytest.mark.parametrize("seed", [1, 2])
def test_s3_gone_mid_clean_then_rerun_completes(
    bucket: tuple[str, str], proxy: FaultProxy, relsite: SiteConfig, seed: int
) -> None:
    """The store goes away at a seeded point of a clean: the clean fails loudly, readers see whole
    batches only, and the next clean publishes every article once."""
    endpoint, name = bucket
    healthy = s3(endpoint, name)
    requests = _REQUESTS.get("clean") or _REQUESTS.setdefault("clean", _requests_of_a_clean(healthy, relsite))
    proxy.cut_after = random.Random(seed).randrange(1, requests)
    with pytest.raises(StoreUnavailableError):
        clean_site(s3(proxy.url, name, max_attempts=2), relsite)
    half = snapshot(healthy)
    assert half.rows in (0, ARTICLES) and half.duplicated == 0  # all of the batch or none of it
    proxy.heal()
    clean_site(s3(proxy.url, name), relsite)  # the same host reruns: the dead run's lease is its own
    assert_complete(healthy)


def test_s3_gone_during_the_final_lease_release_reports_what_was_published(
    bucket: tuple[str, str],
    proxy: FaultProxy,
    sites_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Everything is published, then the store goes away as the clean releases its lease: the CLI says
    what was published and exits 0, with a warning that the lease expires by itself (before: "S3
    endpoint … is unreachable", exit 1, and no word of what was published)."""
    import corpus.lease

    endpoint, name = bucket
    real_release = corpus.lease._release

    def store_dies_first(store: Store, lease: Any) -> None:
        proxy.cut_after = 0
        real_release(store, lease)

    monkeypatch.setattr(corpus.lease, "_release", store_dies_first)
    result = CliRunner().invoke(
        main,
        ["clean", "--store", f"s3://{name}/corpus", "--s3-endpoint-url", proxy.url, "--sites-file", str(sites_file)],
    )
    assert proxy.injected["reset"] >= 1
    assert result.exit_code == 0, result.output
    assert f"relsite: {ARTICLES} articles published" in result.output
    assert any("could not release the clean lease of relsite" in r.getMessage() for r in caplog.records)
    proxy.heal()
    healthy = s3(endpoint, name)
    assert_complete(healthy)
    assert healthy.exists("state/relsite/clean.lease")  # left to expire, or to the next run on this host
    monkeypatch.undo()
    rerun = CliRunner().invoke(
        main,
        ["clean", "--store", f"s3://{name}/corpus", "--s3-endpoint-url", endpoint, "--sites-file", str(sites_file)],
    )
    assert rerun.exit_code == 0, rerun.output  # takes over at once: its holder's process is this one, done
    assert not healthy.exists("state/relsite/clean.lease")


_REQUESTS: dict[str, int] = {}  # measured once per session: the raw files are the same for every seed


def _requests_of_a_clean(store: Store, site: SiteConfig) -> int:
    """How many requests an uninterrupted clean of the same raw files makes (measured on a copy)."""
    assert isinstance(store, S3Store)
    copy = S3Store(store.bucket, "count", endpoint_url=store.endpoint_url)
    for key in store.list("raw/"):
        copy.write(key, store.read(key))
    calls = 0

    def count(**_: Any) -> None:
        nonlocal calls
        calls += 1

    copy._client().meta.events.register("before-send.s3", count)
    clean_site(copy, site)
    return calls


# --------------------------------------------------------------------------- slow S3, 500s, late acks


def test_slow_s3_within_timeouts_still_works(bucket: tuple[str, str], proxy: FaultProxy, relsite: SiteConfig) -> None:
    endpoint, name = bucket
    proxy.delay = 0.05
    clean_site(s3(proxy.url, name, read_timeout=5), relsite)
    assert proxy.forwarded.total() > 10
    assert_complete(s3(endpoint, name))


def test_s3_slower_than_read_timeout_fails_loudly_then_completes(
    bucket: tuple[str, str], proxy: FaultProxy, relsite: SiteConfig
) -> None:
    endpoint, name = bucket
    proxy.delay = 1.5
    with pytest.raises(StoreUnavailableError, match="ReadTimeoutError"):
        clean_site(s3(proxy.url, name, read_timeout=0.3, max_attempts=2), relsite)
    proxy.heal()
    clean_site(s3(proxy.url, name), relsite)
    assert_complete(s3(endpoint, name))


def test_500_bursts_are_retried(bucket: tuple[str, str], proxy: FaultProxy, relsite: SiteConfig) -> None:
    """A burst of 500s at the start and one in every seven requests after: retried, the clean succeeds."""
    endpoint, name = bucket
    proxy.fail_next, proxy.fail_every = 2, 7
    report = clean_site(s3(proxy.url, name, max_attempts=4), relsite)
    assert report.articles_published == ARTICLES
    assert proxy.injected["500"] >= 4
    assert_complete(s3(endpoint, name))


def test_500s_beyond_the_retries_fail_loudly(bucket: tuple[str, str], proxy: FaultProxy, relsite: SiteConfig) -> None:
    endpoint, name = bucket
    proxy.fail_next = 1000
    with pytest.raises(StoreUnavailableError, match=r"HTTP 500 .*after retries"):
        clean_site(s3(proxy.url, name, max_attempts=2), relsite)
    proxy.heal()
    clean_site(s3(proxy.url, name), relsite)
    assert_complete(s3(endpoint, name))


def test_create_only_write_acknowledged_late_is_not_a_conflict(bucket: tuple[str, str], proxy: FaultProxy) -> None:
    """The PUT lands but its answer comes after the read timeout; the retry finds the object there
    (412). It is our own write, so the write succeeds instead of failing as "already exists"."""
    endpoint, name = bucket
    store = s3(proxy.url, name, read_timeout=0.5)
    store.list("")
    proxy.late_every, proxy.late_ack_delay = 1_000, 1.5  # the first PUT only
    store.write("state/relsite/probe.json", b'{"mine": true}', if_absent=True)
    assert proxy.injected["late_ack"] == 1
    assert s3(endpoint, name).read("state/relsite/probe.json") == b'{"mine": true}'
    with pytest.raises(KeyExistsError):  # somebody else's object is still a conflict
        store.write("state/relsite/probe.json", b'{"mine": false}', if_absent=True)


def test_clean_with_late_acks_completes(bucket: tuple[str, str], proxy: FaultProxy, relsite: SiteConfig) -> None:
    """Every create-only write of a clean (lease, data files, manifest) acknowledged late."""
    endpoint, name = bucket
    store = s3(proxy.url, name, read_timeout=0.3)
    store.list("")
    proxy.late_every, proxy.late_ack_delay = 3, 0.4
    clean_site(store, relsite)
    assert proxy.injected["late_ack"] >= 3
    assert_complete(s3(endpoint, name))


# --------------------------------------------------------------------------- local disk full


class DiskFull:
    """``os.fsync`` of a file that fails with ENOSPC from its ``fail_at``-th call on: the store's writes
    all fsync their temp file before renaming it, so this is where a full disk shows."""

    def __init__(self, fail_at: int | None) -> None:
        self.fail_at, self.calls = fail_at, 0
        self.real = os.fsync

    def __call__(self, fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):  # directories: the store's fsync of one is best effort anyway
            self.calls += 1
            if self.fail_at is not None and self.calls >= self.fail_at:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.real(fd)


def _raw_copy(tmp_path: Path, template: Path, name: str) -> LocalStore:
    shutil.copytree(template, tmp_path / name)
    return LocalStore(tmp_path / name)


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob(".tmp-*")]


@pytest.fixture
def raw_template(tmp_path: Path, relsite: SiteConfig) -> Path:
    store = LocalStore(tmp_path / "template")
    write_raw(store, relsite.name, synthetic_pages(PAGES))
    return store.root


def test_disk_full_at_every_write_point(
    raw_template: Path, tmp_path: Path, relsite: SiteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC at seeded fsyncs of a clean (always the first and the last), one run per point: a
    StoreError saying so, no temp file or partial object left, readers see no half batch; the rerun
    on a freed disk completes."""
    counting = DiskFull(None)
    monkeypatch.setattr(os, "fsync", counting)
    clean_site(_raw_copy(tmp_path, raw_template, "count"), relsite)
    monkeypatch.undo()
    points = counting.calls
    assert points >= 4
    chosen = {1, points, *random.Random(11).sample(range(2, points), min(3, points - 2))}
    for fail_at in sorted(chosen):
        store = _raw_copy(tmp_path, raw_template, f"full-{fail_at}")
        monkeypatch.setattr(os, "fsync", DiskFull(fail_at))
        with pytest.raises(StoreError, match="No space left on device"):
            clean_site(store, relsite)
        monkeypatch.undo()
        assert _leftovers(store.root) == [], fail_at
        assert snapshot(store).rows in (0, ARTICLES), fail_at
        clean_site(store, relsite)
        assert_complete(store)


def test_disk_full_in_the_cli_is_one_clear_line(
    raw_template: Path, tmp_path: Path, sites_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _raw_copy(tmp_path, raw_template, "cli")
    monkeypatch.setattr(os, "fsync", DiskFull(3))
    result = CliRunner().invoke(main, ["clean", "--store", str(store.root), "--sites-file", str(sites_file)])
    monkeypatch.undo()
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert "Traceback" not in result.output
    rerun = CliRunner().invoke(main, ["clean", "--store", str(store.root), "--sites-file", str(sites_file)])
    assert rerun.exit_code == 0, rerun.output
    assert_complete(store)
