"""Fake web archives on loopback that speak the real protocols, serving a generated history.

One server (the suite's ``LoopbackServer``) answers both archives' routes, as the public ones do on their own hosts:

- Wayback CDX: ``/cdx/search/cdx`` with ``url``, ``matchType`` (host, prefix), ``from``/``to``
  (timestamp prefixes, ``to`` inclusive), ``filter`` (``[!]field:regex``), ``collapse`` (adjacent
  rows with the same field), ``fl``, ``output=json`` (a header row first), ``limit`` (at most 150,000)
  and ``showResumeKey``/``resumeKey`` paging (``[]`` then ``[key]`` after the rows).
- Wayback mementos: ``/web/<timestamp>id_/<url>``: the original bytes with ``X-Archive-Orig-*``
  headers and ``Memento-Datetime``; a capture that redirects to another timestamp answers 302 there;
  an archived redirect replays as 301 to another URL's memento; an unknown one answers 404.
- Common Crawl: ``/collinfo.json``, ``/<crawl>-index`` (NDJSON, ``showNumPages``/``page``, pywb filters
  ``=``/``~``/contains, 404 "No Captures found"), ``/crawl-data/…`` WARC files with HTTP ``Range``.

Every request is logged with its kind and monotonic time; ``faults`` makes the next requests of a
kind answer a status (429, 503), with ``Retry-After`` unless ``retry_after`` is empty (``None`` in
the list: that request is answered as usual).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from defcorpus.minisite.server import LoopbackServer
from tests.support.archive_history import Capture, History

MAX_ROWS = 150_000
CC_PAGE_ROWS = 250
_MEMENTO = re.compile(r"^/web/(\d{14})id_/(.+)$")


def surt(url: str) -> str:
    parts = urlsplit(url)
    host = ",".join(reversed((parts.hostname or "").removeprefix("www.").split(".")))
    return f"{host}){parts.path.lower()}" + (f"?{parts.query}" if parts.query else "")


@dataclass
class Logged:
    kind: str
    path: str
    at: float
    headers: dict[str, str]


@dataclass
class Crawl:
    id: str
    start: datetime
    end: datetime
    rows: list[dict[str, str]] = field(default_factory=list)
    warc: bytes = b""


class FakeArchive:
    """The history behind both archives; ``base_url`` is the Wayback base and the CC index and data base."""

    def __init__(self, history: History, *, commoncrawl: bool = False) -> None:
        self.history = history
        self.by_key: dict[tuple[str, str], Capture] = {}
        self.rows: list[tuple[str, str, str, str, str, str]] = []  # urlkey, timestamp, original, mime, status, digest
        for capture in history.captures():
            key = surt(capture.url)
            self.by_key[(key, capture.timestamp)] = capture
            self.rows.append(
                (key, capture.timestamp, capture.url, "text/html", str(capture.status), self.digest(capture))
            )
        self.rows.sort()
        self.crawls = self._crawls() if commoncrawl else []
        self.log: list[Logged] = []
        self.faults: dict[str, list[int | None]] = {}  # kind -> what its next requests answer (None: as usual)
        self.retry_after = "1"
        self._lock = threading.Lock()
        self._httpd = LoopbackServer(("127.0.0.1", 0), _handler(self))
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # ------------------------------------------------------------------ what is served

    def body(self, capture: Capture) -> bytes:
        return self.history.body(capture)

    def digest(self, capture: Capture) -> str:
        unique = capture.kind in ("redirect_ts", "redirect_away", "error", "gone")
        source = capture.timestamp.encode() + capture.path.encode() if unique else self.body(capture)
        return hashlib.sha1(source).hexdigest().upper()[:32]

    def requests(self, kind: str) -> list[Logged]:
        with self._lock:
            return [entry for entry in self.log if entry.kind == kind]

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    # ------------------------------------------------------------------ Wayback

    def cdx(self, query: list[tuple[str, str]]) -> bytes:
        params = dict(query)
        prefix = _match_prefix(params["url"], params.get("matchType", "exact"))
        low, high = params.get("from", ""), params.get("to", "")
        filters = [_filter(value) for name, value in query if name == "filter"]
        fields = params.get("fl", "urlkey,timestamp,original,mimetype,statuscode,digest").split(",")
        names = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest")
        limit = min(int(params.get("limit", MAX_ROWS)), MAX_ROWS)
        start = tuple(unquote(params["resumeKey"]).split(" ", 1)) if params.get("resumeKey") else ("",)
        out: list[list[str]] = []
        previous: str | None = None
        collapse = params.get("collapse")
        for row in self.rows:
            if not row[0].startswith(prefix) or row[:2] < start:
                continue
            if (low and row[1] < low.ljust(14, "0")) or (high and row[1] > high.ljust(14, "9")):
                continue
            values = dict(zip(names, row, strict=True))
            if not all(test(values) for test in filters):
                continue
            if collapse:
                if values[collapse] == previous:
                    continue
                previous = values[collapse]
            if len(out) == limit:
                rows = [fields, *out]
                if params.get("showResumeKey") == "true":
                    rows += [[], [quote(f"{row[0]} {row[1]}")]]
                return json.dumps(rows).encode()
            out.append([values[f] for f in fields])
        return json.dumps([fields, *out] if out else []).encode()

    def memento(self, timestamp: str, url: str) -> tuple[int, dict[str, str], bytes]:
        capture = self.by_key.get((surt(url), timestamp))
        if capture is None or capture.kind in ("error", "gone"):
            return (
                404,
                {"Content-Type": "text/html"},
                b"<html><body>Wayback Machine has not archived that URL.</body></html>",
            )
        if capture.kind == "redirect_ts":
            return 302, {"Location": f"{self.base_url}/web/{capture.target}id_/{url}"}, b""
        if capture.kind == "redirect_away":
            home = f"{capture.scheme}://{capture.host}/"
            return 301, {"Location": f"{self.base_url}/web/{timestamp}id_/{home}", "X-Archive-Orig-Location": home}, b""
        when = format_datetime(capture.at, usegmt=True)
        headers = {
            "Content-Type": "text/html; charset=utf-8",
            "Memento-Datetime": when,
            "X-Archive-Orig-Content-Type": "text/html; charset=utf-8",
            "X-Archive-Orig-Date": when,
            "X-Archive-Orig-Server": "nginx",
        }
        return 200, headers, self.body(capture)

    # ------------------------------------------------------------------ Common Crawl

    def _crawls(self) -> list[Crawl]:
        """One crawl a month over the history's span, each holding the captures of its month."""
        months = sorted({c.timestamp[:6] for c in self.history.captures()})
        crawls = []
        for month in months:
            start = datetime(int(month[:4]), int(month[4:]), 1, tzinfo=UTC)
            end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)
            week = start.isocalendar()
            crawls.append(Crawl(f"CC-MAIN-{week.year}-{week.week:02d}", start, end))
        for crawl in crawls:
            self._fill(crawl)
        return crawls

    def _fill(self, crawl: Crawl) -> None:
        filename = f"crawl-data/{crawl.id}/segments/1/warc/{crawl.id}-00000.warc.gz"
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=True, warc_version="1.0")
        lo, hi = f"{crawl.start:%Y%m%d%H%M%S}", f"{crawl.end:%Y%m%d%H%M%S}"
        for urlkey, stamp, _, _, _, digest in self.rows:
            if not lo <= stamp < hi:
                continue
            capture = self.by_key[(urlkey, stamp)]
            status = {"gone": 404, "redirect_ts": 301, "redirect_away": 301}.get(capture.kind, 200)
            body = b"" if status != 200 else self.body(capture)
            offset = buffer.tell()
            http = StatusAndHeaders(
                f"{status} {'OK' if status == 200 else 'Other'}",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                capture.url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": capture.at.strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
            writer.write_record(record)
            name = filename if capture.kind != "error" else filename.replace("-00000", "-99999")  # a missing file
            crawl.rows.append(
                {
                    "urlkey": urlkey,
                    "timestamp": stamp,
                    "url": capture.url,
                    "mime": "text/html",
                    "mime-detected": "text/html",
                    "status": str(status),
                    "digest": digest,
                    "length": str(buffer.tell() - offset),
                    "offset": str(offset),
                    "filename": name,
                }
            )
        crawl.warc = buffer.getvalue()
        self.files = {**getattr(self, "files", {}), filename: crawl.warc}

    def collinfo(self) -> bytes:
        return json.dumps(
            [
                {
                    "id": c.id,
                    "name": f"{c.start:%B %Y} Index",
                    "cdx-api": f"{self.base_url}/{c.id}-index",
                    "from": c.start.strftime("%Y-%m-%dT%H:%M:%S"),
                    "to": c.end.strftime("%Y-%m-%dT%H:%M:%S"),
                }
                for c in reversed(self.crawls)  # newest first, as Common Crawl lists them
            ]
        ).encode()

    def cc_index(self, crawl_id: str, query: list[tuple[str, str]]) -> tuple[int, bytes]:
        crawl = next((c for c in self.crawls if c.id == crawl_id), None)
        if crawl is None:
            return 404, b'{"error": "no such index"}'
        params = dict(query)
        prefix = _match_prefix(params["url"], params.get("matchType", "exact"))
        low, high = params.get("from", ""), params.get("to", "")
        filters = [_pywb_filter(value) for name, value in query if name == "filter"]
        rows = [
            r
            for r in crawl.rows
            if r["urlkey"].startswith(prefix)
            and (not low or r["timestamp"] >= low.ljust(14, "0"))
            and (not high or r["timestamp"] <= high.ljust(14, "9"))
            and all(test(r) for test in filters)
        ]
        if not rows:
            return 404, json.dumps({"message": f"No Captures found for: {params['url']}"}).encode()
        pages = (len(rows) + CC_PAGE_ROWS - 1) // CC_PAGE_ROWS
        if params.get("showNumPages") == "true":
            return 200, json.dumps({"pages": pages, "pageSize": 5, "blocks": pages * 5}).encode()
        page = int(params.get("page", 0))
        chunk = rows[page * CC_PAGE_ROWS : (page + 1) * CC_PAGE_ROWS]
        return 200, "".join(json.dumps(r) + "\n" for r in chunk).encode()

    def cc_data(self, path: str, range_header: str | None) -> tuple[int, dict[str, str], bytes]:
        data = getattr(self, "files", {}).get(path.lstrip("/"))
        if data is None:
            return 404, {}, b"NoSuchKey"
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", range_header or "")
        if not match:
            return 200, {"Content-Type": "application/octet-stream"}, data
        first, last = int(match[1]), min(int(match[2]), len(data) - 1)
        if first > last:
            return 416, {}, b""
        headers = {"Content-Type": "application/octet-stream", "Content-Range": f"bytes {first}-{last}/{len(data)}"}
        return 206, headers, data[first : last + 1]

    # ------------------------------------------------------------------ serving

    def serve(self) -> None:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _match_prefix(url: str, match: str) -> str:
    key = surt(url if "://" in url else f"http://{url}")
    if match == "host":
        return key.split(")", 1)[0] + ")/"
    return key.rstrip("*")


def _filter(spec: str) -> Callable[[dict[str, str]], bool]:
    """Wayback's ``[!]field:regex``."""
    negate = spec.startswith("!")
    name, _, pattern = spec.lstrip("!").partition(":")
    regex = re.compile(pattern)
    return lambda values: bool(regex.fullmatch(values.get(name, ""))) != negate


def _pywb_filter(spec: str) -> Callable[[dict[str, str]], bool]:
    """pywb's ``=field:value`` (exact), ``~field:regex`` (search), ``field:value`` (contains)."""
    mode = spec[0] if spec[0] in "=~" else ""
    name, _, value = spec.lstrip("=~").partition(":")
    if mode == "=":
        return lambda row: row.get(name) == value
    if mode == "~":
        regex = re.compile(value)
        return lambda row: bool(regex.search(row.get(name, "")))
    return lambda row: value in row.get(name, "")


def _handler(archive: FakeArchive) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            # Headers and body leave in two writes: without this, Nagle and delayed ACKs cost 40 ms a request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            kind = _kind(parts.path)
            with archive._lock:
                archive.log.append(
                    Logged(kind, self.path, time.monotonic(), {k.lower(): v for k, v in self.headers.items()})
                )
                queued = archive.faults.get(kind)
                fault = queued.pop(0) if queued else None
            if fault is not None:
                headers = {"Content-Type": "text/plain"}
                if archive.retry_after:  # "": no Retry-After, the client backs off on its own
                    headers["Retry-After"] = archive.retry_after
                return self._send(fault, headers, b"slow down")
            query = parse_qsl(parts.query, keep_blank_values=True)
            if kind == "cdx":
                return self._send(200, {"Content-Type": "application/json"}, archive.cdx(query))
            if kind == "memento":
                match = _MEMENTO.match(self.path)
                if not match:
                    return self._send(404, {}, b"")
                return self._send(*archive.memento(match[1], match[2]))
            if kind == "collinfo":
                return self._send(200, {"Content-Type": "application/json"}, archive.collinfo())
            if kind == "index":
                status, body = archive.cc_index(parts.path.strip("/").removesuffix("-index"), query)
                return self._send(status, {"Content-Type": "text/x-ndjson"}, body)
            if kind == "data":
                return self._send(*archive.cc_data(parts.path, self.headers.get("Range")))
            return self._send(404, {}, b"not found")

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _kind(path: str) -> str:
    if path.startswith("/cdx/search/cdx"):
        return "cdx"
    if path.startswith("/web/"):
        return "memento"
    if path == "/collinfo.json":
        return "collinfo"
    if path.endswith("-index"):
        return "index"
    if path.startswith("/crawl-data/"):
        return "data"
    return "other"


@contextmanager
def archive_serving(history: History, *, commoncrawl: bool = False) -> Iterator[FakeArchive]:
    archive = FakeArchive(history, commoncrawl=commoncrawl)
    archive.serve()
    try:
        yield archive
    finally:
        archive.close()
