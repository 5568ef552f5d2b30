"""Serve the mini-site on loopback, for the offline demo and for tests.

Usage::

    with serve() as site:            # port 0: the OS picks a free port
        site.base_url                # "http://127.0.0.1:PORT" (no trailing slash)
        site.url("/feed/")           # absolute URL of a path
        ...                          # crawl it
        site.requests["/robots.txt"] # requests per path so far (a snapshot; query strings ignored)
        site.fetches["/robots.txt"]  # ... of them, those answered 200 with the page (not 304, not HEAD)
        site.reset_requests()        # start counting afresh

Pages are rendered once, at start-up, by ``build_site(base_url)``. Like WordPress behind a typical web
server: unknown paths get the theme's 404 page, a known path missing its trailing slash gets a 301,
and responses carry an ETag (and Last-Modified for articles) so that a conditional request gets a
304 — which lets tests exercise incremental re-crawls. Per-request logging is silenced.

Public pieces, for servers built on this one (``bench/mirror.py`` serves a generated site with
them; the tests' fixture server answers conditional requests with ``not_modified``):
``LoopbackServer`` (a threaded server that copes with a parallel crawl), ``MiniSiteServer(address,
render=…, handler=…)``, ``MiniSiteHandler``, ``not_modified`` and ``serving_in_thread``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from contextlib import contextmanager
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from corpus.dates import parse_http_date
from defcorpus.minisite.content import Page
from defcorpus.minisite.pages import not_found_page
from defcorpus.minisite.render import build_site

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from datetime import datetime
    from email.message import Message


class MiniSite:
    """A running mini-site: its base URL, its pages and thread-safe counts of requests per path."""

    def __init__(self, base_url: str, pages: Mapping[str, Page]) -> None:
        self.base_url = base_url
        self.pages = pages
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._fetches: Counter[str] = Counter()

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def requests(self) -> Counter[str]:
        """A copy of the per-path request counts (GET and HEAD, every status)."""
        with self._lock:
            return Counter(self._requests)

    @property
    def fetches(self) -> Counter[str]:
        """A copy of the per-path counts of GET requests answered 200: a conditional request answered
        304 asks whether a page changed, it does not fetch it again."""
        with self._lock:
            return Counter(self._fetches)

    def reset_requests(self) -> None:
        with self._lock:
            self._requests.clear()
            self._fetches.clear()

    def record_request(self, path: str) -> None:
        """Count one request; called by the request handler."""
        with self._lock:
            self._requests[path] += 1

    def record_fetch(self, path: str) -> None:
        """Count one page sent whole; called by the request handler."""
        with self._lock:
            self._fetches[path] += 1


_ServerT = TypeVar("_ServerT", bound=ThreadingHTTPServer)


class LoopbackServer(ThreadingHTTPServer):
    """A threaded HTTP server for loopback use: daemon threads, and a backlog a parallel crawl fits in."""

    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 drops connects under a parallel crawl


class MiniSiteServer(LoopbackServer):
    """Serves the pages ``render(base_url)`` gives (the bundled mini-site unless told otherwise)."""

    def __init__(
        self,
        address: tuple[str, int],
        render: Callable[[str], Mapping[str, Page]] = build_site,
        handler: type[MiniSiteHandler] | None = None,
    ) -> None:
        super().__init__(address, handler or MiniSiteHandler)
        base_url = f"http://{address[0]}:{self.server_address[1]}"
        self.site = MiniSite(base_url, render(base_url))
        self.not_found = not_found_page(base_url)


def not_modified(headers: Message, etag: str | None, last_modified: datetime | None) -> bool:
    """Whether a conditional GET may be answered 304 (RFC 9110 section 13.2.2).

    ``If-None-Match`` wins: it matches when it lists ``etag`` (or is ``*`` and there is one). Only
    without it does ``If-Modified-Since`` count: not modified when ``last_modified`` (to the second)
    is no later than the date the client gives. An unreadable date never matches.
    """
    if (match := headers.get("If-None-Match")) is not None:
        tags = {m.strip() for m in match.split(",")}
        return etag is not None and (etag in tags or "*" in tags)
    since = headers.get("If-Modified-Since")
    if since is None or last_modified is None:
        return False
    when = parse_http_date(since)
    return when is not None and last_modified.replace(microsecond=0) <= when


class MiniSiteHandler(BaseHTTPRequestHandler):
    """Answers from ``server.site.pages``; a subclass may override ``respond`` for paths of its own."""

    server: MiniSiteServer
    protocol_version = "HTTP/1.1"
    timeout = 30  # close idle keep-alive connections
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        self.respond(send_body=True)

    def do_HEAD(self) -> None:
        self.respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: a crawl would otherwise print one stderr line per request."""

    def respond(self, *, send_body: bool) -> None:
        """Answer the request for ``self.path``: the page, a 301 to add a slash, a 304, or the 404 page."""
        site, path = self.server.site, urlsplit(self.path).path
        site.record_request(path)
        page = site.pages.get(path)
        if page is None and f"{path}/" in site.pages:
            self._send(Page("text/html; charset=UTF-8", b"", 301), {"Location": site.url(f"{path}/")}, True)
            return
        page = page or self.server.not_found
        etag = '"' + hashlib.sha1(page.body).hexdigest()[:20] + '"'
        headers = {"ETag": etag}
        if page.last_modified is not None:
            headers["Last-Modified"] = format_datetime(page.last_modified, usegmt=False)
        if page.status == 200 and not_modified(self.headers, etag, page.last_modified):
            page = Page(page.content_type, b"", 304)
        elif page.status == 200 and send_body:
            site.record_fetch(path)
        self._send(page, headers, send_body)

    def _send(self, page: Page, headers: dict[str, str], send_body: bool) -> None:
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body and page.body:
            self.wfile.write(page.body)


@contextmanager
def serve(host: str = "127.0.0.1", port: int = 0) -> Iterator[MiniSite]:
    """Run the mini-site in a daemon thread for the duration of the ``with`` block."""
    with serving_in_thread(MiniSiteServer((host, port)), "minisite") as server:
        yield server.site


@contextmanager
def serving_in_thread(server: _ServerT, name: str) -> Iterator[_ServerT]:
    """Serve in a daemon thread; on exit, stop, close the socket and wait for the thread."""
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
