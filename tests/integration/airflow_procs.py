"""Airflow's components as the integration tests run them: separate processes, logs in files.

Also what both Airflow tests stage before Airflow starts (``stage_sites``: the S3 buckets and stores,
the mini-site copies they crawl, one site config per name and address), the crawl pools' import, and
a polling helper that reports the components' log tails when it gives up.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import corpus
from corpus.manifest import Manifest
from corpus.store import Store, open_store
from corpus.table import read_manifests
from crawlers.sites import SITES_DIR, SiteConfig, load_site_file
from defcorpus.clean import clean_site
from defcorpus.crawl_job import crawl_site
from defcorpus.minisite import serve
from tests.support.crawling import NO_PACING

if TYPE_CHECKING:
    from tests.support.s3 import S3Server


def write_sites(directory: Path, base_urls: Mapping[str, str]) -> None:
    """The mini-site's config under several names and addresses (DEFCORPUS_SITES_DIR)."""
    source = (SITES_DIR / "demo" / "minisite.toml").read_text()
    for name, base_url in base_urls.items():
        text = source.replace('name = "minisite"', f'name = "{name}"')
        text = text.replace('base_url = "http://127.0.0.1:8045/"', f'base_url = "{base_url}/"')
        assert text.count(name) >= 1 and base_url in text
        (directory / f"{name}.toml").write_text(text)


PROVENANCE = {"warc_file", "warc_record_id", "fetched_at"}  # where and when a row was fetched


def content(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, provenance aside, by id: what the Airflow run and the reference run must agree on."""
    return sorted(({k: v for k, v in r.items() if k not in PROVENANCE} for r in rows), key=lambda r: r["id"])


@dataclass(frozen=True)
class Staged:
    """The stores and site configs an Airflow test runs against; the mini-sites serve until its stack closes."""

    endpoint: str  # the S3 server's
    stores: dict[str, Store]  # "airflow": where the DAGs publish; "single": a one-process reference run
    sites_dir: Path  # DEFCORPUS_SITES_DIR: one config per mini-site copy
    names: tuple[str, ...]  # the sites, in the order given

    def site(self, name: str) -> SiteConfig:
        return load_site_file(self.sites_dir / f"{name}.toml")

    def crawl_reference(self) -> None:
        """The reference: one process crawls the same sites (same servers, same URLs) one after the other."""
        for name in self.names:
            crawl_site(self.stores["single"].url, self.site(name), s3_endpoint_url=self.endpoint, settings=NO_PACING)

    def clean_reference(self) -> list[Manifest]:
        """Clean the reference in the order the Airflow run published the sites (near-duplicate links
        between sites that carry the same articles depend on that order); the Airflow run's manifests."""
        manifests = read_manifests(self.stores["airflow"])
        by_batch = sorted(manifests, key=lambda m: m.batch_id)
        for name in dict.fromkeys(m.site for m in by_batch if m.articles):
            clean_site(self.stores["single"], self.site(name))
        return manifests

    def warc_keys(self) -> list[str]:
        """Every WARC file the Airflow run's crawls stored."""
        raw = (self.stores["airflow"].list(f"raw/site={name}/") for name in self.names)
        return sorted(k for keys in raw for k in keys if k.endswith(".warc.gz"))

    def articles(self, role: str) -> list[dict[str, Any]]:
        """Every published version in the store of ``role`` ("airflow" or "single")."""
        return corpus.open(self.stores[role]).articles(latest=False).to_pylist()

    def env(self) -> dict[str, str]:
        """What Airflow's components need to find the sites and the store, and to reach the S3 server."""
        extra = {"endpoint_url": self.endpoint, "region_name": "us-east-1"}
        conn = {"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra}
        return {
            "DEFCORPUS_SITES_DIR": str(self.sites_dir),
            "DEFCORPUS_STORE": self.stores["airflow"].url,
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(conn),
        }


def stage_sites(
    stack: contextlib.ExitStack, s3_server: S3Server, tmp: Path, buckets: Mapping[str, str], sites: Mapping[str, str]
) -> Staged:
    """Create ``buckets`` (by role: "airflow", "single") and open a store in each; serve one copy of the
    mini-site per name in ``sites`` on its loopback host (for as long as ``stack``), with its config."""
    for bucket in buckets.values():
        s3_server.client.create_bucket(Bucket=bucket)
    endpoint = s3_server.endpoint_url
    stores = {k: open_store(f"s3://{b}/corpus", s3_endpoint_url=endpoint) for k, b in buckets.items()}
    servers = {name: stack.enter_context(serve(host)) for name, host in sites.items()}
    sites_dir = tmp / "sites"
    sites_dir.mkdir()
    write_sites(sites_dir, {name: server.base_url for name, server in servers.items()})
    return Staged(endpoint, stores, sites_dir, tuple(sites))


def import_pools(airflow: Airflow, hosts: Iterable[str]) -> None:
    """The crawl pools as ``python -m defcorpus.orchestration pools`` gives them (one per publisher host)."""
    pools = subprocess.run(
        [sys.executable, "-m", "defcorpus.orchestration", "pools"],
        env=airflow.env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert set(json.loads(pools)) == {f"crawl_{host}" for host in hosts}
    (airflow.home / "pools.json").write_text(pools)
    airflow.cli("pools", "import", str(airflow.home / "pools.json"))


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process descended from it, whatever session or group it moved to."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Airflow:
    """The Airflow processes a test starts, each in its own process group, with logs in files."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home, self.env = home, env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.killed: set[str] = set()

    def cli(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, f"airflow {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def cli_parallel(self, *commands: tuple[str, ...], timeout: float = 180) -> None:
        """Several CLI commands at once (each pays Airflow's import, about 5 s)."""
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "airflow", *args],
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for args in commands
        ]
        for args, proc in zip(commands, procs, strict=True):
            out, _ = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, f"airflow {' '.join(args)} failed:\n{out}"

    def start(self, name: str, *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        """``airflow ARGS`` as component ``name``; ``env`` adds to the shared environment."""
        with (self.home / f"{name}.log").open("wb") as log:  # the child keeps its own copy of the fd
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "airflow", *args],
                env={**self.env, **(env or {})},
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self, name: str) -> str:
        path = self.home / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_tail(self, name: str, lines: int = 40) -> str:
        return "\n".join(self.log(name).splitlines()[-lines:])

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if name not in self.killed:
                assert proc.poll() is None, f"airflow {name} exited ({proc.returncode}):\n{self.log_tail(name)}"

    def kill(self, name: str) -> list[int]:
        """SIGKILL component ``name`` and everything it started, at once, as a lost machine would be.

        Why the whole tree, not the group: a crawl's Scrapy child runs in its own session.
        """
        self.killed.add(name)
        tree = process_tree(self.procs[name].pid)
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.procs[name].wait(timeout=30)
        return tree

    def stop(self) -> None:
        """SIGINT first (LocalExecutor workers survive a SIGTERM to the scheduler), then the group."""
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            with contextlib.suppress(ProcessLookupError):  # leftover children of that group
                os.killpg(proc.pid, signal.SIGKILL)


def wait_for(what: str, check: Callable[[], Any], airflow: Airflow, timeout: float, step: float = 1.0) -> Any:
    """Poll ``check`` until it returns something true; fail with every component's log tail."""
    deadline = time.monotonic() + timeout
    while True:
        airflow.check_alive()
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            tails = "\n\n".join(f"--- {n}\n{airflow.log_tail(n)}" for n in airflow.procs)
            raise AssertionError(f"timed out waiting for {what}\n{tails}")
        time.sleep(step)
