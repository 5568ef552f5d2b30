"""The manifests, read through a copy kept per site: one listing and one small object, not a GET per batch.

Why: every clean, re-clean, compaction and reader starts from the manifests (``corpus.table``), and
reading each of them costs one request per batch ever published, so a 500-page clean of a corpus of
a million articles paid 4,000 GETs before doing anything. A manifest never changes once written
(create-only), so a copy of it stays true for as long as the object is still there and unchanged.
``state/_manifests/<site>.json.gz`` holds the site's manifests as its last clean read them, each
with the stamp its listing gave (``Store.list_stamped``: size and ETag on S3), and the stamps of
the other sites' manifests it saw, so that a clean does not read those again either. A read lists
``clean/_manifests/`` (one request per 1,000 manifests), reads the catalog, and GETs only the
manifests the catalog does not hold with the same stamp: the batches since the last clean.

The catalog is derived data, never the truth: a manifest gone from the listing is gone whatever the
catalog says, one rewritten (cut short, overwritten) has another stamp and is read again, and so is
found damaged exactly as before; a catalog that is missing, unreadable or out of date only costs
requests. So it needs no lock of its own: only the jobs holding the site's clean lease save it
(``save_catalog``), and even a stale save (a clean that lost its lease) leaves a catalog that is
incomplete, not wrong.
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, field

from corpus import layout
from corpus.errors import DamagedFileError, KeyNotFoundError, StoreConfigError
from corpus.manifest import Manifest
from corpus.store import Store

logger = logging.getLogger(__name__)
FORMAT = 1


@dataclass
class Catalog:
    """What a catalog holds: this site's manifests by key, and the stamps of every manifest seen."""

    own: dict[str, Manifest] = field(default_factory=dict)
    stamps: dict[str, str] = field(default_factory=dict)  # key -> stamp, own and other sites' manifests

    def to_bytes(self, site: str) -> bytes:
        own = {key: [self.stamps[key], m.model_dump(mode="json", exclude_unset=True)] for key, m in self.own.items()}
        others = {key: stamp for key, stamp in self.stamps.items() if key not in self.own}
        body = {"format": FORMAT, "site": site, "own": own, "others": others}
        return gzip.compress(json.dumps(body, separators=(",", ":")).encode(), mtime=0)

    @classmethod
    def from_bytes(cls, raw: bytes) -> Catalog:
        body = json.loads(gzip.decompress(raw))
        if body.get("format") != FORMAT:
            raise ValueError(f"format {body.get('format')!r}")
        catalog = cls(stamps=dict(body["others"]))
        for key, (stamp, data) in body["own"].items():
            catalog.own[key] = Manifest.model_validate(data, strict=True)
            catalog.stamps[key] = stamp
        return catalog


def read_manifests(
    store: Store, site: str | None = None, *, damaged: list[DamagedFileError] | None = None
) -> list[Manifest]:
    """The manifests of ``site`` (or all), oldest first; the catalogs spare the GETs of those they hold.

    A manifest that does not parse (cut short, overwritten) is left out: added to ``damaged`` if
    given (the clean sets it aside, ``defcorpus.repair``), else logged as a warning naming it, so that
    one damaged object never makes the whole corpus unreadable. Its site is unknown, so it is
    reported whatever ``site`` is.
    """
    return _scan(store, site, damaged)[0]


def save_catalog(store: Store, site: str) -> None:
    """Bring ``site``'s catalog up to date with the manifests in the store; written only if it changed.

    For the jobs holding the site's clean lease, after they published (clean, re-clean, compaction).
    """
    _, catalog, changed = _scan(store, site, [])
    if changed:
        store.write(layout.manifest_catalog_key(site), catalog.to_bytes(site))


def _scan(
    store: Store, site: str | None, damaged: list[DamagedFileError] | None
) -> tuple[list[Manifest], Catalog, bool]:
    """The manifests listed now (of ``site``, or all), the catalog they make for ``site``, and whether
    that differs from the stored one (always False for all sites: no catalog is saved for them)."""
    listed = {k: s for k, s in store.list_stamped(layout.MANIFEST_PREFIX).items() if k.endswith(".json")}
    known = _load(store, layout.manifest_catalog_key(site)) if site is not None else _load_all(store)
    fresh = Catalog()
    manifests = []
    for key, stamp in listed.items():
        manifest: Manifest | None
        if known.stamps.get(key) == stamp and (key in known.own or site is not None):
            manifest = known.own.get(key)  # None: another site's, as this stamp showed
        else:
            manifest = _read_one(store, key, damaged)
            if manifest is None:
                continue
        fresh.stamps[key] = stamp
        if manifest is not None and (site is None or manifest.site == site):
            fresh.own[key] = manifest
            manifests.append(manifest)
    changed = site is not None and fresh.stamps != known.stamps
    return sorted(manifests, key=lambda m: m.batch_id), fresh, changed


def _read_one(store: Store, key: str, damaged: list[DamagedFileError] | None) -> Manifest | None:
    try:
        return Manifest.parse(key, store.read(key))
    except KeyNotFoundError:  # deleted between list and read
        return None
    except DamagedFileError as exc:
        if damaged is None:
            logger.warning("%s; left out (the next clean sets it aside)", exc)
        else:
            damaged.append(exc)
        return None


def _load(store: Store, key: str) -> Catalog:
    """A stored catalog; an empty one if there is none or it does not read (the next save rebuilds it)."""
    try:
        return Catalog.from_bytes(store.read(key))
    except KeyNotFoundError:
        return Catalog()
    except StoreConfigError as exc:  # a reader whose policy predates the catalogs: refused, not broken
        logger.info("%s not readable (%s); the manifests are read one by one", key, exc)
        return Catalog()
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:  # pydantic's errors are ValueErrors
        logger.info("%s unreadable (%s: %s); the manifests are read one by one", key, type(exc).__name__, exc)
        return Catalog()


def _load_all(store: Store) -> Catalog:
    """Every site's catalog merged: only their own manifests count (another site's stamp says nothing)."""
    merged = Catalog()
    try:
        keys = store.list(layout.MANIFEST_CATALOG_PREFIX)
    except StoreConfigError as exc:  # as in ``_load``
        logger.info("the manifest catalogs are not listable (%s); the manifests are read one by one", exc)
        return merged
    for key in keys:
        if key.endswith(layout.MANIFEST_CATALOG_SUFFIX):
            catalog = _load(store, key)
            merged.own.update(catalog.own)
            merged.stamps.update({k: catalog.stamps[k] for k in catalog.own})
    return merged
