"""Shared helpers of the reliability suite: a synthetic raw store, corpus snapshots, a faulty S3 proxy.

Why synthetic raw WARC files (not a crawl) for the store- and process-side tests: they make the
cleaning step the only moving part, take milliseconds to build, and give many distinct articles
(enough that a kill lands mid-work) with the chrome a real site has (a newsletter paragraph on every
page, learned as boilerplate; a syndicated copy, grouped as a near duplicate).
"""

from __future__ import annotations

import random
import socket
import struct
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import corpus
from corpus import layout
from corpus.store import Store
from crawlers.sites import SiteConfig

MARKER = "reliability: injected faults and hostile input (tests/reliability; run alone with -m reliability)"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker here as well, so the suite runs under --strict-markers before pyproject lists it."""
    config.addinivalue_line("markers", MARKER)


BASE = "https://relsite.example.org"
SITE_TOML = f"""
name = "relsite"
title = "Reliability fixture site"
base_url = "{BASE}/"
language = "en"

[[sources]]
type = "rss"
url = "/feed/"

[articles]
allow = ['^/news/']

[cleaning]
body_selector = "div.post-body"
drop_selectors = ["figure", "form"]
"""
NEWSLETTER = "Subscribe to the Defense Daily newsletter for the stories that matter, every weekday morning."
_VOCABULARY = (
    "army navy air force marine frigate destroyer carrier submarine missile radar drone brigade battalion "
    "budget contract procurement pentagon ministry parliament treaty alliance exercise deployment patrol "
    "sensor satellite launch hypersonic artillery tank howitzer logistics supply shipyard hull propulsion "
    "doctrine training reserve veteran recruit officer admiral general colonel sergeant squadron fleet "
    "northern southern eastern western coastal arctic pacific atlantic baltic mediterranean gulf strait "
    "delay overrun test trial certification prototype production export import sanction embargo tariff "
    "cyber electronic warfare jamming stealth armor munitions stockpile readiness maintenance upgrade"
)
_WORDS = tuple(_VOCABULARY.split())


def site_config() -> SiteConfig:
    import tomllib

    return SiteConfig.model_validate(tomllib.loads(SITE_TOML))


@pytest.fixture
def relsite() -> SiteConfig:
    return site_config()


@pytest.fixture
def sites_file(tmp_path: Path) -> Path:
    """The fixture site's TOML, for ``defcorpus --sites-file`` in a subprocess."""
    path = tmp_path / "relsite.toml"
    path.write_text(SITE_TOML)
    return path


# --------------------------------------------------------------------------- synthetic pages


@dataclass(frozen=True)
class RawPage:
    url: str
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200


def paragraph(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(35, 60))).capitalize() + "."


