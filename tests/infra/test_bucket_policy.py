"""infra/s3/bucket-policy.json allows what each documented reader and the pipeline really ask S3 for.

No S3 server here evaluates IAM policies (moto's does not), so ``decide`` below applies the policy's
statements the way S3 does for the operators this file uses (Allow needed, any Deny wins, a missing
condition key fails a positive operator and passes a negated one). The requests it judges are not
written by hand: they are recorded from ``defcorpus export`` and ``corpus.open`` running against the
loopback S3 server, plus the two requests every file reader (pyarrow, pandas, Polars, DuckDB) makes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import botocore.client
import pytest
from click.testing import CliRunner

import corpus
from corpus.store import open_store
from corpus.table import publish
from defcorpus.cli import main
from tests.support.articles import make_article
from tests.support.s3 import S3Server

POLICY = json.loads((Path(__file__).resolve().parents[2] / "infra" / "s3" / "bucket-policy.json").read_text())
BUCKET = "defcorpus"
ACCOUNT = "arn:aws:iam::111122223333:role/"
READER, PIPELINE, STRANGER = ACCOUNT + "defcorpus-reader", ACCOUNT + "defcorpus-pipeline", ACCOUNT + "someone-else"
Request = tuple[str, str, dict[str, str]]  # IAM action, resource ARN, request context


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


_TESTS: dict[str, Any] = {
    "StringLike": lambda got, values: any(fnmatchcase(got, v) for v in values),
    "StringEquals": lambda got, values: got in values,
    "Bool": lambda got, values: got in values,
    "NumericLessThanEquals": lambda got, values: float(got) <= min(map(float, values)),
    "ArnNotEquals": lambda got, values: got not in values,
}


def _condition_holds(operator: str, wanted: dict[str, Any], context: dict[str, str]) -> bool:
    """One condition block: every key must pass; a missing key passes only a negated operator."""
    if operator not in _TESTS:
        raise AssertionError(f"decide() does not know {operator}")
    for key, values in wanted.items():
        got = context.get(key)
        if got is None:
            if "Not" not in operator:
                return False
            continue
        if not _TESTS[operator](got, [str(v) for v in _listed(values)]):
            return False
    return True


def _applies(statement: dict[str, Any], principal: str, request: Request) -> bool:
    action, resource, context = request
    who = statement["Principal"]
    if who != "*" and principal not in _listed(who["AWS"]):
        return False
    if not any(fnmatchcase(action, a) for a in _listed(statement["Action"])):
        return False
    if not any(fnmatchcase(resource, r) for r in _listed(statement["Resource"])):
        return False
    full = {"aws:SecureTransport": "true", "aws:PrincipalArn": principal, **context}
    return all(_condition_holds(op, keys, full) for op, keys in statement.get("Condition", {}).items())


def decide(principal: str, request: Request) -> bool:
    applying = [s for s in POLICY["Statement"] if _applies(s, principal, request)]
    return any(s["Effect"] == "Allow" for s in applying) and not any(s["Effect"] == "Deny" for s in applying)


def as_iam(operation: str, params: dict[str, Any]) -> Request:
    """A recorded S3 call as the action, resource and condition keys IAM judges."""
    bucket = f"arn:aws:s3:::{BUCKET}"
    if operation in ("ListObjectsV2", "ListObjects"):
        context = {"s3:prefix": params.get("Prefix", ""), "s3:max-keys": str(params.get("MaxKeys", 1000))}
        return "s3:ListBucket", bucket, context
    if operation in ("GetObject", "HeadObject"):
        return "s3:GetObject", f"{bucket}/{params['Key']}", {}
    raise AssertionError(f"a reader made a {operation} call: which IAM action is it?")


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every S3 API call boto3 makes in the test, as (operation, parameters); the calls still go out."""
    calls: list[tuple[str, dict[str, Any]]] = []
    real = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.append((operation, dict(params)))
        return real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    yield calls


def test_what_export_and_corpus_open_ask_for_is_allowed_to_readers_only(
    s3_server: S3Server, recorded: list[tuple[str, dict[str, Any]]]
) -> None:
    if "defcorpus" not in {b["Name"] for b in s3_server.client.list_buckets()["Buckets"]}:
        s3_server.client.create_bucket(Bucket=BUCKET)
    url = f"s3://{BUCKET}/corpus"
    store = open_store(url, s3_endpoint_url=s3_server.endpoint_url)
    publish(store, "minisite", [make_article("a"), make_article("b")], "20230201T000000Z-0000beef", [])
    recorded.clear()  # from here on, only what readers do
    result = CliRunner().invoke(main, ["export", "--store", url, "--s3-endpoint-url", s3_server.endpoint_url])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2, result.output
    assert corpus.open(url, s3_endpoint_url=s3_server.endpoint_url).articles().num_rows == 2
    # HeadBucket (the store's first check) needs an unconditioned s3:ListBucket, which readers do not
    # get: the store takes its 403 as "object calls will tell" (corpus/store.py), so it may be refused.
    requests = [as_iam(op, params) for op, params in recorded if op != "HeadBucket"]
    assert len(requests) < len(recorded)
    assert {action for action, _, _ in requests} == {"s3:ListBucket", "s3:GetObject"}
    refused = [r for r in requests if not decide(READER, r)]
    assert refused == []
    assert not any(decide(STRANGER, r) for r in requests)


FILE_READERS: list[Request] = [  # pyarrow, pandas, Polars and DuckDB on s3://defcorpus/corpus/clean/
    ("s3:ListBucket", f"arn:aws:s3:::{BUCKET}", {"s3:prefix": "corpus/clean/", "s3:max-keys": "1000"}),
    ("s3:GetObject", f"arn:aws:s3:::{BUCKET}/corpus/clean/site=minisite/month=2022-12/b-0.parquet", {}),
]


@pytest.mark.parametrize("request_", FILE_READERS, ids=["list clean/", "read a file"])
def test_file_readers_may_list_and_read_clean(request_: Request) -> None:
    assert decide(READER, request_)


@pytest.mark.parametrize(
    ("action", "key", "context"),
    [
        ("s3:ListBucket", "", {"s3:prefix": "corpus/raw/", "s3:max-keys": "1000"}),
        ("s3:ListBucket", "", {"s3:prefix": "corpus/", "s3:max-keys": "1000"}),  # a listing of everything
        ("s3:GetObject", "corpus/raw/site=minisite/2023/02/x-00000.warc.gz", {}),
        ("s3:GetObject", "airflow-logs/dag_id=x/run.log", {}),
        ("s3:PutObject", "corpus/clean/site=minisite/month=2022-12/evil.parquet", {}),
    ],
)
def test_readers_see_nothing_but_the_published_corpus(action: str, key: str, context: dict[str, str]) -> None:
    resource = f"arn:aws:s3:::{BUCKET}" + (f"/{key}" if key else "")
    assert not decide(READER, (action, resource, context))


def test_the_pipeline_writes_but_nobody_deletes_raw_and_plain_http_is_refused() -> None:
    clean_file = f"arn:aws:s3:::{BUCKET}/corpus/clean/site=minisite/month=2022-12/b-0.parquet"
    raw_file = f"arn:aws:s3:::{BUCKET}/corpus/raw/site=minisite/2023/02/x-00000.warc.gz"
    assert decide(PIPELINE, ("s3:PutObject", clean_file, {}))
    assert decide(PIPELINE, ("s3:DeleteObject", clean_file, {}))
    assert not decide(PIPELINE, ("s3:DeleteObject", raw_file, {}))
    assert not decide(READER, ("s3:GetObject", clean_file, {"aws:SecureTransport": "false"}))
