"""Injected faults: an HTTP proxy between boto3 and the S3 server that fails, delays or cuts requests,
and a publish killed half-way."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from corpus.store import Store
from defcorpus.minisite.server import LoopbackServer

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


class _QuietServer(LoopbackServer):
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


KILLED_PUBLISH = textwrap.dedent("""
    import os, signal, sys
    from corpus.store import open_store
    from corpus.table import publish
    from tests.support.articles import make_article

    store = open_store(sys.argv[1], s3_endpoint_url=sys.argv[2] or None)
    at, real_write, promoted = sys.argv[3], store.write, []
    def write(key, data, **kw):
        if at == "manifest" and "_manifests" in key:
            os.kill(os.getpid(), signal.SIGKILL)  # after the staged data files, before the manifest
        if at == "promotion" and key.startswith("clean/site="):
            if promoted:
                os.kill(os.getpid(), signal.SIGKILL)  # committed, one of two files promoted
            promoted.append(key)
        real_write(key, data, **kw)
    store.write = write
    articles = [make_article("nov", published="2022-11-02"), make_article("dec", published="2022-12-02")]
    publish(store, "minisite", articles, "20230201T000000Z-eeee0001", inputs=["raw/k.warc.gz"])
""")


def kill_mid_publish(store: Store, at: str) -> None:
    """Publish two files in a child process that SIGKILLs itself at ``at``: "manifest" or "promotion"."""
    endpoint = getattr(store, "endpoint_url", None) or ""
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_PUBLISH, store.url, endpoint, at],
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == -9, proc.stderr
