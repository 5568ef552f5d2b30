"""infra/s3/*.json: the bucket policy and lifecycle rules parse, say what docs/operations.md promises,
match the store layout, and are accepted by an S3 API (moto's server, through botocore's validation).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corpus import layout
from tests.support.s3 import S3Server

S3_DIR = Path(__file__).resolve().parents[2] / "infra" / "s3"
BUCKET, STORE_PREFIX = "defcorpus", "corpus/"  # DEFCORPUS_STORE=s3://defcorpus/corpus in compose and Helm


def load(name: str) -> dict[str, Any]:
    return json.loads((S3_DIR / name).read_text())


def rules(name: str) -> dict[str, dict[str, Any]]:
    return {rule["ID"]: rule for rule in load(name)["Rules"]}


def test_every_json_file_parses() -> None:
    names = sorted(p.name for p in S3_DIR.glob("*.json"))
    assert names == ["bucket-policy.json", "lifecycle-minio.json", "lifecycle.json", "minio-pipeline-policy.json"]
    for name in names:
        load(name)


def test_raw_warc_moves_to_infrequent_access_after_30_days() -> None:
    raw = [r for r in rules("lifecycle.json").values() if r.get("Transitions")]
    (rule,) = raw
    assert rule["Status"] == "Enabled"
    assert rule["Filter"]["Prefix"] == STORE_PREFIX + layout.RAW_PREFIX
    first = min(rule["Transitions"], key=lambda t: t["Days"])
    assert first["StorageClass"] == "STANDARD_IA" and first["Days"] >= 30  # S3's minimum for STANDARD_IA


def test_temporary_keys_expire() -> None:
    lifecycle = rules("lifecycle.json")
    expiring = {r["Filter"]["Prefix"]: r["Expiration"]["Days"] for r in lifecycle.values() if "Expiration" in r}
    assert expiring["tmp/"] <= 7
    assert "airflow-logs/" in expiring
    aborts = [r for r in lifecycle.values() if "AbortIncompleteMultipartUpload" in r]
    assert aborts and aborts[0]["Filter"]["Prefix"] == ""
    # Nothing the corpus needs ever expires.
    assert not any(prefix.startswith(STORE_PREFIX) for prefix in expiring)


def test_minio_rules_are_the_aws_rules_minio_can_apply() -> None:
    """MinIO has no STANDARD_IA class (transitions need a remote tier), so its file drops transitions."""
    aws, minio = rules("lifecycle.json"), rules("lifecycle-minio.json")
    assert set(minio) <= set(aws)
    assert all(minio[rid] == aws[rid] and "Transitions" not in minio[rid] for rid in minio)
    assert any("Expiration" in r and r["Filter"]["Prefix"] == "tmp/" for r in minio.values())


def test_bucket_policy_denies_plain_http_protects_raw_and_names_only_this_bucket() -> None:
    statements = {s["Sid"]: s for s in load("bucket-policy.json")["Statement"]}
    tls = statements["DenyInsecureTransport"]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    immutable = statements["RawWarcIsImmutable"]
    assert immutable["Effect"] == "Deny" and immutable["Action"] == "s3:DeleteObject"
    assert immutable["Resource"] == f"arn:aws:s3:::{BUCKET}/{STORE_PREFIX}{layout.RAW_PREFIX}*"
    for statement in statements.values():
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert all(r == f"arn:aws:s3:::{BUCKET}" or r.startswith(f"arn:aws:s3:::{BUCKET}/") for r in resources)
        assert not (statement["Effect"] == "Allow" and statement["Principal"] == "*"), "no anonymous access"


@pytest.mark.parametrize("name", ["lifecycle.json", "lifecycle-minio.json"])
def test_an_s3_api_accepts_the_lifecycle_rules(name: str, s3_server: S3Server, s3_bucket: tuple[str, str]) -> None:
    _, bucket = s3_bucket
    config = load(name)
    s3_server.client.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=config)
    stored = s3_server.client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert {r["ID"] for r in stored} == {r["ID"] for r in config["Rules"]}


def test_an_s3_api_accepts_the_bucket_policy(s3_server: S3Server, s3_bucket: tuple[str, str]) -> None:
    _, bucket = s3_bucket
    policy = (S3_DIR / "bucket-policy.json").read_text().replace(f":::{BUCKET}", f":::{bucket}")
    s3_server.client.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert json.loads(s3_server.client.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(policy)
