"""SsrfGuardMiddleware: private, loopback, link-local and non-HTTP targets are refused, loudly; and the
crawl's resolver connects only to the answer the guard checked (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawlers import addresses
from crawlers.addresses import AddressPolicy, IPAddress
from crawlers.middlewares.ssrf import ForbiddenAddress, SsrfGuardMiddleware
from crawlers.resolver import PINNED, GuardedResolver
from crawlers.sites import get_site


class FakeSpider:
    def __init__(self, base_url: str) -> None:
        self.site_config = get_site("minisite").with_base_url(base_url)


def guard(base_url: str = "http://127.0.0.1:8045/", **settings: Any) -> SsrfGuardMiddleware:
    crawler = get_crawler(settings_dict={"DEFCORPUS_SSRF_ENABLED": True, **settings})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    mw = build_from_crawler(SsrfGuardMiddleware, crawler)
    mw.spider_opened(FakeSpider(base_url))  # type: ignore[arg-type]
    return mw


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.1/admin", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://[::1]:8080/", "loopback"),
        ("http://127.0.0.2/", "loopback"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://localhost:9000/", "resolves to"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://ftp.example.com/x", "scheme 'ftp'"),
    ],
)
def test_forbidden_targets_are_refused_and_logged(url: str, reason: str, caplog: pytest.LogCaptureFixture) -> None:
    mw = guard()
    with caplog.at_level(logging.WARNING), pytest.raises(ForbiddenAddress, match="refused"):
        mw.process_request(Request(url))
    assert reason in caplog.text and url in caplog.text
    refused = {k: v for k, v in mw.crawler.stats.get_stats().items() if k.startswith("ssrf/refused/")}  # type: ignore[union-attr]
    kind = "scheme" if reason.startswith("scheme") else ("loopback" if reason == "resolves to" else reason)
    assert refused == {f"ssrf/refused/{kind}": 1}


@pytest.mark.parametrize("url", ["http://93.184.216.34/2023/01/story/", "https://[2606:4700::1111]/"])
def test_public_addresses_pass(url: str) -> None:
    assert guard().process_request(Request(url)) is None


def test_the_sites_own_configured_address_and_the_allow_list_pass() -> None:
    mw = guard("http://127.0.0.1:8045/", DEFCORPUS_SSRF_ALLOW=["10.1.0.0/16", "intranet.example"])
    assert mw.process_request(Request("http://127.0.0.1:8045/2022/12/a/")) is None
    assert mw.process_request(Request("http://10.1.2.3/")) is None
    assert mw.refusal("http://intranet.example/") is None
    assert mw.refusal("http://10.2.0.1/") is not None  # outside the allowed network


def test_a_named_site_does_not_allow_its_resolved_private_address() -> None:
    mw = guard("https://www.19fortyfive.com/")
    assert mw.refusal("http://localhost/") is not None


def test_disabled_by_setting() -> None:
    crawler = get_crawler(settings_dict={"DEFCORPUS_SSRF_ENABLED": False})
    with pytest.raises(NotConfigured):
        build_from_crawler(SsrfGuardMiddleware, crawler)


# ---------------------------------------------------------------------------- DNS rebinding
# A name that answers 127.0.0.1 (allowed here, standing for a public address) when the guard checks
# it, and a forbidden address when asked again. Nothing connects anywhere: the resolver's answer is
# what a connection would use.


class Rebinding:
    """A stub DNS: each lookup of a name gets its next answer, the last repeating."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[IPAddress]:
        self.asked.append(host)
        answers = self.answers[host]
        return [ipaddress.ip_address(answers[min(self.asked.count(host) - 1, len(answers) - 1)])]


class InlineReactor:
    """Runs the resolver's thread-pool lookups at once, in this thread."""

    def getThreadPool(self) -> InlineReactor:  # noqa: N802 - Twisted's names
        return self

    def callInThreadWithCallback(self, on_result: Any, func: Any, *args: Any) -> None:  # noqa: N802 - Twisted's names
        try:
            on_result(True, func(*args))
        except Exception as exc:
            on_result(False, exc)

    def callFromThread(self, func: Any, *args: Any) -> None:  # noqa: N802 - Twisted's names
        func(*args)


