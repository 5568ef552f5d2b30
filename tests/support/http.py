"""The suite's one loopback HTTP server: a table of routes, answered as publishers answer and misbehave.

``FixtureServer`` serves a table of routes on 127.0.0.1 (or another loopback address) and logs every
request, so a test can say exactly what the crawler asked for. A route can answer conditionally
(ETag / Last-Modified -> 304, by the same RFC 9110 rules as the bundled mini-site: ``not_modified``
of defcorpus/minisite/server.py, whose ``LoopbackServer`` it runs on), answer HEAD, answer slowly,
with a scripted sequence of statuses (503 then 200), by dropping the connection, or with bytes it
writes itself (a malformed or endless answer). A site may also answer paths it does not list
(``FixtureSite.fallback``): an endless chain of generated pages. Publishers' platforms imitated on
it are in tests/support/publishers/.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import BinaryIO

from defcorpus.minisite.server import LoopbackServer, not_modified

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: datetime | None = None
    delay: float = 0.0
    reset: bool = False  # close the connection without an answer
    truncate: bool = False  # announce the whole body, send half of it, close the connection
    drip: float = 0.0  # seconds between 64-byte pieces of the body (a slow-drip response)
    then: Route | None = None  # the answer from the second request on
    # Writes the whole answer itself (status line, headers, body) to the socket; the connection closes after.
    raw: Callable[[BinaryIO], None] | None = None


@dataclass
class Logged:
    path: str
    headers: dict[str, str]
    at: float

    @property
    def conditional(self) -> bool:
        return "if-none-match" in self.headers or "if-modified-since" in self.headers


@dataclass
class FixtureSite:
    """What a fixture server serves and what a test may expect of a crawl of it."""

    routes: dict[str, Route]
    article_paths: set[str]
    non_article_paths: set[str] = field(default_factory=set)
    # The answer to a path ``routes`` does not list (None: 404); the path includes its query string.
    fallback: Callable[[str], Route | None] | None = None


class FixtureServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes: dict[str, Route] = {}
        self.fallback: Callable[[str], Route | None] | None = None
        self.log: list[Logged] = []
        self._served: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self._httpd = LoopbackServer((host, port), self._handler())
        self.base_url = f"http://{host}:{self._httpd.server_address[1]}/"

    def requests_to(self, path: str) -> list[Logged]:
        return [entry for entry in self.log if entry.path == path]

    def count(self, path: str) -> int:
        return len(self.requests_to(path))

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    def _answer(self, path: str) -> Route | None:
        with self._lock:
            route = self.routes.get(path)
            if route is None and self.fallback is not None:
                route = self.fallback(path)
            if route is None:
                return None
            seen = self._served[path]
            self._served[path] += 1
        while seen > 0 and route.then is not None:
            route, seen = route.then, seen - 1
        return route

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_HEAD(self) -> None:
                self.do_GET()  # the same answer; _send leaves the body out

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                with server._lock:
                    server.log.append(Logged(self.path, headers, time.monotonic()))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._respond(headers)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _respond(self, headers: dict[str, str]) -> None:
                route = server._answer(self.path)
                if route is None:
                    return self._send(404, TEXT, b"not found", {})
                if route.delay:
                    time.sleep(route.delay)
                if route.raw is not None:
                    self.close_connection = True
                    with contextlib.suppress(OSError):  # the client hung up on an endless answer
                        route.raw(self.wfile)
                    return None
                if route.reset:
                    linger = struct.pack("ii", 1, 0)  # close with RST: a connection reset, not a clean EOF
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    self.connection.close()
                    self.close_connection = True
                    return None
                extra = dict(route.headers)
                if route.etag:
                    extra["ETag"] = route.etag
                if route.last_modified:
                    extra["Last-Modified"] = format_datetime(route.last_modified, usegmt=True)
                if route.status == 200 and not_modified(self.headers, route.etag, route.last_modified):
                    return self._send(304, route.content_type, b"", extra)
                if route.truncate or route.drip:
                    return self._send_badly(route, extra)
                return self._send(route.status, route.content_type, route.body, extra)

            def _send_badly(self, route: Route, extra: dict[str, str]) -> None:
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                body = route.body[: len(route.body) // 2] if route.truncate else route.body
                for start in range(0, len(body), 64):  # bounded by the body's length
                    self.wfile.write(body[start : start + 64])
                    self.wfile.flush()
                    time.sleep(route.drip)
                self.close_connection = True

            def _send(self, status: int, ctype: str, body: bytes, extra: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                if status != 304 and self.command != "HEAD":
                    self.wfile.write(body)

        return Handler

    def serve(self, site: FixtureSite | None = None) -> None:
        if site is not None:
            self.routes = site.routes
            self.fallback = site.fallback
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def serving(
    build: Callable[[str], FixtureSite], host: str = "127.0.0.1", port: int = 0
) -> Iterator[tuple[FixtureServer, FixtureSite]]:
    """Start a server, build its site for its own base URL, serve it, stop it afterwards.

    ``host``: another loopback address (127.0.0.2) serves a second site on a host of its own; ``port``:
    the same port as a server on another loopback address (0: any free port).
    """
    server = FixtureServer(host, port)
    site = build(server.base_url)
    server.serve(site)
    try:
        yield server, site
    finally:
        server.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (for a server a test starts later, or an address that refuses)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
