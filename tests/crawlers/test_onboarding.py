"""Onboarding a site from its home page alone (``crawlers.onboarding``), on loopback imitations.

For each platform family, the config ``onboard_site`` writes is crawled and must find exactly the
articles; on the bundled mini-site the whole user sequence runs: sites add -> run --sites-file -> export.
Hostile publishers: a gzip bomb, a dripping home page, redirects to private and metadata addresses.
"""

from __future__ import annotations

import ipaddress
import json
import resource
import socket
import threading
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from corpus.store import open_store
from crawlers.discovery import feeds_in_html, infer_article_pattern
from crawlers.onboarding import onboard_site, to_toml
from crawlers.sites import SiteConfigError, get_site, load_site_file
from defcorpus.clean import clean_site
from defcorpus.crawl_job import crawl_site
from defcorpus.export import export
from defcorpus.minisite import serve
from tests.support import minisite_facts as facts
from tests.support.crawling import LOOPBACK, article_paths, crawl, warc_responses
from tests.support.http import TEXT, XML, FixtureSite, Route, serving
from tests.support.pages import page, sitemap_gzip_bomb, urlset
from tests.support.publishers import PLATFORMS


@pytest.mark.parametrize(
    ("urls", "article", "not_article"),
    [
        (["https://x.com/2024/01/a-b/", "https://x.com/2024/02/c-d-e/"], "/2023/12/new-story/", "/2023/12/"),
        (
            ["https://d.com/air/2024/01/15/f-35-new/", "https://d.com/news/pentagon-congress/2024/01/15/deal-done/"],
            "/land/2025/03/04/tank-upgrade/",
            "/land/",
        ),
        (
            ["https://t.com/air/b-21-raider", "https://t.com/news-features/drone-war-update"],
            "/sea/navy-laser-test",
            "/sea",
        ),
        (
            ["https://n.org/blog/buzz/the-navy-208765", "https://n.org/feature/a-new-cold-war-209876"],
            "/blog/the-reboot/deterrence-works-210001",
            "/node/208765",
        ),
        (
            ["https://u.org.uk/royal-navy-frigate/", "https://u.org.uk/army-new-howitzers/"],
            "/raf-typhoons-scrambled/",
            "/category/navy/",
        ),
    ],
)
def test_infer_article_pattern(urls: list[str], article: str, not_article: str) -> None:
    pattern = infer_article_pattern(urls)
    config = get_site("minisite").model_copy(
        update={
            "articles": get_site("minisite").articles.model_copy(update={"allow": pattern.allow, "deny": pattern.deny})
        }
    )
    assert config.is_article_url(f"https://x.com{article}")
    assert not config.is_article_url(f"https://x.com{not_article}")


def test_feeds_in_html() -> None:
    html = (
        b'<head><link rel="alternate" type="application/rss+xml" href="/feed/">'
        b'<link rel="alternate" type="application/rss+xml" href="/comments/feed/">'
        b'<link rel="stylesheet" href="/s.css"></head>'
    )
    assert feeds_in_html(html, "https://e.com/") == ["https://e.com/feed/"]


def test_toml_round_trip() -> None:
    data = {
        "name": "x",
        "sources": [{"type": "rss", "url": "/feed/"}],
        "articles": {"allow": [r"^/\d{4}/"]},
        "verification": {"confirmed": ["it's here", "a", "b"], "assumed": []},
    }
    text = to_toml(data, ["hi"])
    assert text.startswith("# hi\n") and "'^/\\d{4}/'" in text  # a regex stays readable
    assert tomllib.loads(text) == data


def test_written_config_loads_with_the_strict_loader_whatever_the_page_said(tmp_path: Path) -> None:
    """The title comes from a page: quotes, backslashes, newlines, control and astral characters
    must stay one string (a JSON-escaped emoji is a surrogate pair, which TOML refuses)."""
    title = "Dépêches \"défense\" \\ 🛰️ '''\n[crawl]\nmin_delay = 0\t\x7f"
    data = {
        "name": "hostile",
        "title": title,
        "base_url": "https://hostile.example/",
        "platform": "custom",
        "sources": [{"type": "rss", "url": "/feed/?a='b'&c=\\d"}, {"type": "sitemap", "url": "/robots.txt"}],
        "articles": {"allow": [r"^/\d{4}/\d{2}/[\w-]+/$", r"^/n/'q'\d+$"], "deny": ["^/tag/"]},
        "verification": {"checked": "2026-12-02", "confirmed": ["feed: x"], "assumed": ["it's 'assumed'"]},
    }
    path = tmp_path / "hostile.toml"
    path.write_text(to_toml(data, ["Written by a test"]))
    site = load_site_file(path)
    assert site.title == title and site.crawl.min_delay != 0
    assert list(site.articles.allow) == data["articles"]["allow"]  # type: ignore[index]
    assert [s.url for s in site.sources] == ["/feed/?a='b'&c=\\d", "/robots.txt"]


