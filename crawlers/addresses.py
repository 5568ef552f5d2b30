"""Which addresses a crawler may reach: the one check shared by the crawl and by ``sites add``.

Loopback, private, link-local (169.254.169.254 is the cloud metadata service: a crawler in a cloud
must never fetch its own credentials), multicast, reserved and unspecified addresses are off limits,
and so is any scheme but http(s). Allowed anyway: hosts and networks the operator names, and the
host of a site's own ``base_url`` when it is an IP literal or ``localhost`` (a mirror, the demo).

Why a host name's addresses are passed in rather than looked up here: a name can answer differently
each time it is asked (DNS rebinding), so whoever checks an answer must also be the one who connects
to it. The crawl pins checked answers (``crawlers.resolver``); onboarding connects to the checked
address itself (``crawlers.http_fetch``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def forbidden_reason(address: IPAddress) -> str | None:
    """Why an address is off limits, or None for an ordinary public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for reason in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(address, f"is_{reason}"):
            return reason.replace("_", "-")
    return None


def ip_literal(host: str) -> IPAddress | None:
    """The address a host names literally (``10.0.0.1``, ``::1``), or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


def lookup(host: str) -> list[IPAddress]:
    """Every address ``host`` resolves to now, in the resolver's order; [] when it does not resolve."""
    literal = ip_literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    found = (ip_literal(str(info[4][0])) for info in infos)
    return list(dict.fromkeys(a for a in found if a is not None))


def is_own_host(host: str) -> bool:
    """A site configured at an IP literal or ``localhost`` is allowed to be reached there."""
    return host == "localhost" or ip_literal(host) is not None


class AddressPolicy:
    """The allow list and the check; ``allow`` holds host names and CIDR networks."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        allow = list(allow)
        self.allowed_hosts = {a.lower() for a in allow if _network(a) is None}
        self.allowed_networks = [n for a in allow if (n := _network(a)) is not None]

    def allow_host(self, host: str) -> None:
        self.allowed_hosts.add(host.lower())

    def scheme_refusal(self, url: str) -> str | None:
        """Why a URL is refused before any address is looked at (its scheme, no host), or None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme or '(none)'!r} is not http(s)"
        if not parts.hostname:
            return "no host"
        return None

    def host_allowed(self, host: str) -> bool:
        return host.lower() in self.allowed_hosts

    def address_refusal(self, host: str, addresses: Iterable[IPAddress]) -> str | None:
        """Why ``host``, answering ``addresses``, must not be reached; None when every address may be."""
        host = host.lower()
        if host in self.allowed_hosts:
            return None
        for address in addresses:
            reason = forbidden_reason(address)
            if reason and not any(address in net for net in self.allowed_networks):
                shown = host.strip("[]")
                return (
                    f"{shown} is a {reason} address"
                    if ip_literal(shown) == address
                    else f"{shown} resolves to {address}, a {reason} address"
                )
        return None


def refusal_kind(reason: str) -> str:
    """The short kind a refusal is counted under: ``scheme``, ``link-local``, ``private``, …"""
    return "scheme" if reason.startswith("scheme") else reason.rsplit(" ", 2)[-2]


def _network(value: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
