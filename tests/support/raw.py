"""A synthetic raw store: publisher-like article pages written as WARC files the way the crawler does.

Why synthetic raw WARC files (not a crawl) for the store- and process-side tests: they make the
cleaning step the only moving part, take milliseconds to build, and give many distinct articles
(enough that a kill lands mid-work) with the chrome a real site has (a newsletter paragraph on every
page, learned as boilerplate; a syndicated copy, grouped as a near duplicate).
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpus import layout
from corpus.store import Store
from crawlers.sites import SiteConfig
from defcorpus.minisite.render import build_site
from tests.support.site_configs import BASE

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


PER_FILE = 3


def write_backlog(store: Store, site: SiteConfig, tmp_path: Path) -> list[str]:
    """The mini-site's article pages as WARC files of PER_FILE responses each, as a crawl writes them."""
    pages = build_site(site.base_url)
    articles = sorted(p for p in pages if site.is_article_url(site.absolute(p)))
    crawl_id, keys = layout.new_run_id(datetime(2023, 2, 1, tzinfo=UTC)), []
    for seq, start in enumerate(range(0, len(articles), PER_FILE)):
        path = tmp_path / f"{seq}.warc.gz"
        with path.open("wb") as fh:
            writer = WARCWriter(fh, gzip=True)
            for page_path in articles[start : start + PER_FILE]:
                page = RawPage(site.absolute(page_path), pages[page_path].body, "text/html; charset=UTF-8")
                write_response(writer, page, fetched="2023-02-01T00:00:00Z")
        keys.append(layout.raw_warc_key(site.name, crawl_id, seq))
        store.upload_file(keys[-1], path)
    return keys


def write_fetched(store: Store, site: str, fetched: list[tuple[RawPage, datetime]], *, run_at: datetime) -> str:
    """One WARC file of ``fetched`` pages, each dated as its crawler's clock said (a skewed clock, a re-fetch)."""
    key = layout.raw_warc_key(site, layout.new_run_id(run_at), 0)
    with tempfile.TemporaryDirectory(prefix="rel-warc-") as tmp:
        path = Path(tmp) / "fetched.warc.gz"
        with path.open("wb") as fh:
            writer = WARCWriter(fh, gzip=True, warc_version="1.1")
            for page, at in fetched:
                write_response(writer, page, fetched=at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        store.upload_file(key, path, if_absent=True)
    return key


def foreign_warc(path: Path, pages: dict[str, bytes]) -> Path:
    """A WARC file as other tools write it: a request and a response per page, and an image."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=path.name.endswith(".gz"))
        for url, body in [*pages.items(), ("https://example.com/logo.png", b"\x89PNG....")]:
            kind = "image/png" if url.endswith(".png") else "text/html; charset=utf-8"
            headers = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
            request = b"GET / HTTP/1.1\r\n\r\n"
            for kind_of_record, payload, http in (("request", request, None), ("response", body, headers)):
                record = writer.create_warc_record(
                    url, kind_of_record, payload=BytesIO(payload), length=len(payload), http_headers=http
                )
                writer.write_record(record)
    return path