@pytest.mark.slow
@pytest.mark.parametrize(("family", "fixture", "publisher"), PLATFORMS, ids=[p[0] for p in PLATFORMS])
def test_onboarded_config_crawls_the_platform(family: str, fixture: ModuleType, publisher: str, tmp_path: Path) -> None:
    sites_file = tmp_path / "newsite.toml"
    with serving(fixture.build) as (server, site):
        result = onboard_site("newsite", server.base_url, sites_file, delay=0)
        server.reset_log()
        config = get_site("newsite", sites_file)  # exactly what `run --sites-file` loads
        report = crawl(config, tmp_path / "store")
        requested = {entry.path for entry in server.log}

    assert result.requests <= 12
    assert any(line.startswith("sampled 3 article URL(s): 3 carry") for line in result.found)
    assert article_paths(warc_responses(tmp_path / "store", "newsite"), config) == sorted(site.article_paths)
    assert not requested & site.non_article_paths
    assert report.summary.articles_new == len(site.article_paths)


def test_refuses_to_overwrite_and_needs_routes(tmp_path: Path) -> None:
    existing = tmp_path / "taken.toml"
    existing.write_text("")
    with pytest.raises(SiteConfigError, match="already exists"):
        onboard_site("taken", "http://127.0.0.1:9/", existing, delay=0)

    def bare(base: str) -> FixtureSite:
        return FixtureSite(
            {
                "/": Route(b"<html><title>Bare</title></html>"),
                "/robots.txt": Route(b"User-agent: *\n", content_type=TEXT),
            },
            set(),
        )

    with serving(bare) as (server, _), pytest.raises(SiteConfigError, match="no sitemap and no feed"):
        onboard_site("bare", server.base_url, tmp_path / "bare.toml", delay=0)


@pytest.mark.slow
def test_sites_add_then_run_then_export_on_an_unseen_site(tmp_path: Path) -> None:
    sites_file, out = tmp_path / "sites" / "mini.toml", tmp_path / "mini.jsonl"
    store = open_store(str(tmp_path / "store"))
    with serve() as server:
        result = onboard_site("unseen", server.base_url, sites_file, delay=0)
        site = get_site("unseen", sites_file)
        crawl_site(store.url, site, settings=LOOPBACK)
    clean_site(store, site)
    count = export(store, str(out), fmt="jsonl", site="unseen")

    assert result.site.platform == "wordpress"
    assert count == len(facts.article_paths())
    urls = {json.loads(line)["url"].removeprefix(server.base_url) for line in out.read_text().splitlines()}
    assert urls == facts.article_paths()


# ---------------------------------------------------------------------------- hostile publishers
# `sites add` talks to a site nobody has reviewed yet: its answers are bounded in size and time, and
# neither a redirect nor a DNS answer takes it to an address a crawler must not reach.


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    bomb = sitemap_gzip_bomb(1 << 30)  # 1 GiB inflated
    assert len(bomb) < 2 << 20  # about 1 MB on the wire
    return bomb


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


@pytest.mark.parametrize("served_as", ["content-encoding", "gz-file"])
def test_a_gzip_bomb_sitemap_is_refused_in_bounded_memory(tmp_path: Path, gzip_bomb: bytes, served_as: str) -> None:
    def bombed(base: str) -> FixtureSite:
        bomb = (
            Route(gzip_bomb, content_type=XML, headers={"Content-Encoding": "gzip"})
            if served_as == "content-encoding"
            else Route(gzip_bomb, content_type="application/x-gzip")
        )
        return FixtureSite(
            {
                "/": Route(b"<html><title>Bombed</title></html>"),
                "/robots.txt": Route(b"User-agent: *\n", content_type=TEXT),
                "/sitemap_index.xml": bomb,
            },
            set(),
        )

    before = _peak_rss_bytes()
    with serving(bombed) as (server, _), pytest.raises(SiteConfigError) as refused:
        onboard_site("bombed", server.base_url, tmp_path / "bombed.toml", delay=0)
    message = str(refused.value)
    assert "\n" not in message
    assert f"{server.base_url}sitemap_index.xml: gzip body inflates past the 16 MiB limit" in message
    assert _peak_rss_bytes() - before < 256 << 20  # the 1 GiB was never held (before the fix: 2 GB RSS)
    assert not (tmp_path / "bombed.toml").exists()


class DripServer:
    """Answers every request one byte at a time, ``pause`` seconds apart: the status line and headers
    too (``headers=False``: headers at once, then the body dripped). Bounded: ~40 s at most."""

    def __init__(self, pause: float, *, headers: bool) -> None:
        body = b"<html><head><title>Slow</title></head><body>" + b"." * 200 + b"</body></html>"
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        self.pause, self.head, self.body, self.drip_headers = pause, head, body, headers
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            start = 0 if self.drip_headers else len(self.head)
            if start:
                conn.sendall(self.head)
            for byte in (self.head + self.body)[start:][: int(40 / self.pause)]:
                if self.stopped.wait(self.pause):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return  # the client gave up: what a deadline is for

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