class Receiver:
    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.complete = False

    def resolutionBegan(self, resolution: object) -> None:  # noqa: N802 - Twisted's names
        pass

    def addressResolved(self, address: Any) -> None:  # noqa: N802 - Twisted's names
        self.addresses.append(f"{address.host}:{address.port}")

    def resolutionComplete(self) -> None:  # noqa: N802 - Twisted's names
        self.complete = True


@pytest.fixture(autouse=True)
def no_pinned_answers() -> Iterator[None]:
    PINNED.clear()
    yield
    PINNED.clear()


def resolve(resolver: GuardedResolver, host: str, port: int = 80) -> Receiver:
    receiver = Receiver()
    resolver.resolveHostName(receiver, host, port)  # type: ignore[arg-type]
    assert receiver.complete
    return receiver


@pytest.mark.parametrize("rebound", ["169.254.169.254", "10.0.0.1", "127.0.0.2"])
def test_a_checked_name_is_connected_to_at_the_checked_address(monkeypatch: pytest.MonkeyPatch, rebound: str) -> None:
    dns = Rebinding({"media.example": ["127.0.0.1", rebound]})
    monkeypatch.setattr(addresses, "lookup", dns)
    mw = guard(DEFCORPUS_SSRF_ALLOW=["127.0.0.1/32"])
    resolver = GuardedResolver(InlineReactor(), AddressPolicy(["127.0.0.1/32"]))

    assert mw.process_request(Request("http://media.example/latest/meta-data/")) is None
    assert resolve(resolver, "media.example", 8080).addresses == ["127.0.0.1:8080"]
    assert mw.process_request(Request("http://media.example/again/")) is None
    assert dns.asked == ["media.example"]  # one lookup: the second answer is never asked for


@pytest.mark.parametrize("answer", ["169.254.169.254", "10.0.0.1", "127.0.0.2", "::ffff:169.254.169.254"])
def test_a_forbidden_answer_found_at_connection_time_gives_no_address(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, answer: str
) -> None:
    """A host the guard never checked (or whose answer was dropped from the cache) is checked here."""
    monkeypatch.setattr(addresses, "lookup", Rebinding({"media.example": [answer]}))
    resolver = GuardedResolver(InlineReactor(), AddressPolicy(["127.0.0.1/32"]))
    with caplog.at_level(logging.WARNING):
        assert resolve(resolver, "media.example").addresses == []
    assert "refused to connect to media.example" in caplog.text and str(ipaddress.ip_address(answer)) in caplog.text
    assert PINNED.get("media.example") is None


def test_a_refused_answer_is_not_pinned_and_a_later_public_one_is(monkeypatch: pytest.MonkeyPatch) -> None:
    dns = Rebinding({"media.example": ["169.254.169.254", "127.0.0.1"]})
    monkeypatch.setattr(addresses, "lookup", dns)
    mw = guard(DEFCORPUS_SSRF_ALLOW=["127.0.0.1/32"])
    with pytest.raises(ForbiddenAddress, match=r"169\.254\.169\.254, a link-local address"):
        mw.process_request(Request("http://media.example/"))
    resolver = GuardedResolver(InlineReactor(), AddressPolicy(["127.0.0.1/32"]))
    assert resolve(resolver, "media.example").addresses == ["127.0.0.1:80"]


def test_the_crawl_installs_the_guarded_resolver() -> None:
    from crawlers import settings

    assert settings.TWISTED_DNS_RESOLVER == "crawlers.resolver.GuardedResolver"
    crawler = get_crawler(settings_dict={"DEFCORPUS_SSRF_ENABLED": True, "DEFCORPUS_SSRF_ALLOW": ["10.1.0.0/16"]})
    resolver = GuardedResolver.from_crawler(crawler, InlineReactor())
    assert resolver.policy is not None
    assert resolver.policy.address_refusal("x", [ipaddress.ip_address("10.1.0.9")]) is None
