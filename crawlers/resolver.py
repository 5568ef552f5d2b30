"""The crawl's DNS resolver: a connection goes only to an address the SSRF check has passed.

Why: ``SsrfGuardMiddleware`` resolves a request's host and checks the answer, then the download used to
resolve it again. A name that answers a public address first and 169.254.169.254 next (DNS rebinding)
passed the check and was fetched from the metadata service. Now there is one answer per host: the
middleware pins the answer it passed (``PINNED``), and this resolver (Scrapy's
``TWISTED_DNS_RESOLVER``) hands the connection that pinned answer. A host with no pinned answer
(never checked, or dropped from the cache) is resolved here and checked here, so an answer that was
not checked is never connected to; a refused one gives no address, and the download fails with
Scrapy's DNS lookup error before a byte is sent. The Host header and the TLS server name stay the
URL's host: only the address is chosen here.

IP literals pass unchanged: nothing can rebind them, and the middleware has judged them.
Like Scrapy's own DNS cache, answers are kept for the crawl (``DNSCACHE_SIZE`` hosts, least recently
used dropped first).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from twisted.internet import defer
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IHostResolution
from twisted.internet.threads import deferToThreadPool
from zope.interface import implementer

from crawlers import addresses
from crawlers.addresses import AddressPolicy, IPAddress

if TYPE_CHECKING:
    from twisted.internet.interfaces import IAddress

logger = logging.getLogger(__name__)


class PinnedAnswers:
    """Checked DNS answers by host, least recently used dropped past ``limit``; thread-safe."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._answers: OrderedDict[str, list[IPAddress]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, host: str) -> list[IPAddress] | None:
        with self._lock:
            answer = self._answers.get(host.lower())
            if answer is not None:
                self._answers.move_to_end(host.lower())
            return answer

    def pin(self, host: str, answer: list[IPAddress]) -> None:
        if not answer:
            return  # nothing to connect to: the download fails on its own
        with self._lock:
            self._answers[host.lower()] = list(answer)
            self._answers.move_to_end(host.lower())
            while len(self._answers) > max(self.limit, 1):
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


PINNED = PinnedAnswers()


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:  # the lookup runs to its end; its answer is simply not used
        pass


@implementer(IHostnameResolver)
class GuardedResolver:
    """Settings: ``DEFCORPUS_SSRF_ENABLED``, ``DEFCORPUS_SSRF_ALLOW``, ``DNSCACHE_SIZE``."""

    def __init__(self, reactor: Any, policy: AddressPolicy | None, pins: PinnedAnswers = PINNED) -> None:
        self.reactor = reactor
        self.policy = policy  # None: the guard is off, answers are pinned but not checked
        self.pins = pins

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        """``crawler`` is Scrapy's CrawlerProcess here; only its settings are read."""
        settings = crawler.settings
        PINNED.limit = settings.getint("DNSCACHE_SIZE") or PINNED.limit
        enabled = settings.getbool("DEFCORPUS_SSRF_ENABLED")
        return cls(reactor, AddressPolicy(settings.getlist("DEFCORPUS_SSRF_ALLOW")) if enabled else None)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)  # also serves reactor.resolver (connectTCP by name)

    def resolveHostName(  # noqa: N802 - Twisted's IHostnameResolver names
        self,
        resolutionReceiver: Any,  # noqa: N803 - an IResolutionReceiver (zope interfaces confuse mypy)
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Sequence[type[IAddress]] | None = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> IHostResolution:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        answer = self.answer(hostName)
        answer.addErrback(self._lookup_failed, hostName)
        answer.addCallback(self._deliver, resolutionReceiver, portNumber, addressTypes)
        return resolution  # type: ignore[return-value]  # zope's @implementer is invisible to mypy

    def answer(self, host: str) -> defer.Deferred[list[IPAddress]]:
        """The addresses a connection to ``host`` may use: pinned, literal, or looked up and checked now."""
        literal = addresses.ip_literal(host)
        if literal is not None:
            return defer.succeed([literal])
        pinned = self.pins.get(host)
        if pinned is not None:
            return defer.succeed(pinned)
        looked_up: defer.Deferred[list[IPAddress]] = deferToThreadPool(
            self.reactor, self.reactor.getThreadPool(), addresses.lookup, host
        )
        return looked_up.addCallback(self._checked, host)

    def _checked(self, answer: list[IPAddress], host: str) -> list[IPAddress]:
        reason = self.policy.address_refusal(host, answer) if self.policy is not None else None
        if reason is not None:
            logger.warning(
                "refused to connect to %s: %s; a crawler must not reach such addresses "
                "(DEFCORPUS_SSRF_ALLOW allows a host or network)",
                host,
                reason,
            )
            return []
        self.pins.pin(host, answer)
        return answer

    @staticmethod
    def _lookup_failed(failure: Any, host: str) -> list[IPAddress]:
        logger.info("cannot resolve %s: %s", host, failure.getErrorMessage())
        return []

    @staticmethod
    def _deliver(
        answer: list[IPAddress],
        receiver: Any,  # an IResolutionReceiver
        port: int,
        address_types: Sequence[type[IAddress]] | None,
    ) -> None:
        for address in answer:
            twisted_type = IPv4Address if address.version == 4 else IPv6Address
            if address_types is None or twisted_type in address_types:
                receiver.addressResolved(twisted_type("TCP", str(address), port))
        receiver.resolutionComplete()
