"""Refuse requests to addresses a crawler must never reach, whatever a publisher's page or redirect says.

What is forbidden and what is allowed anyway is ``crawlers.addresses``. Redirects pass through the
downloader middlewares again, so they are checked too. Host names are resolved here, so a public name
that resolves to a private address is refused as well; the answer that passed is pinned
(``crawlers.resolver.PINNED``), and the crawl's resolver connects to exactly that answer, so a name
that answers differently the next time (DNS rebinding) cannot slip past the check.

Allowed anyway: the host of the site's own ``base_url`` when the operator configured it as an IP
literal or ``localhost`` (a mirror, the demo), and ``DEFCORPUS_SSRF_ALLOW`` (hosts or CIDR networks).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawlers import addresses
from crawlers.addresses import AddressPolicy, IPAddress, forbidden_reason, is_own_host, refusal_kind
from crawlers.resolver import PINNED

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

__all__ = ["ForbiddenAddress", "SsrfGuardMiddleware", "forbidden_reason"]

logger = logging.getLogger(__name__)


class ForbiddenAddress(IgnoreRequest):
    """The request would reach an address or scheme a crawler must not."""


class SsrfGuardMiddleware:
    """Settings: ``DEFCORPUS_SSRF_ENABLED``, ``DEFCORPUS_SSRF_ALLOW`` (list of hosts or CIDR networks)."""

    def __init__(self, crawler: Crawler, allow: list[str]) -> None:
        self.crawler = crawler
        self.policy = AddressPolicy(allow)
        self._refused: dict[str, list[IPAddress]] = {}  # answers that failed the check: not asked again

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SsrfGuardMiddleware:
        if not crawler.settings.getbool("DEFCORPUS_SSRF_ENABLED"):
            raise NotConfigured("DEFCORPUS_SSRF_ENABLED is off")
        mw = cls(crawler, crawler.settings.getlist("DEFCORPUS_SSRF_ALLOW"))
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        # Scrapy's OffsiteMiddleware drops off-site requests when they are scheduled, quietly (DEBUG); being
        # built first (order 40 < 50), this handler runs first, so a forbidden target is refused out loud.
        crawler.signals.connect(mw.request_scheduled, signal=signals.request_scheduled)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        site = getattr(spider, "site_config", None)
        host = urlsplit(site.base_url).hostname if site is not None else None
        if host and is_own_host(host):
            self.policy.allow_host(host)

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        self.process_request(request)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Also checked at download time: a request can reach the downloader without being scheduled."""
        reason = self.refusal(request.url)
        if reason is None:
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"ssrf/refused/{refusal_kind(reason)}")
        logger.warning(
            "refused %s: %s; a crawler must not reach such addresses (DEFCORPUS_SSRF_ALLOW allows a host or network)",
            request.url,
            reason,
        )
        raise ForbiddenAddress(f"refused {request.url}: {reason}")

    def refusal(self, url: str) -> str | None:
        """Why ``url`` must not be fetched, or None; a host's answer that passes is pinned for its connection."""
        reason = self.policy.scheme_refusal(url)
        if reason is not None:
            return reason
        host = (urlsplit(url).hostname or "").lower()
        if host in self._refused:
            return self.policy.address_refusal(host, self._refused[host])
        answer = PINNED.get(host)
        if answer is not None:
            return self.policy.address_refusal(host, answer)  # the very answer the connection will use
        answer = addresses.lookup(host)  # unresolvable: [], and the download fails with Scrapy's DNS error
        reason = self.policy.address_refusal(host, answer)
        if reason is not None:
            self._refused[host] = answer
            return reason
        if addresses.ip_literal(host) is None:
            PINNED.pin(host, answer)
        return None
