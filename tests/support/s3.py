"""Pytest plugin: one in-process moto S3 server per session, fresh buckets per test.

Why a real HTTP server (not ``mock_aws``): the store must be exercised through its
actual endpoint handling, retries and error mapping, exactly as against MinIO or AWS.
Register with ``pytest_plugins = ["tests.support.s3"]`` in the root conftest.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from corpus.store import Store, open_store

_DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# Anything that could point boto3 at a real account or another endpoint is removed.
_CLEARED_ENV = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "DEFCORPUS_S3_ENDPOINT_URL",
)


@dataclass(frozen=True)
class S3Server:
    """Handle on the running moto server, with one admin client for fixtures."""

    endpoint_url: str
    client: Any


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """Start moto on 127.0.0.1 with an OS-chosen port; dummy credentials for the session."""
    from moto.server import ThreadedMotoServer  # heavy import, only when S3 tests run

    empty_config = tmp_path_factory.mktemp("aws") / "missing"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in _DUMMY_ENV.items():
            mp.setenv(name, value)
        for name in _CLEARED_ENV:
            mp.delenv(name, raising=False)
        mp.setenv("AWS_CONFIG_FILE", str(empty_config))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty_config))
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint_url = f"http://{host}:{port}"
            client = boto3.session.Session().client("s3", endpoint_url=endpoint_url)
            yield S3Server(endpoint_url=endpoint_url, client=client)
        finally:
            server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> tuple[str, str]:
    """A fresh, uniquely named bucket: ``(endpoint_url, bucket)``."""
    bucket = f"defcorpus-test-{uuid.uuid4().hex[:16]}"
    s3_server.client.create_bucket(Bucket=bucket)
    return s3_server.endpoint_url, bucket


@pytest.fixture(params=["local", "s3"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """The same behaviour test runs against both backends."""
    if request.param == "local":
        return open_store(str(tmp_path / "store"))
    endpoint_url, bucket = request.getfixturevalue("s3_bucket")
    return open_store(f"s3://{bucket}/corpus", s3_endpoint_url=endpoint_url)
