"""The ``aws_default`` connection's keys never reach a log, a crawl report, the WARC files or the store."""

from __future__ import annotations

import gzip
import json
import logging
import os
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.dags import crawl_conf, dag_bag, no_retries

pytestmark = pytest.mark.slow

KEY_ID = "AKIADAGSECRETPROBE01"
SECRET = "dag-connection-password-5f0c1e9a"


def store_texts(endpoint_url: str, bucket: str) -> dict[str, bytes]:
    s3 = boto3.client("s3", endpoint_url=endpoint_url, aws_access_key_id="reader", aws_secret_access_key="reader")
    texts = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            data = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            texts[obj["Key"]] = gzip.decompress(data) if obj["Key"].endswith(".gz") else data
    return texts


def airflow_home_texts() -> dict[str, bytes]:
    home = Path(os.environ["AIRFLOW_HOME"])
    return {str(p): p.read_bytes() for p in home.rglob("*") if p.is_file() and p.suffix != ".db"}


def test_connection_secrets_never_leak(
    airflow_db: None,
    minisite: Any,
    s3_bucket: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint_url, bucket = s3_bucket
    monkeypatch.setenv("DEFCORPUS_STORE", f"s3://{bucket}/corpus")
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        json.dumps(
            {
                "conn_type": "aws",
                "login": KEY_ID,
                "password": SECRET,
                "extra": {"endpoint_url": endpoint_url, "region_name": "us-east-1"},
            }
        ),
    )
    # No credentials in the environment: the run can only succeed with the connection's, so they were used.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    caplog.set_level(logging.DEBUG)  # botocore at DEBUG is where credentials would show first
    bag = dag_bag()
    crawl, clean = no_retries(bag.dags["crawl_minisite"]), no_retries(bag.dags["defcorpus_clean"])
    assert crawl.test(run_conf=crawl_conf(minisite, since="2000-01-01", until="2100-01-01")).state == "success"
    assert clean.test().state == "success"

    captured = capfd.readouterr()
    outputs = {
        "stdout": captured.out.encode(),
        "stderr": captured.err.encode(),
        "logs": caplog.text.encode(),
        **airflow_home_texts(),
        **store_texts(endpoint_url, bucket),
    }
    assert any(key.endswith(".warc.gz") for key in outputs), "the run should have written WARC files"
    leaks = [name for name, text in outputs.items() if KEY_ID.encode() in text or SECRET.encode() in text]
    assert leaks == []
