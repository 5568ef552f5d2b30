"""A synthetic corpus of any size, written with the project's own writers, and the stages measured on it.

    python -m bench.growth_data build  --store S --articles N [--sites K] [--new 500] [--s3-endpoint-url URL]
    python -m bench.growth_data clean  --store S [--workers N] [--s3-endpoint-url URL]
    python -m bench.growth_data export --store S --since 2026-11-01 --until 2026-12-01 [--s3-endpoint-url URL]
    python -m bench.growth_data articles --store S --since ... --until ... [--s3-endpoint-url URL]

Why generated and not crawled: a million articles cannot be crawled and cleaned on a 2-core machine
in a benchmark's time. ``build`` writes what a long history of cleans leaves: per site N/K articles
published in batches of 500 (``corpus.table.publish``: staged files, one manifest per batch, as a
clean publishes its chunks), 30 a day per site ending on 2026-11-30; each site's dedup shard
(``defcorpus.site_state.group_duplicates`` over the articles inside its window); the cleaned site's learned
boilerplate (``BoilerplateStats.observe`` over every article's paragraphs); the site's version index
(built from the table, as the first clean after an upgrade builds it); every site's manifest
catalog (``corpus.manifest_catalog``, as each site's last clean saves it); and ``--new`` pages of the
bench mirror's theme not cleaned yet, as WARC files with their CDX index. The other stages run in
their own process (peak RSS from ``getrusage``) and print one JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

from bench.stages import mirror_site
from cleaning import CLEANER_VERSION
from corpus import layout
from corpus.schema import Article, article_id, content_hash
from corpus.store import Store, open_store

BASE_URL = "http://mirror.test"  # never fetched: the pages are written straight into raw/
CLEANED = "minisite"  # the site whose new pages are cleaned (the mirror's config)
END = datetime(2026, 11, 30, tzinfo=UTC)
PER_DAY = 30
BATCH = 500
PER_WARC = 200
DEDUP_WINDOW_DAYS = 120
_VOCAB = np.array([f"w{n}{chr(97 + n % 26)}" for n in range(20_000)])


def site_names(sites: int) -> list[str]:
    return [CLEANED] + [f"growth-{n:02d}" for n in range(1, sites)]


def _articles(site: str, start: int, count: int, total: int, rng: np.random.Generator) -> list[Article]:
    """Articles ``start``..``start+count`` of ``total`` of ``site``, oldest first, ``PER_DAY`` a day to END."""
    out = []
    words = _VOCAB[rng.integers(0, len(_VOCAB), size=(count, 250))]
    for n, row in enumerate(words):
        i = start + n
        published = END - timedelta(days=(total - i) / PER_DAY)
        url = f"https://{site}.example/news/{i}/"
        body = "\n\n".join(" ".join(row[p * 50 : (p + 1) * 50]) for p in range(5))
        headline = f"Report {i} of {site}"
        out.append(
            Article(
                id=article_id(url), url=url, canonical_url=url, site=site, headline=headline,
                authors=[f"Author {i % 40}"], date_published=published, language="en", body=body,
                word_count=250, content_hash=content_hash(headline, body),
                warc_file=layout.raw_warc_key(site, "20260101T000000Z-00000000", 0),
                warc_record_id=f"<urn:uuid:{hashlib.md5(url.encode()).hexdigest()}>",
                fetched_at=published + timedelta(hours=1), cleaner_version=CLEANER_VERSION,
            )
        )  # fmt: skip
    return out


def build(store: Store, articles: int, sites: int, new: int) -> dict[str, Any]:
    from cleaning.boilerplate import BoilerplateStats
    from cleaning.dedup import DedupIndex
    from corpus.manifest_catalog import save_catalog
    from corpus.table import publish, read_manifests
    from defcorpus.site_state import group_duplicates
    from defcorpus.versions import open_versions

    started, rng = time.perf_counter(), np.random.default_rng(8)
    per_site, dedup = articles // sites, DedupIndex(shards={})
    rules = mirror_site(BASE_URL).cleaning
    stats = BoilerplateStats(min_articles=rules.boilerplate_min_articles, max_clusters=rules.boilerplate_max_paragraphs)
    window_start = END - timedelta(days=DEDUP_WINDOW_DAYS)
    for site in site_names(sites):
        recent: list[Article] = []
        for start in range(0, per_site, BATCH):
            batch = _articles(site, start, min(BATCH, per_site - start), per_site, rng)
            publish(store, site, batch, layout.new_run_id(), inputs=[])
            recent += [a for a in batch if a.date_published and a.date_published >= window_start]
            if site == CLEANED:
                for a in batch:
                    stats.observe(a.id, a.body.split("\n\n"), authors=a.authors, when=a.date_published or END)
        group_duplicates(store, site, recent, dedup)
    store.write(layout.boilerplate_state_key(CLEANED), stats.to_json())
    open_versions(store, CLEANED, read_manifests(store, CLEANED), []).save()
    for site in site_names(sites):  # as each site's last clean left it
        save_catalog(store, site)
    write_new_pages(store, new)
    return {"articles": per_site * sites, "sites": sites, "seconds": round(time.perf_counter() - started, 1)}


def write_new_pages(store: Store, count: int) -> list[str]:
    """``count`` article pages of the mirror's theme as WARC files of ``PER_WARC``, indexed, as a crawl leaves them."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from bench.mirror import generate, render
    from corpus.warc_index import write_index

    site = mirror_site(BASE_URL)
    pages = render(generate(max(count, 10), seed=21), BASE_URL)
    paths = [p for p in sorted(pages) if site.is_article_url(site.absolute(p))][:count]
    crawl_id, keys = layout.new_run_id(datetime(2026, 12, 1, tzinfo=UTC)), []
    with tempfile.TemporaryDirectory() as tmp:
        for seq, first in enumerate(range(0, len(paths), PER_WARC)):
            path = Path(tmp) / f"{seq}.warc.gz"
            with path.open("wb") as fh:
                writer = WARCWriter(fh, gzip=True, warc_version="1.1")
                for page_path in paths[first : first + PER_WARC]:
                    body = pages[page_path].body
                    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=UTF-8")], "HTTP/1.1")
                    record = writer.create_warc_record(
                        site.absolute(page_path), "response", payload=BytesIO(body), length=len(body),
                        http_headers=headers, warc_headers_dict={"WARC-Date": "2026-12-01T00:00:00Z"},
                    )  # fmt: skip
                    writer.write_record(record)
            keys.append(layout.raw_warc_key(site.name, crawl_id, seq))
            store.upload_file(keys[-1], path, if_absent=True)
            write_index(store, keys[-1], path)
    return keys