@pytest.mark.parametrize("drip_headers", [True, False], ids=["headers-dripped", "body-dripped"])
def test_a_dripping_home_page_times_out_at_the_deadline(tmp_path: Path, drip_headers: bool) -> None:
    """Each byte arrives well within a read timeout; only a deadline for the whole request ends it."""
    server = DripServer(0.25, headers=drip_headers)
    try:
        with pytest.raises(SiteConfigError) as stuck:
            onboard_site("slow", server.base_url, tmp_path / "slow.toml", delay=0, deadline=1.5)
    finally:
        server.close()
    assert str(stuck.value) == (f"cannot fetch the home page {server.base_url}: no whole answer within 1.5 s")


class LoopbackOnly:
    """Connections to anything but loopback are refused here and recorded: a test proves that no request
    ever set out for a private or metadata address, and sends no traffic there if one does."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = socket.socket.connect

        def connect(sock: socket.socket, address: Any) -> None:
            host = str(address[0]) if isinstance(address, tuple) else str(address)
            if not ipaddress.ip_address(host.split("%")[0]).is_loopback:
                self.attempts.append(host)
                raise ConnectionRefusedError(f"test refuses to connect to {host}")
            real(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> LoopbackOnly:
    jail = LoopbackOnly()
    jail.install(monkeypatch)
    return jail


def _sitemap_site(base: str, home: Route, **extra: Route) -> FixtureSite:
    """A site onboarding can learn from (a sitemap at /sitemap.xml), with its home page and extra routes."""
    articles = [f"/2024/0{m}/story-number-{m}/" for m in range(1, 7)]
    return FixtureSite(
        {
            "/": home,
            "/robots.txt": Route(b"User-agent: *\n", content_type=TEXT),
            "/sitemap.xml": Route(urlset(base, [(p, None) for p in articles]), content_type=XML),
            **extra,
            **{p: Route(page(p, "<p>story</p>")) for p in articles},
        },
        set(articles),
    )


def _private_page(base: str) -> FixtureSite:
    return FixtureSite({"/": Route(b"<html><title>Private admin console</title></html>")}, set())


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://10.0.0.1/admin/", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://192.168.1.1/", "192.168.1.1 is a private address"),
        ("PRIVATE", "127.0.0.2 is a loopback address"),
        ("http://localhost:9/", "localhost resolves to"),
        ("file:///etc/passwd", "scheme 'file' is not http(s)"),
    ],
)
def test_a_home_page_redirecting_to_a_forbidden_address_is_refused_before_connecting(
    tmp_path: Path, loopback_only: LoopbackOnly, target: str, reason: str
) -> None:
    with serving(_private_page, "127.0.0.2") as (private, _):
        target = private.base_url if target == "PRIVATE" else target
        moved = Route(status=302, headers={"Location": target})
        with serving(lambda base: _sitemap_site(base, moved)) as (server, _), pytest.raises(SiteConfigError) as refused:
            onboard_site("moved", server.base_url, tmp_path / "moved.toml", delay=0)
        requested_privately = [entry.path for entry in private.log]

    assert str(refused.value).startswith(f"cannot fetch the home page {server.base_url}: refused {target}: {reason}")
    assert "\n" not in str(refused.value)
    assert loopback_only.attempts == [] and requested_privately == []
    assert not (tmp_path / "moved.toml").exists()  # the private page's title is written nowhere


def test_common_sitemap_paths_redirecting_to_the_metadata_service_are_refused_and_onboarding_goes_on(
    tmp_path: Path, loopback_only: LoopbackOnly
) -> None:
    def metadata(base: str) -> FixtureSite:
        creds = urlset(base, [("/latest/meta-data/iam/security-credentials/role/", None)])
        return FixtureSite({"/latest/meta-data/": Route(creds, content_type=XML)}, set())

    with serving(metadata, "127.0.0.3") as (stand_in, _):
        redirects = {
            "/sitemap_index.xml": Route(status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
            "/wp-sitemap.xml": Route(status=302, headers={"Location": stand_in.base_url + "latest/meta-data/"}),
        }
        home = Route(b"<html><title>Honest Defense News</title></html>")
        with serving(lambda base: _sitemap_site(base, home, **redirects)) as (server, _):
            result = onboard_site("honest", server.base_url, tmp_path / "honest.toml", delay=0)
        requested_from_stand_in = [entry.path for entry in stand_in.log]

    assert loopback_only.attempts == [] and requested_from_stand_in == []
    assert result.site.title == "Honest Defense News"
    assert [s.url for s in result.site.sources] == ["/sitemap.xml"]
    assert "169.254" not in result.toml and "127.0.0.3" not in result.toml and "meta-data" not in result.toml
    refused = [line for line in result.found if line.startswith("not used: refused")]
    assert refused == [
        "not used: refused http://169.254.169.254/latest/meta-data/: 169.254.169.254 is a link-local address; "
        "a crawler must not reach such addresses",
        f"not used: refused {stand_in.base_url}latest/meta-data/: 127.0.0.3 is a loopback address; "
        "a crawler must not reach such addresses",
    ]


def test_onboarding_uses_the_crawls_address_check() -> None:
    from crawlers import addresses, http_fetch
    from crawlers.middlewares import ssrf

    assert ssrf.AddressPolicy is http_fetch.AddressPolicy is addresses.AddressPolicy