def article_html(headline: str, paragraphs: list[str], published: datetime, *, charset: str = "utf-8") -> str:
    """A publisher-like article page: meta tags, chrome around the body, a newsletter box inside it."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><title>{headline} | Relsite</title>'
        f'<meta property="og:title" content="{headline}">'
        f'<meta property="article:published_time" content="{published.isoformat()}">'
        f'<meta name="author" content="Jane Roe"></head><body><nav><a href="/">Home</a> <a href="/news/">News</a>'
        f'</nav><article><h1>{headline}</h1><div class="post-body">{body}<p>{NEWSLETTER}</p>'
        f'<form><input name="email"></form></div></article><footer>© Relsite</footer></body></html>'
    )


def synthetic_pages(count: int, seed: int = 7, slug: str = "story") -> list[RawPage]:
    """``count`` distinct articles over several months, plus one syndicated near copy of the first."""
    rng = random.Random(seed)
    pages = []
    start = datetime(2024, 1, 3, 9, tzinfo=UTC)
    first_paragraphs: list[str] = []
    for n in range(count):
        published = start + timedelta(days=n * 97 % 180, hours=n % 7)
        paragraphs = [paragraph(rng) for _ in range(rng.randint(4, 7))]
        first_paragraphs = first_paragraphs or paragraphs
        url = f"{BASE}/news/{published:%Y/%m}/{slug}-{n:04d}/"
        pages.append(RawPage(url, article_html(f"Story {n}: {paragraphs[0][:40]}", paragraphs, published).encode()))
    copy = [*first_paragraphs[:-1], first_paragraphs[-1] + " Reporting by the wire service."]
    pages.append(RawPage(f"{BASE}/news/2024/01/{slug}-wire-copy/", article_html("Wire copy", copy, start).encode()))
    pages.append(RawPage(f"{BASE}/about/", b"<html><body><h1>About us</h1></body></html>"))  # not an article
    return pages


def write_raw(
    store: Store, site: str, pages: list[RawPage], *, per_file: int = 25, crawl_id: str = "20240601T000000Z-feedbeef"
) -> list[str]:
    """Store ``pages`` as WARC files the way the crawler does (request + response records)."""
    keys = []
    with tempfile.TemporaryDirectory(prefix="rel-warc-") as tmp:
        for seq, start in enumerate(range(0, len(pages), per_file)):
            path = Path(tmp) / f"{seq}.warc.gz"
            with path.open("wb") as fh:
                writer = WARCWriter(fh, gzip=True, warc_version="1.1")
                for page in pages[start : start + per_file]:
                    write_response(writer, page)
            key = layout.raw_warc_key(site, crawl_id, seq)
            store.upload_file(key, path, if_absent=True)
            keys.append(key)
    return keys


def write_response(writer: WARCWriter, page: RawPage, fetched: str = "2024-06-01T00:00:00Z") -> None:
    headers = StatusAndHeaders(
        f"{page.status} OK",
        [("Content-Type", page.content_type), ("Content-Length", str(len(page.body)))],
        protocol="HTTP/1.1",
    )
    record = writer.create_warc_record(
        page.url,
        "response",
        payload=BytesIO(page.body),
        length=len(page.body),
        http_headers=headers,
        warc_headers_dict={"WARC-Date": fetched},
    )
    writer.write_record(record)


# --------------------------------------------------------------------------- corpus snapshots


@dataclass(frozen=True)
class Snapshot:
    """What a corpus holds, provenance aside: enough to say two runs produced the same corpus."""

    rows: int
    versions: frozenset[tuple[str, str, str | None]]  # (id, content_hash, near_duplicate_of)
    duplicated: int  # rows whose (id, content_hash) occurs more than once

    @property
    def ids(self) -> set[str]:
        return {v[0] for v in self.versions}


def snapshot(store: Store) -> Snapshot:
    table = corpus.open(store).articles(latest=False)
    rows = list(
        zip(
            table["id"].to_pylist(),
            table["content_hash"].to_pylist(),
            table["near_duplicate_of"].to_pylist(),
            strict=True,
        )
    )
    counts = Counter((i, h) for i, h, _ in rows)
    return Snapshot(len(rows), frozenset(rows), sum(n - 1 for n in counts.values()))


def visible_keys(store: Store) -> list[str]:
    return store.list("")


# --------------------------------------------------------------------------- faulty S3 in between


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_S3_500 = b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>InternalError</Code><Message>injected</Message></Error>"
_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection"}


@dataclass
class FaultProxy:
    """An HTTP proxy on 127.0.0.1 between boto3 and the S3 server, with switchable faults.

    ``fail_next``: answer that many requests with 500 InternalError (S3's own retryable error);
    ``fail_every``: besides, answer every n-th request with a 500 (bursts all through a run);
    ``delay``: wait this long before forwarding each request (a slow store);
    ``late_every``: forward every n-th PUT (the 1st, the n+1-th, ...) at once but answer it after
    ``late_ack_delay`` seconds (the write landed, its acknowledgement is late: the client times out and
    retries, and the retry, answered on time, finds the object there);
    ``cut_after``: forward that many more requests, then reset every connection (the store went away).
    Counters say what was forwarded and what was injected, so a test can prove the fault happened.
    """

    upstream: str
    fail_next: int = 0
    fail_every: int = 0
    delay: float = 0.0
    late_every: int = 0
    late_ack_delay: float = 0.0
    puts: int = 0
    cut_after: int | None = None
    forwarded: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, method: str) -> str:
        """What to do with the next request: "forward", "fail" or "cut"."""
        with self._lock:
            if self.cut_after is not None:
                if self.cut_after <= 0:
                    self.injected["reset"] += 1
                    return "cut"
                self.cut_after -= 1
            seen = sum(self.forwarded.values()) + self.injected["500"] + 1
            if self.fail_next > 0 or (self.fail_every and seen % self.fail_every == 0):
                self.fail_next = max(0, self.fail_next - 1)
                self.injected["500"] += 1
                return "fail"
            self.forwarded[method] += 1
            if method == "PUT":
                self.puts += 1
                if self.late_every and self.puts % self.late_every == 1:
                    self.injected["late_ack"] += 1
                    return "late"
            return "forward"

    def heal(self) -> None:
        with self._lock:
            self.fail_next, self.fail_every, self.delay, self.late_every, self.cut_after = 0, 0, 0.0, 0, None


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    upstream = urlsplit(proxy.upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks = []
                for _ in range(1_000_000):  # bounded: a chunked body of at most a million chunks
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _cut(self) -> None:
            """Reset the connection without an answer, as a server that died does."""
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

        def _handle(self) -> None:
            action = proxy.decide(self.command)
            if action == "cut":
                self._cut()
                return
            body = self._body()
            if action == "fail":
                self._reply(500, [("Content-Type", "application/xml")], _S3_500)
                return
            if proxy.delay:
                time.sleep(proxy.delay)
            conn = HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port, timeout=30)
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() not in _HOP and name.lower() != "content-length":
                        conn.putheader(name, value)
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                resp = conn.getresponse()
                data = resp.read()
                headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP]
            finally:
                conn.close()
            if action == "late":
                time.sleep(proxy.late_ack_delay)
            self._reply(resp.status, headers, data, keep_length=self.command == "HEAD")

        def _reply(
            self, status: int, headers: list[tuple[str, str]], data: bytes, *, keep_length: bool = False
        ) -> None:
            self.send_response_only(status)
            for name, value in headers:
                if name.lower() != "content-length" or keep_length:
                    self.send_header(name, value)
            if not keep_length:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle  # noqa: N815 - http.server's names

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a reset connection is the point of some tests, not an error to print


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream)
    server = _QuietServer(("127.0.0.1", 0), _handler(proxy))
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fault-proxy", daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
