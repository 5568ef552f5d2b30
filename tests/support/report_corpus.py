"""A corpus built to be reported on: a gap month, a template that starts leaking chrome, a blocked crawl,
and copies of two articles on a second site. Pages go through the real cleaner from WARC files, and
the blocked crawl is a real crawl of a loopback server that starts answering with bot checks.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.warcwriter import WARCWriter

from corpus import layout
from corpus.store import Store
from crawlers.runner import CrawlJob, run_crawl
from crawlers.sites import SiteConfig
from defcorpus.clean import clean_site
from defcorpus.clean_report import CleanReport
from tests.support.crawling import LOOPBACK
from tests.support.http import serving
from tests.support.publishers import challenges
from tests.support.raw import RawPage, write_response
from tests.support.site_configs import FEED, fixture_site

# Articles per publication month of "steady": 2024-03 is the gap (1 against a usual 8).
MONTHS = {"2024-01": 8, "2024-02": 8, "2024-03": 1, "2024-04": 8, "2024-05": 8, "2024-06": 8}
# Cleaned as three batches; from the third on, the template prints a share line and a newsletter box in the body.
BATCHES = (("2024-01", "2024-02"), ("2024-03", "2024-04"), ("2024-05", "2024-06"))
LEAKY_BATCH = 2
NEWSLETTER = "Sign up for the Morning Brief newsletter and get the day's defense news before breakfast."
COPIED = 2  # articles of "steady" that "echo" republishes, from this month
COPIED_MONTH = "2024-04"
WORDS = [
    "navy",
    "army",
    "missile",
    "drone",
    "budget",
    "contract",
    "radar",
    "frigate",
    "brigade",
    "sensor",
    "pilot",
    "convoy",
    "treaty",
    "satellite",
    "industry",
    "shipyard",
    "logistics",
    "training",
    "exercise",
    "deterrence",
    "doctrine",
    "procurement",
]


@dataclass(frozen=True)
class Story:
    slug: str
    month: str
    day: int
    headline: str
    paragraphs: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/news/{self.month.replace('-', '/')}/{self.slug}/"

    @property
    def published(self) -> str:
        return f"{self.month}-{self.day:02d}T09:00:00+00:00"


def stories() -> list[Story]:
    rng = random.Random(7)
    found = []
    for month, count in MONTHS.items():
        for n in range(count):
            paragraphs = tuple(" ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + "." for _ in range(4))
            headline = f"{month} report {n}: " + " ".join(rng.choice(WORDS) for _ in range(5))
            found.append(Story(f"report-{month}-{n}", month, 3 + n * 3, headline, paragraphs))
    return found


def site(name: str) -> SiteConfig:
    return fixture_site(name, f"https://{name}.example/", sources=(FEED,), allow=r"^/news/\d{4}/\d{2}/[a-z0-9-]+/$")


def page(story: Story, *, leaky: bool) -> bytes:
    chrome = f"<p>Share this story on Twitter: {story.headline}</p><p>{NEWSLETTER}</p>" if leaky else ""
    body = "".join(f"<p>{p}</p>" for p in story.paragraphs)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{story.headline}</title>"
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
        f'"headline":"{story.headline}","datePublished":"{story.published}",'
        '"author":{"@type":"Person","name":"Dana Reyes"}}</script>'
        "</head><body><header><nav><a href='/'>Home</a></nav></header>"
        f"<article><h1>{story.headline}</h1>{chrome}{body}</article>"
        "<footer>Steady News</footer></body></html>"
    ).encode()


def write_warc(store: Store, config: SiteConfig, pages: list[tuple[str, bytes]], tmp: Path, seq: int) -> None:
    path = tmp / f"{config.name}-{seq}.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url_path, body in pages:
            page = RawPage(config.absolute(url_path), body, "text/html; charset=UTF-8")
            write_response(writer, page, fetched="2024-07-01T00:00:00Z")
    crawl_id = layout.new_run_id(datetime(2024, 7, 1, tzinfo=UTC))
    store.upload_file(layout.raw_warc_key(config.name, crawl_id, seq), path)


def build(store: Store, store_dir: Path, tmp: Path) -> list[CleanReport]:
    """The whole corpus; the clean reports of "steady"'s three batches, then "echo"'s, then "jumpy"'s."""
    steady, echo, all_stories = site("steady"), site("echo"), stories()
    reports = []
    for n, months in enumerate(BATCHES):
        batch = [s for s in all_stories if s.month in months]
        write_warc(store, steady, [(s.path, page(s, leaky=n >= LEAKY_BATCH)) for s in batch], tmp, n)
        reports.append(clean_site(store, steady))
    # A day later than the original, so the original is its group's canonical member (``cleaning.dedup``).
    # From April: dedup remembers a site's last 120 days (syndication happens within days).
    copied = [s for s in all_stories if s.month == COPIED_MONTH][:COPIED]
    later = [dataclasses.replace(s, slug=s.slug.replace("report-", "copy-"), day=s.day + 1) for s in copied]
    copies = [(s.path, page(s, leaky=False)) for s in later]
    write_warc(store, echo, copies, tmp, 0)
    reports.append(clean_site(store, echo))
    reports.append(crawl_blocked(store, store_dir))
    return reports


def crawl_blocked(store: Store, store_dir: Path) -> CleanReport:
    """Two real crawls of "jumpy": 25 articles, then 25 new ones of which 15 are bot checks."""
    with serving(challenges.build_jump) as (server, _site):
        config = fixture_site("jumpy", server.base_url, sources=(FEED,), allow="^/a/")
        for _ in range(2):
            job = CrawlJob(site=config, store=str(store_dir), since="2024-07-01", until="2024-07-02", settings=LOOPBACK)
            run_crawl(job)
    return clean_site(store, config)
