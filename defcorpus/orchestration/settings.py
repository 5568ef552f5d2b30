"""Where a task's store is and how it authenticates, resolved inside the task, never at parse time.

Why at run time: DAG files are parsed by the scheduler and the DAG processor, which must not need
the store's credentials (nor reach a secrets backend) to draw a DAG. The store URL comes from the
environment (``DEFCORPUS_STORE``); the S3 endpoint and credentials from ``DEFCORPUS_S3_ENDPOINT_URL``
or the Airflow connection ``aws_default`` (login/password = key id/secret, ``endpoint_url`` and
``region_name`` in its extra), else boto3's own chain (``AWS_*`` variables, profiles, instance roles).
Secrets only ever travel in the environment of this process and of the crawl child; nothing logs them.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from corpus.env import Environment
from corpus.errors import StoreConfigError

logger = logging.getLogger(__name__)

STORE_ENV = "DEFCORPUS_STORE"
ENDPOINT_ENV = "DEFCORPUS_S3_ENDPOINT_URL"
CONN_ID_ENV = "DEFCORPUS_AWS_CONN_ID"
DEFAULT_CONN_ID = "aws_default"

# Connection extra keys (as the Amazon provider names them) -> boto3 environment variables.
_EXTRA_TO_ENV = {
    "aws_access_key_id": "AWS_ACCESS_KEY_ID",
    "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "aws_session_token": "AWS_SESSION_TOKEN",
    "region_name": "AWS_DEFAULT_REGION",
}

ConnectionGetter = Callable[[str], Any]


@dataclass(frozen=True)
class StoreSettings:
    """The store a task uses. ``aws_env`` holds credentials: it is left out of ``repr``."""

    store_url: str
    s3_endpoint_url: str | None = None
    aws_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    source: str = "environment"


def _airflow_connection(conn_id: str) -> Any:
    """The connection, or None if it is not defined (Task SDK inside a task, core outside)."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


def resolve_store_settings(
    environ: Mapping[str, str] | None = None, get_connection: ConnectionGetter | None = None
) -> StoreSettings:
    """Read the store settings for this task run (see the module docstring for the order)."""
    env = Environment.read(environ)
    store_url = env.store
    if not store_url:
        raise StoreConfigError(
            f"{STORE_ENV} is not set: set it to a directory, file:///dir or s3://bucket/prefix "
            "in the environment of the Airflow workers"
        )
    endpoint = env.s3_endpoint_url or None
    if not store_url.lower().startswith("s3://"):
        return StoreSettings(store_url)
    conn_id = env.aws_conn_id or DEFAULT_CONN_ID
    conn = (get_connection or _airflow_connection)(conn_id)
    if conn is None:
        return StoreSettings(store_url, endpoint)
    extra: dict[str, Any] = conn.extra_dejson or {}
    aws_env = {name: str(extra[key]) for key, name in _EXTRA_TO_ENV.items() if extra.get(key)}
    if conn.login and conn.password:
        aws_env["AWS_ACCESS_KEY_ID"] = conn.login
        aws_env["AWS_SECRET_ACCESS_KEY"] = conn.password
    endpoint = endpoint or extra.get("endpoint_url") or None
    return StoreSettings(store_url, endpoint, aws_env, source=f"connection {conn_id}")


@contextlib.contextmanager
def aws_environment(settings: StoreSettings) -> Iterator[None]:
    """Expose the connection's credentials to boto3 and the crawl child for one block, then restore.

    Why the environment: the crawl runs in a child process that inherits it, and boto3 reads it when
    the store builds its client; nothing has to pass secrets on a command line.
    """
    saved = {name: os.environ.get(name) for name in settings.aws_env}
    os.environ.update(settings.aws_env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
