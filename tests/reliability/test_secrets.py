"""Secrets: a full crawl + clean against the S3 server with distinctive fake AWS keys and an endpoint
URL carrying user info (``http://user:password@host``), and errors on purpose; then every output is
searched for the secret values. Zero occurrences allowed.

Outputs searched: every log record (DEBUG and up, including botocore's own), the crawl's log lines and
report, every object in the bucket (WARC records, metadata, state, manifests, Parquet), the crawl
child's command line as ``ps`` shows it, error messages, and the output of ``defcorpus -vvv`` commands
(run, clean, export, stats and failing ones), in this process and as real processes writing to stderr.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import corpus
from corpus.errors import StoreError
from corpus.store import S3Store, open_store
from crawlers import runner
from crawlers.runner import CrawlError, CrawlJob
from crawlers.sites import get_site
from defcorpus.clean import clean_site
from defcorpus.cli import main
from defcorpus.crawl_job import crawl_site
from tests.support.crawling import NO_PACING
from tests.support.http import free_port

pytestmark = pytest.mark.reliability

ACCESS_KEY = "AKIADEFCORPUSCANARY7Q"
SECRET_KEY = "dEfCoRpUs/CaNaRy+SeCrEt/9f8e7d6c5b4a3928171605"
SESSION_TOKEN = "FwoGZXIvYXdzDEFCORPUSCANARYTOKEN//////////wEaDJ2x"
ENDPOINT_USER = "defcorpusEndpointUser"
ENDPOINT_PASSWORD = "dEfCoRpUs-EnDpOiNt-PaSsWoRd-3c2b1a"
SECRETS = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, ENDPOINT_USER, ENDPOINT_PASSWORD)
LOOPBACK = {**NO_PACING, "LOG_LEVEL": "DEBUG", "DEFCORPUS_WARC_MAX_RECORDS": 5}


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def with_userinfo(endpoint: str) -> str:
    return endpoint.replace("://", f"://{ENDPOINT_USER}:{ENDPOINT_PASSWORD}@", 1)


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
    endpoint = with_userinfo(s3_server.endpoint_url)
    command_lines: list[str] = []
    real_popen = subprocess.Popen

    def popen(args: list[str], **kwargs: Any) -> Any:  # what `ps` shows of the crawl child
        command_lines.append(" ".join(args))
        return real_popen(args, **kwargs)

    monkeypatch.setattr(runner.subprocess, "Popen", popen)
    site = get_site("minisite").with_base_url(minisite.base_url)
    store = open_store(f"s3://{bucket}/corpus", s3_endpoint_url=endpoint)
    outputs: dict[str, str] = {}

    child_log: list[str] = []
    report = crawl_site(store.url, site, s3_endpoint_url=endpoint, settings=LOOPBACK, on_log=child_log.append)
    cleaned = clean_site(store, site)
    assert report.articles_fetched > 0 and cleaned.articles_published > 0
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
            unreachable = with_userinfo(f"http://127.0.0.1:{free_port()}")
            open_store(bad, s3_endpoint_url=endpoint if "no-such" in bad else unreachable).read(
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

    cli = CliRunner()
    site_args = ["--site", "minisite", "--base-url", minisite.base_url]
    for args in (
        ["export", "--store", store.url, "--s3-endpoint-url", endpoint],
        ["-vvv", "export", "--store", store.url, "--s3-endpoint-url", endpoint],
        ["-vvv", "stats", "--store", store.url, "--s3-endpoint-url", endpoint],
        ["-vvv", "clean", "--store", f"s3://no-such-bucket-{free_port()}/x", "--s3-endpoint-url", endpoint],
        ["-vvv", "run", *site_args, "--store", f"s3://no-such-bucket-{free_port()}/x", "--s3-endpoint-url", endpoint],
    ):
        result = cli.invoke(main, args)
        outputs[f"cli {args[0:2]}"] = result.output + repr(result.exception)
    # The endpoint given only through the environment, as a scheduler would: the crawl child gets it too.
    monkeypatch.setenv("DEFCORPUS_S3_ENDPOINT_URL", endpoint)
    # A window after every article: the routes are fetched, the articles are not (a short crawl).
    result = cli.invoke(main, ["-vvv", "run", *site_args, "--since", "2099-01-01", "--store", store.url])
    assert result.exit_code == 0, result.output
    outputs["cli -vvv run (endpoint from the environment)"] = result.output
    assert any("--site-json" in line for line in command_lines)
    outputs["crawl child command lines, as ps shows them"] = "\n".join(command_lines)
    for args in (["clean", "--site", "minisite"], ["export", "--site", "minisite"], ["clean", "--site", "nosuch"]):
        done = subprocess.run(
            [sys.executable, "-m", "defcorpus.cli", "-vvv", *args, "--store", store.url],
            env={**os.environ, "DEFCORPUS_S3_ENDPOINT_URL": endpoint},
            capture_output=True,
            text=True,
            timeout=120,
        )
        outputs[f"process defcorpus -vvv {args}"] = done.stdout + done.stderr
        assert "DEBUG botocore" in done.stderr or args[-1] == "nosuch"  # botocore's debug lines were written

    outputs["log records"] = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert len(caplog.records) > 100  # botocore's debug output was on, so it was searched too

    found = {where: leaks(text) for where, text in outputs.items() if leaks(text)}
    assert found == {}


def test_user_info_is_scrubbed_from_every_logger_and_from_tracebacks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Any logger, not only the AWS ones the store knows; messages, arguments and exception text."""
    open_store(str(tmp_path))  # installs the scrubbing, as every command that opens a store does

    url = with_userinfo("http://127.0.0.1:9000")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("botocore.somewhere.new").debug("Endpoint provider result: %s/bucket", url)
    logging.getLogger("defcorpus.anything").info(f"endpoint {url}")
    try:
        raise ConnectionError(f'Could not connect to the endpoint URL: "{url}/bucket"')
    except ConnectionError:
        logging.getLogger("urllib3.util.retry").exception("retrying")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for record in caplog.records:
        handler.handle(record)
    written = stream.getvalue()
    assert "http://<redacted>@127.0.0.1:9000/bucket" in written and "Traceback" in written
    assert leaks(written) == []
