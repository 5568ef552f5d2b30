"""Refuse requests to addresses a crawler must never reach, whatever a publisher's page or redirect says.

Loopback, private, link-local (169.254.169.254 is the cloud metadata service: a crawler in a cloud
must never fetch its own credentials), multicast, reserved and unspecified addresses, and any scheme
but http(s). Redirects pass through the downloader middlewares again, so they are checked too. Host
names are resolved here, so a public name that resolves to a private address is refused as well.

Allowed anyway: the host of the site's own ``base_url`` when the operator configured it as an IP
literal or ``localhost`` (a mirror, the demo), and ``DEFCORPUS_SSRF_ALLOW`` (hosts or CIDR networks).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ForbiddenAddress(IgnoreRequest):
    """The request would reach an address or scheme a crawler must not."""


def forbidden_reason(address: IPAddress) -> str | None:
    """Why an address is off limits, or None for an ordinary public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for reason in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(address, f"is_{reason}"):
            return reason.replace("_", "-")
    return None


class SsrfGuardMiddleware:
    """Settings: ``DEFCORPUS_SSRF_ENABLED``, ``DEFCORPUS_SSRF_ALLOW`` (list of hosts or CIDR networks)."""

    def __init__(self, crawler: Crawler, allow: list[str]) -> None:
        self.crawler = crawler
        self.allowed_hosts = {a.lower() for a in allow if not _network(a)}
        self.allowed_networks = [n for a in allow if (n := _network(a))]
        self._resolved: dict[str, list[IPAddress]] = {}

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
        if host and (host == "localhost" or _is_ip(host)):
            self.allowed_hosts.add(host.lower())

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        self.process_request(request)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Also checked at download time: a request can reach the downloader without being scheduled."""
        reason = self.refusal(request.url)
        if reason is None:
            return
        assert self.crawler.stats is not None
        kind = "scheme" if reason.startswith("scheme") else reason.rsplit(" ", 2)[-2]
        self.crawler.stats.inc_value(f"ssrf/refused/{kind}")
        logger.warning(
            "refused %s: %s; a crawler must not reach such addresses (DEFCORPUS_SSRF_ALLOW allows a host or network)",
            request.url,
            reason,
        )
        raise ForbiddenAddress(f"refused {request.url}: {reason}")

    def refusal(self, url: str) -> str | None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme or '(none)'!r} is not http(s)"
        host = (parts.hostname or "").lower()
        if not host:
            return "no host"
        if host in self.allowed_hosts:
            return None
        for address in self._addresses(host):
            reason = forbidden_reason(address)
            if reason and not any(address in net for net in self.allowed_networks):
                return (
                    f"{host} is a {reason} address"
                    if host == str(address)
                    else f"{host} resolves to {address}, a {reason} address"
                )
        return None

    def _addresses(self, host: str) -> list[IPAddress]:
        if host not in self._resolved:
            try:
                self._resolved[host] = [ipaddress.ip_address(host)]
            except ValueError:
                try:
                    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
                except OSError:
                    infos = []  # unresolvable: the download fails on its own, with Scrapy's DNS error
                self._resolved[host] = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        return self._resolved[host]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _network(value: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
