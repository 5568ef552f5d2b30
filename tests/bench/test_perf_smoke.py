"""Smoke test of the performance harness at tiny N: the mirror, the counting S3 wrapper, the table.

No timing is asserted: the machines are shared, and ``make bench`` reports ratios, not a pass/fail.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from bench import perf, stages
from bench.mirror import CONTROL_PATH, article_paths, generate, render, serve_mirror
from bench.s3count import CONTROL_PATH as S3_CONTROL
from bench.s3count import CountingApp

ARTICLES = 25


def test_mirror_pages_look_real_and_bodies_are_distinct() -> None:
    content = generate(ARTICLES, seed=3)
    pages = render(content, "http://127.0.0.1:9")
    paths = article_paths(content)
    assert len(paths) == len(set(paths)) == ARTICLES
    assert generate(ARTICLES, seed=3).articles == content.articles  # seeded: the same site every run
    html = pages[paths[0]].body.decode()
    assert 'class="zox-post-body' in html and "application/ld+json" in html
    index = pages["/sitemap_index.xml"].body.decode()
    monthly = re.findall(r"<loc>http://127\.0\.0\.1:9(/post-sitemap-[\d-]+\.xml)</loc>", index)
    listed = {
        loc for m in monthly for loc in re.findall(r"<loc>http://127\.0\.0\.1:9([^<]+/)</loc>", pages[m].body.decode())
    }
    assert listed == set(paths)
    paragraphs = Counter(b.text for a in content.articles for b in a.body if b.kind == "p")
    assert max(paragraphs.values()) == 1  # no shared body paragraph for learned boilerplate to remove


def test_mirror_serves_counts_and_answers_conditional_requests() -> None:
    with serve_mirror(ARTICLES, seed=3) as site:
        path = next(p for p in site.pages if p.count("/") == 4 and p[1:3] == "20")
        with urllib.request.urlopen(site.url(path), timeout=10) as response:
            etag = response.headers["ETag"]
        request = urllib.request.Request(site.url(path), headers={"If-None-Match": etag})
        try:
            urllib.request.urlopen(request, timeout=10)
            status = 200
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == 304
        with urllib.request.urlopen(site.url(CONTROL_PATH), timeout=10) as response:
            counts = json.loads(response.read())
        assert counts == {"total": 2, "by_status": {"200": 1, "304": 1}}


def test_s3_counter_counts_requests_not_its_own_endpoint() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b""]

    counting = CountingApp(app)
    requests = [
        ("PUT", "/b/corpus/clean/site=x/month=2024-01/20240101T000000Z-ab-0.parquet", ""),
        ("PUT", "/b/corpus/clean/_manifests/20240101T000000Z-ab.json", ""),
        ("GET", "/b/corpus/state/x/boilerplate.json", ""),
        ("GET", "/b/corpus/state/_manifests/x.json.gz", ""),
        ("GET", "/b", "list-type=2&prefix=corpus%2Fraw%2Fsite%3Dx%2F"),
        ("PUT", "/b", ""),
    ]
    for method, path, query in requests:
        counting({"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query}, lambda *a: None)
    body = counting({"REQUEST_METHOD": "GET", "PATH_INFO": S3_CONTROL}, lambda *a: None)
    assert json.loads(b"".join(body)) == {
        "total": 6,
        "by_method": {"PUT": 3, "GET": 3},
        "by_kind": {
            "PUT clean/*.parquet": 1,
            "PUT clean/_manifests/*.json": 1,
            "GET state/*.json": 1,
            "GET state/_manifests/*": 1,
            "LIST raw/": 1,
            "PUT bucket": 1,
        },
        "bytes_out": 0,
    }


def test_cleaning_arms_run_on_the_same_pages(tmp_path: Path) -> None:
    content = generate(6, seed=3)
    pages = render(content, "http://127.0.0.1:9")
    sample = [(pages[p].body, "http://127.0.0.1:9" + p) for p in article_paths(content)]
    assert stages.time_trafilatura(sample)[1] == stages.time_lxml(sample)[1] == 6


def test_table_shows_every_target() -> None:
    results = {key: 1.0 for key, *_ in perf.ROWS} | {"plan": "quick"}
    results["machine"] = {"cpu": "test", "cores": 2, "python": "3.11", "load_avg_at_start": [0.0]}
    text = perf.table(results)
    assert text.count(" yes") == sum(check is not None for *_, check in perf.ROWS) and " NO" not in text
    results["crawl_vs_scrapy"] = 0.5
    assert perf.table(results).count(" NO") == 1
