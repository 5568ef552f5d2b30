"""moto's S3 server on loopback, counting the requests it serves: how many S3 calls a stage makes.

Why at the server: the crawl runs in a child process with its own boto3 client, so counting in the
benchmark's process would miss it; the server sees every request of every process.

    python -m bench.s3count [--port P]    # prints the endpoint URL, then serves

``/__bench__/requests`` answers the counts so far as JSON (it is not counted itself): the total, by
HTTP method, the bytes of response bodies served (``bytes_out``), and by method and kind of object
(``PUT clean/*.parquet``, ``LIST state/``, ...), so a
change in the requests per article can be traced to the stage that made it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

from corpus import layout

CONTROL_PATH = "/__bench__/requests"
_DUMMY_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}

StartResponse = Callable[..., Any]


_AREAS = tuple(
    p.rstrip("/")
    for p in (
        layout.RAW_PREFIX,
        layout.CLEAN_PREFIX,
        layout.STATE_PREFIX,
        layout.QUARANTINE_PREFIX,
        layout.REPORTS_PREFIX,
    )
)
_SUBAREAS = tuple(
    p.rstrip("/")
    for p in (
        layout.MANIFEST_PREFIX,
        layout.STAGING_PREFIX,
        layout.SUMMARY_PREFIX,
        layout.MANIFEST_CATALOG_PREFIX,
        layout.DEDUP_STATE_PREFIX,
    )
)  # told apart from data files, and the state every clean reads from the rest of state/
_SUFFIXES = (
    layout.WARC_SUFFIX,
    layout.INDEX_SUFFIX,
    layout.CRAWL_STATS_SUFFIX,
    layout.DATA_SUFFIX + layout.STAGED_SUFFIX,
    layout.DATA_SUFFIX,
    ".json",
    layout.LEASE_SUFFIX,
)


def _area(parts: list[str]) -> str:
    for sub in _SUBAREAS:
        area, _, name = sub.rpartition("/")
        if any(parts[i : i + 2] == [area, name] for i in range(len(parts) - 1)):
            return sub
    return next((part for part in parts if part in _AREAS), "other")


def request_kind(method: str, path: str, query: str) -> str:
    """``METHOD area/*suffix`` for an object, ``LIST area/`` for a listing: one line of the breakdown.

    Paths are path-style, ``/<bucket>/<prefix>/<area>/...``, with the area being ``raw``, ``clean``
    or ``state`` (docs/storage.md); ``_manifests`` is told apart from the data files they list.
    """
    parts = [part for part in path.split("/") if part]
    if len(parts) <= 1:  # the bucket itself: a listing, or creating the bucket
        if method != "GET":
            return f"{method} bucket"
        prefix = parse_qs(query).get("prefix", [""])[0].split("/")
        return f"LIST {_area(prefix)}/"
    name = parts[-1]
    suffix = next((suffix for suffix in _SUFFIXES if name.endswith(suffix)), "")
    return f"{method} {_area(parts[1:-1])}/*{suffix}"


class CountingApp:
    """WSGI middleware: count each request by method, then hand it to moto."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.counts: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.bytes_out = 0  # bytes of the response bodies served: what the clients read
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == CONTROL_PATH:
            with self._lock:
                counts = {"total": sum(self.counts.values()), "by_method": dict(self.counts)}
                counts |= {"by_kind": dict(self.kinds), "bytes_out": self.bytes_out}
                body = json.dumps(counts).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        method = environ.get("REQUEST_METHOD", "?")
        kind = request_kind(method, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        with self._lock:
            self.counts[method] += 1
            self.kinds[kind] += 1
        return self._counted(self.app(environ, start_response))

    def _counted(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        try:
            for chunk in chunks:
                with self._lock:
                    self.bytes_out += len(chunk)
                yield chunk
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.s3count", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.update(_DUMMY_ENV)
    from moto.server import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request would flood the run
    app = CountingApp(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
