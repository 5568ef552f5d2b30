"""Onboard a site from its home page alone: find its sitemaps and feeds, infer its article URLs, write
a site config (TOML) for review. ``defcorpus sites add NAME URL --sites-file PATH`` calls ``onboard_site``.

It asks for a handful of pages (robots.txt, the home page, a few common sitemap and feed locations,
one post sitemap, up to ``samples`` articles), politely: robots.txt obeyed, the crawler's honest
User-Agent, ``delay`` seconds between requests. What it found and what it only assumed is written into
the config's ``[verification]`` table and returned for printing.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import tomlkit
from protego import Protego

from corpus.version import VERSION
from crawlers import discovery, feeds, http_fetch
from crawlers.addresses import AddressPolicy, is_own_host
from crawlers.platforms import adapter_for, detect_platform
from crawlers.site_settings import DEFAULT_CONTACT
from crawlers.sites import NAME_PATTERN, SiteConfig, SiteConfigError, load_site_file

if TYPE_CHECKING:
    from scrapy.http import HtmlResponse

logger = logging.getLogger(__name__)

USER_AGENT = f"defcorpus/{VERSION} (+{DEFAULT_CONTACT}; news corpus crawler; onboarding)"
MAX_BYTES = 16 * 1024 * 1024  # on the wire, and again inflated


@dataclass
class Fetched:
    url: str
    status: int
    content_type: str
    body: bytes

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.body)


@dataclass
class Fetcher:
    """Our User-Agent, robots.txt rules and a pause between requests, through ``crawlers.http_fetch``
    (the crawl's SSRF check on every hop, one deadline per request, bounded size); never raises."""

    delay: float = 1.0
    deadline: float = 30.0
    policy: AddressPolicy = field(default_factory=AddressPolicy)
    robots: Protego | None = None
    requests: int = 0
    problems: dict[str, str] = field(default_factory=dict)  # URL -> one line saying why it gave nothing
    _last: float = 0.0

    def get(self, url: str) -> Fetched | None:
        if self.robots is not None and not self.robots.can_fetch(url, "defcorpus"):
            logger.info("robots.txt forbids %s", url)
            return None
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.requests += 1
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
        try:
            answer = http_fetch.fetch(url, self.policy, headers, http_fetch.Limits(self.deadline, MAX_BYTES))
        except http_fetch.FetchError as exc:
            logger.warning("%s", exc)
            self.problems[url] = str(exc)
            return None
        finally:
            self._last = time.monotonic()
        return Fetched(answer.url, answer.status, answer.content_type, answer.body)


@dataclass
class OnboardingResult:
    site: SiteConfig
    path: Path
    toml: str
    found: list[str] = field(default_factory=list)  # human-readable lines: what was found, and how
    requests: int = 0


def onboard_site(
    name: str,
    url: str,
    sites_file: Path,
    *,
    overwrite: bool = False,
    delay: float = 1.0,
    samples: int = 3,
    deadline: float = 30.0,
    allow: Sequence[str] = (),
) -> OnboardingResult:
    """Discover ``url``'s routes, write ``sites_file`` (a one-site TOML) and return what was found.

    ``deadline``: seconds for each request, whole; ``allow``: hosts or CIDR networks reachable although
    private (as the crawl's ``DEFCORPUS_SSRF_ALLOW``); a site given as an IP literal or ``localhost``
    may be reached there, as in the crawl.
    """
    if not re.fullmatch(NAME_PATTERN, name):
        raise SiteConfigError(f"site name {name!r} must match {NAME_PATTERN}")
    if sites_file.exists() and not overwrite:
        raise SiteConfigError(f"{sites_file}: already exists (pass overwrite to replace it)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SiteConfigError(f"{url!r} is not an http(s) URL")
    base = f"{parts.scheme}://{parts.netloc}/"
    policy = AddressPolicy(allow)
    if is_own_host(parts.hostname):
        policy.allow_host(parts.hostname)
    survey = _Survey(base, Fetcher(delay=delay, deadline=deadline, policy=policy))
    survey.run(samples)
    data = survey.config(name)
    text = to_toml(data, survey.header())
    SiteConfig.model_validate(data)  # fail before writing anything
    sites_file.parent.mkdir(parents=True, exist_ok=True)
    sites_file.write_text(text)
    site = load_site_file(sites_file)  # what `run --sites-file` will read
    return OnboardingResult(site, sites_file, text, survey.found, survey.fetcher.requests)


class _Survey:
    """The onboarding steps and what each found."""

    def __init__(self, base: str, fetcher: Fetcher) -> None:
        self.base = base
        self.fetcher = fetcher
        self.found: list[str] = []
        self.confirmed: list[str] = []
        self.assumed: list[str] = []
        self.title = urlsplit(base).hostname or base
        self.platform = "custom"
        self.sources: list[dict[str, object]] = []
        self.article_urls: list[str] = []
        self.pattern: discovery.ArticlePattern | None = None

    def note(self, line: str, *, confirmed: bool = True) -> None:
        self.found.append(line)
        (self.confirmed if confirmed else self.assumed).append(line)

    def run(self, samples: int) -> None:
        robots_sitemaps = self._robots()
        home = self.fetcher.get(self.base)
        if home is None or not home.ok:
            why = self.fetcher.problems.get(self.base) or (f"HTTP {home.status}" if home else "no answer")
            why = why.removeprefix(f"{self.base}: ")  # the problem names the URL the line names already
            raise SiteConfigError(f"cannot fetch the home page {self.base}: {why}")
        self._home(home.body)
        self._sitemaps(robots_sitemaps)
        self._feeds(home.body)
        if not self.sources:
            raise SiteConfigError(
                f"{self.base}: found no sitemap and no feed{self._problems()}; write the config by hand"
            )
        self._pattern()
        self._sample(samples)
        self.found.extend(f"not used: {problem}" for problem in self.fetcher.problems.values())

    def _problems(self) -> str:
        """The requests that gave nothing, for an error message: ``; not used: a; b``."""
        problems = list(self.fetcher.problems.values())
        return f" (not used: {'; '.join(problems)})" if problems else ""

    def _robots(self) -> list[str]:
        robots = self.fetcher.get(urljoin(self.base, "/robots.txt"))
        if robots is None or not robots.ok:
            self.note("robots.txt: none (everything allowed)")
            return []
        self.fetcher.robots = Protego.parse(robots.body.decode("utf-8", "replace"))
        sitemaps = discovery.sitemaps_in_robots(robots.body, self.base)
        self.note(f"robots.txt: {len(sitemaps)} Sitemap: line(s) {' '.join(sitemaps)}".rstrip())
        return sitemaps

    def _home(self, html: bytes) -> None:
        match = re.search(rb"<title[^>]*>(.*?)</title>", html, re.DOTALL | re.IGNORECASE)
        if match:
            self.title = re.sub(r"\s+", " ", match[1].decode("utf-8", "replace")).strip()[:120] or self.title
        self.platform = detect_platform(html)
        self.note(f"platform: {self.platform} (markers in the home page)", confirmed=False)

    def _sitemaps(self, from_robots: list[str]) -> None:
        candidates = [u for u in from_robots if self._same_site(u)] or [
            urljoin(self.base, p) for p in discovery.COMMON_SITEMAPS
        ]
        found: list[dict[str, object]] = []
        for url in candidates:
            fetched = self.fetcher.get(url)
            info = discovery.read_sitemap(fetched.body) if fetched and fetched.ok else None
            if info is None:
                continue
            follow = discovery.post_sitemap_follow(info.locs) if info.kind == "sitemapindex" else []
            kind = "news_sitemap" if info.news else "sitemap"
            source: dict[str, object] = {"type": kind, "url": _relative(url)}
            if follow:
                source["follow"] = follow
            self.note(
                f"{kind}: {url} ({info.kind}, {len(info.locs)} entries"
                f"{', following ' + ' '.join(follow) if follow else ''})"
            )
            self._collect_from_sitemap(info, follow)
            found.append(source)
            if not from_robots:
                break  # one common location is enough; robots.txt lists all it wants followed
        kinds = {source["type"] for source in found}
        if from_robots and len(kinds) == 1 and found:
            # One kind of sitemap: point at robots.txt, so sitemaps the site adds later are followed too.
            follow = sorted({p for source in found for p in source.get("follow", [])})  # type: ignore[attr-defined]
            found = [{"type": kinds.pop(), "url": "/robots.txt", **({"follow": follow} if follow else {})}]
        self.sources.extend(found)

    def _collect_from_sitemap(self, info: discovery.SitemapInfo, follow: list[str]) -> None:
        if info.kind == "urlset":
            self.article_urls.extend(u for u in info.locs if self._same_site(u))
            return
        children = [c for c in info.locs if not follow or any(re.search(p, c) for p in follow)]
        for child in children[:1]:  # one child is a big enough sample
            fetched = self.fetcher.get(child)
            sub = discovery.read_sitemap(fetched.body) if fetched and fetched.ok else None
            if sub and sub.kind == "urlset":
                self.article_urls.extend(u for u in sub.locs if self._same_site(u))

    def _feeds(self, home_html: bytes) -> None:
        linked = [u for u in discovery.feeds_in_html(home_html, self.base) if self._same_site(u)]
        for url in linked or [urljoin(self.base, p) for p in discovery.COMMON_FEEDS]:
            fetched = self.fetcher.get(url)
            if not (fetched and fetched.ok and feeds.is_feed(fetched.body)):
                continue
            links = [i.url for i in feeds.feed_items(fetched.body, self.base) if self._same_site(i.url)]
            how = "linked from the home page" if linked else "at a common location"
            self.note(f"feed: {url} ({how}, {len(links)} items)")
            self.sources.append({"type": "rss", "url": _relative(url)})
            self.article_urls = links + self.article_urls  # feed items are articles more surely
            return

    def _pattern(self) -> None:
        if not self.article_urls:
            raise SiteConfigError(
                f"{self.base}: sitemaps and feeds listed no URLs to learn a pattern from{self._problems()}"
            )
        self.pattern = discovery.infer_article_pattern(self.article_urls)
        shapes = ", ".join(f"{s} x{n}" for s, n in sorted(self.pattern.shapes.items(), key=lambda kv: -kv[1]))
        self.note(
            f"article URLs: {' | '.join(self.pattern.allow)} inferred from {len(self.article_urls)} "
            f"URLs (shapes: {shapes})",
            confirmed=False,
        )

    def _sample(self, samples: int) -> None:
        assert self.pattern is not None
        rules = SiteConfig.model_validate(self.config("probe"))
        sampled = [u for u in dict.fromkeys(self.article_urls) if rules.is_article_url(u)][:samples]
        adapter = adapter_for(self.platform)
        kinds = []
        for url in sampled:
            fetched = self.fetcher.get(url)
            if fetched and fetched.ok:
                kinds.append(adapter.page_kind(_as_response(fetched)))
        articles = kinds.count("article")
        self.note(
            f"sampled {len(kinds)} article URL(s): {articles} carry Article/NewsArticle structured data",
            confirmed=articles > 0,
        )

    def _same_site(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        own = urlsplit(self.base).hostname or ""
        return host == own or host.removeprefix("www.") == own.removeprefix("www.")

    def config(self, name: str) -> dict[str, object]:
        assert self.pattern is not None
        return {
            "name": name,
            "title": self.title,
            "base_url": self.base,
            "platform": self.platform,
            "sources": self.sources,
            "articles": {"allow": self.pattern.allow, "deny": self.pattern.deny},
            "verification": {
                "checked": datetime.now(UTC).date().isoformat(),
                "confirmed": self.confirmed,
                "assumed": self.assumed,
            },
        }

    def header(self) -> list[str]:
        return [
            f"Written by `defcorpus sites add` from {self.base} on {datetime.now(UTC):%Y-%m-%d}.",
            "Review the article URL pattern and the routes before a long crawl; see docs/sites.md.",
        ]


def _relative(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _as_response(fetched: Fetched) -> HtmlResponse:
    from scrapy.http import HtmlResponse

    return HtmlResponse(
        fetched.url,
        status=fetched.status,
        body=fetched.body,
        headers={"Content-Type": fetched.content_type or "text/html"},
    )


# ---------------------------------------------------------------------------- TOML


def to_toml(data: Mapping[str, object], comments: Sequence[str] = ()) -> str:
    """``data`` as TOML written by tomlkit, after ``comments`` (one ``#`` line each).

    Scalars first, then tables and arrays of tables (``[[sources]]``), as a person writes a site
    config; regexes as literal strings (``'^/\\d{4}/'``), so they read as they are written.
    """
    doc = tomlkit.document()
    for line in comments:
        doc.add(tomlkit.comment(line))
    tables = [key for key, value in data.items() if isinstance(value, dict) or _is_table_list(value)]
    for key, value in data.items():
        if key not in tables:
            doc.add(key, _toml_item(value))
    for key in tables:
        doc.add(tomlkit.nl())
        doc.add(key, _toml_item(data[key]))
    return tomlkit.dumps(doc)


def _is_table_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _toml_item(value: object) -> Any:
    if isinstance(value, str) and "\\" in value and "'" not in value and value.isprintable():
        return tomlkit.string(value, literal=True)
    if isinstance(value, dict):
        table = tomlkit.table()
        for key, item in value.items():
            table.add(key, _toml_item(item))
        return table
    if _is_table_list(value):
        assert isinstance(value, list)
        tables = tomlkit.aot()
        for item in value:
            tables.append(_toml_item(item))
        return tables
    if isinstance(value, list):
        array = tomlkit.array()
        array.extend(_toml_item(item) for item in value)
        return array.multiline(len(value) > 2)
    return tomlkit.item(value)
