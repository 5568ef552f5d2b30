"""The versions of a site's articles already published: what a clean must not publish again."""

from __future__ import annotations

import hashlib

import numpy as np

from corpus.manifest import Manifest
from corpus.quarantine import Damage
from corpus.store import Store
from corpus.table import live_files
from defcorpus.repair import readable_files


class PublishedVersions:
    """A set of (article id, content hash), held as sorted 16-byte digests.

    Why not a set of string tuples: that costs about 250 bytes per version, so a site with a million
    published articles would hold 250 MB in every clean; this holds 16 MB. Versions added by this
    clean go to a small Python set until the clean ends.
    """

    def __init__(self, digests: list[bytes]) -> None:
        self._sorted = np.unique(np.array(digests, dtype="S16")) if digests else np.array([], dtype="S16")
        self._added: set[bytes] = set()

    @staticmethod
    def digest(article_id: str, content_hash: str) -> bytes:
        return hashlib.blake2b(f"{article_id}\n{content_hash}".encode(), digest_size=16).digest()

    def __contains__(self, version: tuple[str, str]) -> bool:
        digest = self.digest(*version)
        if digest in self._added:
            return True
        i = int(np.searchsorted(self._sorted, digest))
        # numpy hands an "S16" item back without its trailing NUL bytes: compare it so.
        return i < self._sorted.size and self._sorted[i] == digest.rstrip(b"\0")

    def add(self, version: tuple[str, str]) -> None:
        self._added.add(self.digest(*version))

    def __len__(self) -> int:
        return self._sorted.size + len(self._added)


def published_versions(store: Store, site: str, manifests: list[Manifest], damaged: list[Damage]) -> PublishedVersions:
    """Every (id, content hash) the live files of ``manifests`` hold; a file that cannot be read is set aside."""
    digests: list[bytes] = []
    for _, table in readable_files(store, site, live_files(manifests), damaged):
        table = table.select(["id", "content_hash"])
        digests += map(PublishedVersions.digest, table["id"].to_pylist(), table["content_hash"].to_pylist())
    return PublishedVersions(digests)
