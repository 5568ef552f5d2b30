"""The mini-site's HTTP server: pages, 404s, redirects, conditional requests, request counts."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

import pytest

from defcorpus.minisite import serve
from tests.support import minisite_facts as facts
from tests.support.processes import stop

# ----------------------------------------------------------------------------------- the server


def _get(base_url: str, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=10)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_server_serves_pages_404s_and_redirects() -> None:
    with serve() as site:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", site.base_url)
        status, headers, body = _get(site.base_url, "/robots.txt")
        assert (status, headers["Content-Type"]) == (200, "text/plain")
        assert f"Sitemap: {site.base_url}/sitemap_index.xml" in body.decode()
        seed = facts.seed_article()
        status, headers, body = _get(site.base_url, seed.path + "?utm_source=feed")
        assert status == 200 and body == site.pages[seed.path].body
        assert parsedate_to_datetime(headers["Last-Modified"]) == seed.date_modified
        status, headers, body = _get(site.base_url, "/no-such-page/")
        assert status == 404 and headers["Content-Type"].startswith("text/html") and b"404" in body
        status, headers, _ = _get(site.base_url, "/about")
        assert (status, headers["Location"]) == (301, f"{site.base_url}/about/")
        status, headers, body = _get(site.base_url, "/feed/", "HEAD")
        assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


@pytest.mark.slow
def test_server_answers_conditional_requests() -> None:
    seed = facts.seed_article()
    with serve() as site:
        _, headers, _ = _get(site.base_url, seed.path)
        assert _get(site.base_url, seed.path, **{"If-None-Match": headers["ETag"]})[0] == 304
        assert _get(site.base_url, seed.path, **{"If-None-Match": '"stale"'})[0] == 200
        since = format_datetime(seed.date_modified)
        assert _get(site.base_url, seed.path, **{"If-Modified-Since": since})[0] == 304
        assert _get(site.base_url, "/no-such-page/", **{"If-None-Match": "*"})[0] == 404


@pytest.mark.slow
def test_server_counts_requests_per_path_across_threads() -> None:
    with serve() as site:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda _: _get(site.base_url, "/feed/"), range(24)))
        _get(site.base_url, "/missing/?x=1")
        assert site.requests == Counter({"/feed/": 24, "/missing/": 1})
        snapshot = site.requests
        snapshot["/feed/"] = 0  # a copy: the server's count is untouched
        assert site.requests["/feed/"] == 24
        site.reset_requests()
        assert site.requests == Counter() == site.fetches


@pytest.mark.slow
def test_server_counts_fetches_apart_from_conditional_requests() -> None:
    seed = facts.seed_article()
    with serve() as site:
        _, headers, _ = _get(site.base_url, seed.path)
        _get(site.base_url, seed.path, **{"If-None-Match": headers["ETag"]})  # 304
        _get(site.base_url, "/missing/")  # 404
        assert site.requests == Counter({seed.path: 2, "/missing/": 1})
        assert site.fetches == Counter({seed.path: 1})


@pytest.mark.slow
def test_main_serves_in_the_foreground_and_prints_the_url() -> None:
    command = [sys.executable, "-m", "defcorpus.minisite", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        try:
            assert proc.stdout is not None
            base_url = proc.stdout.readline().strip()
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
            assert _get(base_url, "/")[0] == 200
        finally:
            stop(proc, timeout=10)
