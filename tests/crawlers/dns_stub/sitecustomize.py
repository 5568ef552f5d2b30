"""A rebinding DNS stand-in for crawl subprocesses: on PYTHONPATH, it answers the names a test lists.

``DEFCORPUS_TEST_DNS_ANSWERS`` is JSON, ``{"name": ["first answer", "second answer", ...]}``: each lookup
of a name gets the next answer, the last one repeating (what a rebinding DNS server does). Other
names go to the real resolver. Each stubbed lookup is appended to ``DEFCORPUS_TEST_DNS_LOG``.
Test code only: it is imported only by processes whose PYTHONPATH a test set to this folder.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from typing import Any

_ANSWERS: dict[str, list[str]] = json.loads(os.environ.get("DEFCORPUS_TEST_DNS_ANSWERS", "{}"))
_LOG = os.environ.get("DEFCORPUS_TEST_DNS_LOG")
_asked: dict[str, int] = {}
_lock = threading.Lock()
_real_getaddrinfo = socket.getaddrinfo
_real_gethostbyname = socket.gethostbyname


def _answer(host: str) -> str | None:
    answers = _ANSWERS.get(host.lower().rstrip("."))
    if not answers:
        return None
    with _lock:
        n = _asked.get(host, 0)
        _asked[host] = n + 1
        answer = answers[min(n, len(answers) - 1)]
        if _LOG:
            with open(_LOG, "a") as log:  # noqa: PTH123 - one line per lookup, from any thread
                log.write(f"{host} {answer}\n")
    return answer


def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    answer = _answer(name) if isinstance(name, str) else None
    if answer is None:
        return _real_getaddrinfo(host, port, *args, **kwargs)
    return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (answer, int(port or 0)))]


def gethostbyname(host: str) -> str:
    return _answer(host) or _real_gethostbyname(host)


if _ANSWERS:
    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = gethostbyname
