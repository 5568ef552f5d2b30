"""What importing and opening a store costs a process: boto3 only for an s3:// store, scrubbing on open.

Each check runs in a fresh interpreter, so what it sees in ``sys.modules`` and the log record factory
is what that sequence of calls did, not what earlier tests in this process imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_AWS = ("boto3", "botocore", "s3transfer")

_PROBE = """
import json, logging, sys
import corpus.store
scrubbing_on_import = getattr(logging.getLogRecordFactory(), "_defcorpus_scrubs", False)
store = corpus.store.open_store(sys.argv[1])
store.write("raw/a.bin", b"abc", if_absent=True)
assert store.read("raw/a.bin") == b"abc" and store.list("raw/") == ["raw/a.bin"] and store.exists("raw/a.bin")
after_local = sorted(m for m in sys.modules if m.split(".")[0] in {aws})
if len(sys.argv) > 2:
    corpus.store.open_store(sys.argv[2], s3_endpoint_url="http://127.0.0.1:9")  # no request until first use
print(json.dumps({{
    "scrubbing_on_import": scrubbing_on_import,
    "scrubbing_on_open": getattr(logging.getLogRecordFactory(), "_defcorpus_scrubs", False),
    "after_local": after_local,
    "at_end": sorted(m for m in sys.modules if m.split(".")[0] in {aws}),
}}))
""".format(aws=repr(set(_AWS)))


def _probe(*urls: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *urls], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_local_store_never_imports_boto3(tmp_path: Path) -> None:
    seen = _probe(str(tmp_path / "store"))
    assert seen["after_local"] == [] and seen["at_end"] == []


def test_an_s3_store_imports_boto3_when_opened(tmp_path: Path) -> None:
    """The other half: the probe does see boto3 once an s3:// store is opened."""
    seen = _probe(str(tmp_path / "store"), "s3://bucket-x/corpus")
    assert seen["after_local"] == []
    assert {"boto3", "botocore"} <= {name.split(".")[0] for name in seen["at_end"]}  # type: ignore[attr-defined]


def test_log_scrubbing_is_installed_by_opening_a_store_not_by_importing(tmp_path: Path) -> None:
    seen = _probe(str(tmp_path / "store"))
    assert seen["scrubbing_on_import"] is False and seen["scrubbing_on_open"] is True