def clean(store: Store, workers: int) -> dict[str, Any]:
    from defcorpus.clean import clean_site

    started = time.perf_counter()
    report = clean_site(store, mirror_site(BASE_URL), workers=workers)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "pages": report.pages,
        "published": report.articles_published,
        "unchanged": report.articles_unchanged,
    }


def state_sizes(store: Store, sites: int) -> dict[str, Any]:
    """What a clean carries from one run to the next: bytes of the learned state, entries of the dedup shards."""
    from cleaning.dedup import DedupShard

    shards = [DedupShard.from_bytes(store.read(layout.dedup_state_key(s))) for s in site_names(sites)]
    return {
        "boilerplate_bytes": len(store.read(layout.boilerplate_state_key(CLEANED))),
        "dedup_bytes": sum(len(store.read(layout.dedup_state_key(s))) for s in site_names(sites)),
        "dedup_entries": sum(len(s.entries) for s in shards),
        "manifests": len(store.list(layout.MANIFEST_PREFIX)),
        "version_index_bytes": sum(len(store.read(k)) for k in store.list(layout.version_index_prefix(CLEANED))),
        "manifest_catalog_bytes": len(store.read(layout.manifest_catalog_key(CLEANED))),
    }


def read_month(store: Store, since: str, until: str, *, via_export: bool) -> dict[str, Any]:
    started = time.perf_counter()
    if via_export:
        from defcorpus.export import export

        rows = export(store, "/dev/null", since=since, until=until)
    else:
        import corpus

        rows = corpus.open(store).articles(since=since, until=until).num_rows
    return {"seconds": round(time.perf_counter() - started, 2), "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.growth_data", description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["build", "clean", "export", "articles", "sizes"])
    parser.add_argument("--store", required=True)
    parser.add_argument("--s3-endpoint-url")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--new", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--since", default="2026-11-01")
    parser.add_argument("--until", default="2026-12-01")
    args = parser.parse_args(argv)
    store = open_store(args.store, s3_endpoint_url=args.s3_endpoint_url)
    if args.stage == "build":
        out = build(store, args.articles, args.sites, args.new)
    elif args.stage == "clean":
        out = clean(store, args.workers)
    elif args.stage == "sizes":
        out = state_sizes(store, args.sites)
    else:
        out = read_month(store, args.since, args.until, via_export=args.stage == "export")
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
