"""Manifests as a model: what is stored reads, and reads back to the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus import layout
from corpus.errors import DamagedFileError
from corpus.manifest import FileEntry, Manifest
from corpus.store import Store
from corpus.table import live_files, partition_counts, publish, read_manifests
from tests.support.articles import make_article

# Written by the publish and compaction before manifests were a model (and one as schema 1.0 wrote it).
STORED = sorted((Path(__file__).parent / "stored").glob("*.json"))


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.stem)
def test_a_stored_manifest_reads_and_round_trips_to_the_same_bytes(path: Path) -> None:
    raw = path.read_bytes()
    manifest = Manifest.parse(f"{layout.MANIFEST_PREFIX}{path.name}", raw)
    assert manifest.batch_id == path.stem and manifest.site == "minisite"
    assert manifest.files and all(isinstance(f, FileEntry) and f.rows >= 1 for f in manifest.files)
    assert manifest.to_json() == raw


def test_stored_manifests_are_read_as_the_corpus(any_store: Store) -> None:
    """The old 1.0 one has no paywalled counts (read as 0); the compaction supersedes two files."""
    for path in STORED:
        any_store.write(layout.manifest_key(path.stem), path.read_bytes())
    manifests = read_manifests(any_store, "minisite")
    assert [m.batch_id for m in manifests] == [p.stem for p in STORED]
    old = manifests[0]
    assert old.schema_version == "1.0" and {f.paywalled for f in old.files} == {0}
    compaction = manifests[-1]
    assert compaction.kind == "compaction" and len(compaction.supersedes) == 2
    live = {f.key for f in live_files(manifests)}
    assert live.isdisjoint(compaction.supersedes) and len(live) == 4
    assert sum(c["rows"] for c in partition_counts(any_store)) == 2 + 2 + 1


def test_a_field_this_code_does_not_know_is_kept() -> None:
    """A newer writer's manifest read by this code and written again keeps what it added."""
    data = json.loads(STORED[1].read_bytes())
    data["files"][0]["checksum"] = "blake2b:00"
    data["producer"] = "defcorpus 9"
    raw = json.dumps(data, indent=2).encode()
    assert Manifest.parse("m.json", raw).to_json() == raw


def test_a_published_manifest_is_what_the_model_dumps(any_store: Store) -> None:
    manifest = publish(any_store, "minisite", [make_article("frigate")], "20230301T000000Z-dddd0001", ["raw/a"])
    stored = any_store.read(layout.manifest_key(manifest.batch_id))
    assert stored == manifest.to_json()
    assert "supersedes" not in json.loads(stored)  # a clean's batch supersedes nothing, and says nothing
    assert read_manifests(any_store) == [manifest]


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b'{"kind": "clean", "batch_id": "b"', "not a manifest (JSONDecodeError, 33 bytes)"),
        (b"\x80abc", "not a manifest (UnicodeDecodeError, 4 bytes)"),
        (b'{"kind": "clean", "batch_id": "b", "site": "s", "schema_version": "1.1", "files": []}', "fields missing"),
        (b'["kind", "clean"]', "fields missing"),
        (
            b'{"kind": "clean", "batch_id": "b", "site": "s", "schema_version": "1.1", "files": [{"rows": 1}], '
            b'"inputs": []}',
            "fields missing",
        ),
        (
            b'{"kind": "clean", "batch_id": 7, "site": "s", "schema_version": "1.1", "files": [], "inputs": []}',
            "fields missing",
        ),
    ],
    ids=["cut-short", "not-text", "no-inputs", "a-list", "file-without-key", "number-as-id"],
)
def test_what_is_not_a_manifest_is_damaged(raw: bytes, why: str) -> None:
    with pytest.raises(DamagedFileError, match="not a manifest") as info:
        Manifest.parse("clean/_manifests/x.json", raw)
    assert why in str(info.value)
