"""The compaction job: each month of a site merged into one file, under the site's clean lease."""

from __future__ import annotations

from corpus import layout
from corpus.errors import DamagedFileError, KeyNotFoundError
from corpus.lease import clean_lease
from corpus.manifest import Manifest
from corpus.manifest_catalog import save_catalog
from corpus.quarantine import Damage
from corpus.store import Store
from corpus.table import compact, live_files, read_manifests
from defcorpus.repair import repair_site, set_aside_file


def compact_site(
    store: Store, site: str, *, min_files: int = 2, damaged: list[Damage] | None = None
) -> Manifest | None:
    """Merge each month of ``site`` holding ``min_files`` or more files into one; its manifest, or None.

    Why: a backfill cleaned in chunks leaves one small file per publication month per chunk (about
    30 rows each on a mirror whose crawl interleaves months), and every reader pays per file. Holds
    the site's clean lease, so it never runs beside a clean of the site. Repairs the site first, and
    sets aside a file it cannot read, then compacts without it; what was damaged goes to ``damaged``.
    """
    with clean_lease(store, site):
        manifest = compact_repaired(store, site, min_files=min_files, damaged=damaged)
        save_catalog(store, site)
        return manifest


def compact_repaired(
    store: Store, site: str, *, min_files: int, damaged: list[Damage] | None = None
) -> Manifest | None:
    """Repair ``site``, then compact it (``corpus.table.compact``), setting aside any file it cannot read.

    The caller holds the site's clean lease. Each failed attempt sets one file aside, so this ends.
    """
    found = repair_site(store, site)
    while True:
        try:
            manifest = compact(store, site, layout.new_run_id(), min_files=min_files)
            break
        except (DamagedFileError, KeyNotFoundError) as exc:
            key = str(getattr(exc, "key", ""))
            entry = next((f for f in live_files(read_manifests(store, site)) if f.key == key), None)
            if entry is None:
                raise
            found.append(set_aside_file(store, site, entry, exc))
            found += repair_site(store, site)  # removes what the failed attempt staged
    if damaged is not None:
        damaged += found
    return manifest
