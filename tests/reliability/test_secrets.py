"""Secrets: a full crawl + clean against the S3 server with distinctive fake AWS keys, and errors on
purpose; then every output is searched for the key values. Zero occurrences allowed.

Outputs searched: every log record (DEBUG and up, including botocore's own), the crawl's log lines and
report, every object in the bucket (WARC records, metadata, state, manifests, Parquet), the crawl
child's command line, error messages, and the CLI's output.
"""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import corpus
from corpus.cli import main
from corpus.errors import StoreError
from corpus.jobs import clean_site, crawl_site
from corpus.store import S3Store, open_store
from crawlers.runner import CrawlError, CrawlJob
from crawlers.sites import get_site
from tests.reliability.conftest import free_port

pytestmark = pytest.mark.reliability

ACCESS_KEY = "AKIADEFCORPUSCANARY7Q"
SECRET_KEY = "dEfCoRpUs/CaNaRy+SeCrEt/9f8e7d6c5b4a3928171605"
SESSION_TOKEN = "FwoGZXIvYXdzDEFCORPUSCANARYTOKEN//////////wEaDJ2x"
SECRETS = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
LOOPBACK = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "DEBUG", "DEFCORPUS_WARC_MAX_RECORDS": 5}


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def object_texts(store: S3Store) -> dict[str, str]:
    """Every object, decompressed when gzip (WARC members, state snapshots), as text."""
    texts = {}
    for key in store.list(""):
        data = store.read(key)
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        texts[key] = data.decode("latin-1")
    return texts


def test_no_output_of_a_full_run_carries_the_aws_keys(
    s3_server: Any, minisite: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    caplog.set_level(logging.DEBUG)
    bucket = "defcorpus-secrets"
    s3_server.client.create_bucket(Bucket=bucket)
    endpoint = s3_server.endpoint_url
    site = get_site("minisite").with_base_url(minisite.base_url)
    store = open_store(f"s3://{bucket}/corpus", s3_endpoint_url=endpoint)
    outputs: dict[str, str] = {}

    child_log: list[str] = []
    report = crawl_site(store.url, site, s3_endpoint_url=endpoint, settings=LOOPBACK, on_log=child_log.append)
    cleaned = clean_site(store, site)
    assert report["articles_fetched"] > 0 and cleaned.articles_published > 0
    outputs["crawl child log (DEBUG)"] = "\n".join(child_log)
    outputs["crawl report"] = json.dumps(report, default=str)
    outputs["crawl command line"] = " ".join(
        CrawlJob(site=site, store=store.url, s3_endpoint_url=endpoint).command(tmp_path / "r.json")
    )
    outputs["corpus rows"] = json.dumps(corpus.open(store).articles().to_pylist(), default=str)
    for key, text in object_texts(store).items():  # type: ignore[arg-type]
        outputs[f"object {key}"] = text

    errors: list[BaseException] = []
    for bad in (f"s3://no-such-bucket-{free_port()}/x", f"s3://{bucket}/corpus"):
        try:
            open_store(bad, s3_endpoint_url=endpoint if "no-such" in bad else f"http://127.0.0.1:{free_port()}").read(
                "clean/_manifests/x.json"
            )
        except StoreError as exc:
            errors.append(exc)
    try:
        crawl_site(f"s3://no-such-bucket-{free_port()}/x", site, s3_endpoint_url=endpoint, settings=LOOPBACK)
    except CrawlError as exc:
        errors.append(exc)
    assert len(errors) == 3
    outputs["error messages"] = "\n".join(f"{type(e).__name__}: {e!r} {e.__cause__!r}" for e in errors)

    runner = CliRunner()
    for args in (
        ["export", "--store", store.url, "--s3-endpoint-url", endpoint],
        ["-vv", "stats", "--store", store.url, "--s3-endpoint-url", endpoint],
        ["-vv", "clean", "--store", f"s3://no-such-bucket-{free_port()}/x", "--s3-endpoint-url", endpoint],
    ):
        result = runner.invoke(main, args)
        outputs[f"cli {args[0:2]}"] = result.output + repr(result.exception)

    outputs["log records"] = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert len(caplog.records) > 100  # botocore's debug output was on, so it was searched too

    found = {where: leaks(text) for where, text in outputs.items() if leaks(text)}
    assert found == {}
