"""One bounded, guarded HTTP GET for ``defcorpus sites add``, which runs outside the crawl's Scrapy stack.

Why each bound, from what publishers (or an attacker posing as one) served to onboarding:

- **SSRF**: every hop's host is resolved once and checked with the crawl's own rule
  (``crawlers.addresses``), and the connection goes to the address that was checked, so neither a
  redirect to a private address or the metadata service nor a name that rebinds is ever reached.
  Redirects are followed here, hop by hop, never by the HTTP library.
- **Time**: one deadline for the whole request (connection, TLS, headers, body, redirects); each read
  gets only the time left, so a server dripping a byte every few seconds cannot hold it longer.
- **Size**: at most ``max_bytes`` on the wire and, for gzip, at most ``max_bytes`` inflated: a gzip bomb
  is inflated a piece at a time and refused once past the limit, in bounded memory.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawlers import addresses
from crawlers.addresses import AddressPolicy, IPAddress

MiB = 1024 * 1024
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_GZIP_MAGIC = b"\x1f\x8b"


class FetchError(Exception):
    """A request that gave no usable answer; the message is one line naming the URL and why."""


@dataclass(frozen=True)
class Limits:
    deadline: float = 30.0  # seconds for the whole request, redirects included
    max_bytes: int = 16 * MiB  # on the wire, and again inflated
    max_redirects: int = 5


@dataclass(frozen=True)
class Answer:
    url: str  # after redirects
    status: int
    content_type: str
    body: bytes  # inflated; empty unless the status is 2xx


def fetch(url: str, policy: AddressPolicy, headers: dict[str, str], limits: Limits | None = None) -> Answer:
    """GET ``url``, following redirects hop by hop; raises FetchError."""
    limits = limits or Limits()
    deadline = time.monotonic() + limits.deadline
    for _ in range(limits.max_redirects + 1):
        status, response_headers, body = _get(url, _checked_addresses(url, policy), headers, deadline, limits)
        location = response_headers.get("location")
        if status in REDIRECTS and location:
            url = urljoin(url, location)
            continue
        if body[:2] == _GZIP_MAGIC or response_headers.get("content-encoding", "").lower() in ("gzip", "x-gzip"):
            body = inflate(body, limits.max_bytes, url)
        return Answer(url, status, response_headers.get("content-type", ""), body)
    raise FetchError(f"{url}: more than {limits.max_redirects} redirects")


def _checked_addresses(url: str, policy: AddressPolicy) -> list[IPAddress]:
    reason = policy.scheme_refusal(url)
    host = urlsplit(url).hostname or ""
    answer = addresses.lookup(host) if reason is None else []
    if reason is None and not answer:
        raise FetchError(f"{url}: cannot resolve {host}")
    reason = reason or policy.address_refusal(host, answer)
    if reason is not None:
        raise FetchError(f"refused {url}: {reason}; a crawler must not reach such addresses")
    return answer


def _get(
    url: str, answer: list[IPAddress], headers: dict[str, str], deadline: float, limits: Limits
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    conn: _PinnedHTTP | None = None
    try:
        conn = kind(parts.hostname or "", parts.port, answer, deadline)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        found = {k.lower(): v for k, v in response.getheaders()}
        body = _read(response, limits.max_bytes, url) if 200 <= response.status < 300 else b""
        return response.status, found, body
    except TimeoutError:
        raise FetchError(f"{url}: no whole answer within {limits.deadline:g} s") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}".rstrip(": ")) from None
    finally:
        if conn is not None:
            conn.close()


def _read(response: http.client.HTTPResponse, limit: int, url: str) -> bytes:
    declared = response.getheader("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(f"{url}: {int(declared)} bytes announced, more than the {limit // MiB} MiB limit")
    body = bytearray()
    while chunk := response.read(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise FetchError(f"{url}: more than the {limit // MiB} MiB limit")
    return bytes(body)


def inflate(data: bytes, limit: int, url: str) -> bytes:
    """Inflate gzip (or zlib) members a piece at a time; refuse past ``limit`` bytes, before holding them."""
    out = bytearray()
    rest = data
    while rest:
        inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header, detected
        try:
            out += inflater.decompress(rest, limit + 1 - len(out))  # max_length >= 1: 0 would mean no limit
        except zlib.error as exc:
            raise FetchError(f"{url}: not valid gzip: {exc}") from None
        if len(out) > limit:
            raise FetchError(f"{url}: gzip body inflates past the {limit // MiB} MiB limit (a gzip bomb?)")
        if not inflater.eof:
            raise FetchError(f"{url}: gzip body is truncated")
        rest = inflater.unused_data
        if not rest.startswith(_GZIP_MAGIC):
            break  # trailing padding, as gzip tools ignore it
    return bytes(out)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline passed")
    return left


class _DeadlineSocket:
    """A socket whose every read and write gets only the time left before the request's deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def recv_into(self, buffer: Any, nbytes: int = 0) -> int:
        self._sock.settimeout(_left(self._deadline))
        return self._sock.recv_into(buffer, nbytes)

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(_left(self._deadline))  # sendall's timeout bounds the whole send
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(socket.SocketIO(self, "rb"))  # type: ignore[arg-type]

    def _decref_socketios(self) -> None:  # called by SocketIO.close
        pass

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        self._sock.close()


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to a checked address; the Host header (and TLS name) stay the URL's host."""

    def __init__(self, host: str, port: int | None, answer: list[IPAddress], deadline: float) -> None:
        super().__init__(host, port)
        self._answer = answer
        self._deadline = deadline

    def connect(self) -> None:
        problem: OSError | None = None
        for address in self._answer:
            try:
                sock = socket.create_connection((str(address), self.port), timeout=_left(self._deadline))
            except TimeoutError:
                raise
            except OSError as exc:
                problem = exc
                continue
            try:
                self.sock = _DeadlineSocket(self._secure(sock), self._deadline)
            except BaseException:
                sock.close()
                raise
            return
        raise problem or OSError("no address to connect to")

    def _secure(self, sock: socket.socket) -> socket.socket:
        return sock


class _PinnedHTTPS(_PinnedHTTP):
    default_port = 443

    def _secure(self, sock: socket.socket) -> socket.socket:
        sock.settimeout(_left(self._deadline))  # the handshake's reads share one deadline in CPython's ssl
        return ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
