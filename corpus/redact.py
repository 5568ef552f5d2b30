"""Keep credentials out of every log record, message and URL defcorpus shows or stores.

Why: at DEBUG (``defcorpus -vv``, Scrapy's default log level in the crawl child) botocore logs every
request with its headers and its endpoint: the access key id (``Authorization: ... Credential=``), a
session token (``X-Amz-Security-Token``), and the user info of an endpoint URL such as
``http://user:pass@minio:9000`` would land in task logs. Three rules, applied to the records of
every logger (a log record factory, so child loggers such as ``botocore.regions`` are covered too,
and filters on the AWS loggers, in case another library replaces the factory):

- the user info of any URL in a message becomes ``<redacted>@``;
- credential-bearing header fields keep their name and lose their value;
- the credential values the store's clients use (``remember``) are replaced wherever they appear.

``without_userinfo`` drops an endpoint URL's user info before botocore sees it: S3 requests are
signed with the AWS credentials, so it was never used, only logged.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

REDACTED = "<redacted>"
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s'\"<>@]+@")
_FIELDS = re.compile(
    r"(Credential=|X-Amz-Credential=|x-amz-security-token['\"]?:\s*b?['\"]?|X-Amz-Security-Token=)"
    r"[^\s'\",&/]+",
    re.IGNORECASE,
)
_MIN_VALUE = 8  # shorter values are only scrubbed where a rule above finds them: not every "pass" is one
LOGGERS = (
    "botocore",
    "botocore.auth",
    "botocore.endpoint",
    "botocore.awsrequest",
    "botocore.httpsession",
    "botocore.hooks",
    "botocore.parsers",
    "botocore.regions",
    "botocore.retryhandler",
    "botocore.credentials",
    "s3transfer",
    "urllib3.connectionpool",
)

_values: set[str] = set()
_lock = threading.Lock()
_warned: set[str] = set()


def remember(values: Iterable[str | None]) -> None:
    """Scrub these credential values from every later log record."""
    with _lock:
        _values.update(v for v in values if v and len(v) >= _MIN_VALUE)


def remember_credentials_of(session: Any) -> None:
    """Remember a boto3 session's credential values, so log records that carry them are scrubbed."""
    credentials = session.get_credentials()
    if credentials is None:
        return
    frozen = credentials.get_frozen_credentials()
    remember((frozen.access_key, frozen.secret_key, frozen.token))


def text(value: str) -> str:
    """``value`` with URL user info, credential header fields and remembered credentials removed."""
    scrubbed = _FIELDS.sub(lambda m: f"{m.group(1)}{REDACTED}", _USERINFO.sub(rf"\1{REDACTED}@", value))
    for secret in _values:
        scrubbed = scrubbed.replace(secret, REDACTED)
    return scrubbed


def url(value: str) -> str:
    """Drop user info, query and fragment, so that messages naming a URL never carry secrets."""
    parts = urlsplit(value)
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=host, query="", fragment="").geturl()


def without_userinfo(endpoint: str | None) -> str | None:
    """The endpoint URL without its user info, which is remembered for scrubbing and said to be unused."""
    if not endpoint or "@" not in urlsplit(endpoint).netloc:
        return endpoint
    parts = urlsplit(endpoint)
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    remember((userinfo, user, password, unquote(user), unquote(password)))
    clean = parts._replace(netloc=host).geturl()
    if clean not in _warned:
        _warned.add(clean)
        logger.warning(
            "the user info in the S3 endpoint URL %s is not used and was dropped: S3 requests are signed "
            "with the AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
            clean,
        )
    return clean


def scrub_record(record: logging.LogRecord) -> None:
    """Scrub a record's message and its exception text, in place, once."""
    if getattr(record, "_defcorpus_scrubbed", False):
        return
    record._defcorpus_scrubbed = True
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is logging's own business to report
        return
    scrubbed = text(message)
    if scrubbed != message:
        record.msg, record.args = scrubbed, None
    if record.exc_info and not record.exc_text:
        record.exc_text = text(logging.Formatter().formatException(record.exc_info))


class _Filter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


def install() -> None:
    """Scrub every record at its creation, whatever its logger; idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_defcorpus_scrubs", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        scrub_record(record)
        return record

    factory._defcorpus_scrubs = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
    for name in LOGGERS:
        logging.getLogger(name).addFilter(_FILTER)


_FILTER = _Filter()
