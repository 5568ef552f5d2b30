"""SsrfGuardMiddleware: private, loopback, link-local and non-HTTP targets are refused, loudly."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawlers.middlewares.ssrf import ForbiddenAddress, SsrfGuardMiddleware
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
