"""Which keys the store accepts: the same rules on every operation and both backends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from corpus.errors import InvalidKeyError
from corpus.store import Store, validate_key
from tests.support.stores import WARC_KEY

BAD_KEYS = ["../x", "a/../../x", "/abs", "a//b", "a/./b", "a\\b", "", "a\x00b", "a\nb", "a/", ".", ".tmp-1/x"]
OPERATIONS: dict[str, Callable[[Store, str], object]] = {
    "read": lambda s, k: s.read(k),
    "write": lambda s, k: s.write(k, b"x"),
    "write_if_absent": lambda s, k: s.write(k, b"x", if_absent=True),
    "exists": lambda s, k: s.exists(k),
    "delete": lambda s, k: s.delete(k),
}


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_are_rejected(any_store: Store, key: str, tmp_path: Path) -> None:
    for name, op in OPERATIONS.items():
        with pytest.raises(InvalidKeyError):
            op(any_store, key)
            pytest.fail(f"{name} accepted {key!r}")
    with pytest.raises(InvalidKeyError):
        any_store.upload_file(key, __file__)
    with pytest.raises(InvalidKeyError):
        any_store.download_file(key, tmp_path / "out")
    assert any_store.list() == []


def test_invalid_list_prefix_is_rejected(any_store: Store) -> None:
    with pytest.raises(InvalidKeyError):
        any_store.list("../")


# --------------------------------------------------------------------------- validate_key


@pytest.mark.parametrize("key", [WARC_KEY, "a", "state/crawl.json", "é/ü.txt", "a..b/.hidden", "x" * 1024])
def test_validate_key_accepts(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize("key", ["x" * 1025, "é" * 513, "a\x7fb", "a\x1fb", "a\x85b", "\udc80", ".."])
def test_validate_key_rejects(key: str) -> None:
    with pytest.raises(InvalidKeyError):
        validate_key(key)
