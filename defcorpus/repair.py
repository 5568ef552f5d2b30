"""Keep a site's published table whole when the store is not: finish, tidy up, set aside, adopt.

Runs at the start of every clean, re-clean and compaction of a site, under its clean lease (so no
writer of the site is mid-publish), and wherever those jobs meet a data file they cannot read. The
one rule: **the cleanup never deletes the only copy of published rows.** Step by step:

- a manifest that does not parse is set aside (copied to ``quarantine/``, then removed); the files
  it listed are then listed by no manifest, and are adopted below;
- a staged file of a committed batch is promoted (a crash cut the promotion short); one of a batch
  that never committed is deleted, as that batch does not exist, unless the batch's manifest was
  set aside as damaged: then it is promoted and adopted;
- a listed file that is gone stops being listed (a repair manifest supersedes it), so that
  ``defcorpus stats`` no longer counts rows nobody can read;
- a file no manifest lists (its manifest was deleted or damaged) is adopted by a repair manifest,
  which also supersedes the live files whose rows it holds: a compaction whose manifest was lost
  comes back whole. It is deleted only if every row it holds is in a live file; if it is unreadable
  it is set aside;
- a superseded file is deleted only when its rows are elsewhere: the superseding manifest's files
  are there and readable, or its copy is in ``quarantine/``. Otherwise it holds the only copy of its
  rows, and is copied under a new name and adopted.

Articles lost with a file that is gone or unreadable come back with ``defcorpus clean --reclean``,
which cleans every raw WARC file again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from corpus import layout
from corpus.errors import DamagedFileError, KeyNotFoundError
from corpus.manifest import FileEntry, Manifest
from corpus.quarantine import Damage, has_copy, noted, quarantined, set_aside
from corpus.schema import SCHEMA_VERSION
from corpus.store import Store
from corpus.table import (
    file_entry,
    live_files,
    parse_part,
    promote,
    read_file,
    read_manifests,
    read_published,
    write_manifest,
)

logger = logging.getLogger(__name__)
RECLEAN_HINT = "its articles come back with `defcorpus clean --reclean`"


@dataclass
class _Plan:
    """What one repair writes: a manifest adopting ``files`` and superseding ``supersedes``, then the rest."""

    batch_id: str = field(default_factory=layout.new_run_id)
    files: list[FileEntry] = field(default_factory=list)
    supersedes: set[str] = field(default_factory=set)
    to_promote: list[tuple[str, bytes]] = field(default_factory=list)
    to_delete: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # schema versions of the adopted rows


def repair_site(store: Store, site: str) -> list[Damage]:
    """Repair ``site``'s part of ``clean/`` (see the module's docstring); what was found damaged."""
    damage: list[Damage] = []
    bad: list[DamagedFileError] = []
    manifests = read_manifests(store, site, damaged=bad)
    damage += [_set_aside_manifest(store, exc) for exc in bad]
    listed = {f.key: (m, f) for m in manifests for f in m.files}
    superseding: dict[str, list[Manifest]] = defaultdict(list)
    for manifest in manifests:
        for key in manifest.supersedes:
            superseding[key].append(manifest)
    _finish_staging(store, site, listed)
    present = {k for k in store.list(layout.clean_site_prefix(site)) if k.endswith(layout.DATA_SUFFIX)}
    plan, readable = _Plan(), _Readable(store)
    missing = [(key, m, f) for key, (m, f) in sorted(listed.items()) if key not in present and key not in superseding]
    plan.supersedes.update(key for key, _, _ in missing)
    orphans: list[tuple[str, bool]] = []  # (key, superseded: adopted under a new name)
    for key in sorted(present & superseding.keys()):
        if has_copy(store, key) or any(readable.holds(m, present) for m in superseding[key]):
            plan.to_delete.append(key)
        else:
            orphans.append((key, True))
    orphans += [(key, False) for key in sorted(present - listed.keys() - superseding.keys())]
    if orphans:
        live = [f for f in live_files(manifests) if f.key in present]
        damage += _adopt(store, site, orphans, live, plan, readable)
    damage += _report_missing(missing, plan)
    _apply(store, site, plan)
    return damage


def _report_missing(missing: list[tuple[str, Manifest, FileEntry]], plan: _Plan) -> list[Damage]:
    """Listed files that are gone; rows an adopted file of the same month holds are not counted as lost.

    Why: a compaction whose manifest was lost leaves the merged-away files listed and gone, and its
    merged file, adopted, holds their rows.
    """
    adopted: dict[str, int] = defaultdict(int)
    for entry in plan.files:
        adopted[layout.month_of_data(entry.key)] += entry.rows
    found = []
    for key, manifest, entry in missing:
        month = layout.month_of_data(key)
        covered = min(entry.rows, adopted[month])
        adopted[month] -= covered
        lost = entry.rows - covered
        action = "no longer listed; " + (RECLEAN_HINT if lost else "its rows are in the file adopted in its month")
        detail = f"listed by batch {manifest.batch_id} but gone from the store"
        found.append(noted(Damage(key, "missing", detail, action, lost=lost)))
    return found


def set_aside_file(store: Store, site: str, entry: FileEntry, error: Exception) -> Damage:
    """A listed data file that cannot be read: copy it to ``quarantine/``, stop listing it, remove it."""
    key = entry.key
    gone = isinstance(error, KeyNotFoundError)
    detail = "gone from the store" if gone else str(getattr(error, "detail", error))
    what = "no longer listed" if gone else "set aside under quarantine/"
    report = Damage(key, "missing" if gone else "data", detail, f"{what}; {RECLEAN_HINT}", lost=entry.rows)
    if gone:
        noted(report)
    else:
        set_aside(store, key, report, move=True)
    _apply(store, site, _Plan(supersedes={key}, to_delete=[] if gone else [key]))
    return report


def readable_files(
    store: Store, site: str, files: Iterable[FileEntry], damage: list[Damage]
) -> Iterator[tuple[FileEntry, pa.Table]]:
    """The live ``files`` with their tables; one that cannot be read is set aside and reported in ``damage``.

    For the jobs that hold the site's lease (clean, re-clean): a reader without it only skips.
    """
    for entry in files:
        try:
            table = read_file(store, entry.key)
        except (DamagedFileError, KeyNotFoundError) as exc:
            damage.append(set_aside_file(store, site, entry, exc))
            continue
        yield entry, table


def _set_aside_manifest(store: Store, error: DamagedFileError) -> Damage:
    action = "set aside under quarantine/; the files it listed are adopted by the repair of their site"
    report = Damage(error.key, "manifest", error.detail, action)
    set_aside(store, error.key, report, move=True)
    store.delete(error.key)
    return report


def _finish_staging(store: Store, site: str, listed: dict[str, tuple[Manifest, FileEntry]]) -> None:
    """Promote the staged files of committed batches; delete those of batches that never committed."""
    staged = [k for k in store.list(layout.staging_site_prefix(site)) if k.endswith(layout.STAGED_SUFFIX)]
    lost: set[str] | None = None
    for key in staged:
        target = layout.published_key(key)
        if target not in listed:
            if lost is None:  # batches whose manifest was set aside as damaged: their files are adopted
                lost = {layout.batch_of_manifest(k) for k in quarantined(store, layout.MANIFEST_PREFIX)}
            if layout.batch_of_data(target) not in lost:
                logger.warning("removing a file of a batch that never committed: %s", key)
                store.delete(key)
                continue
        logger.info("promoting %s (its batch committed; the promotion was cut short)", target)
        promote(store, target)


class _Readable:
    """Row fingerprints of data files, read once per repair; None for a file that cannot be read."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rows: dict[str, set[bytes] | None] = {}

    def of(self, key: str) -> set[bytes] | None:
        if key not in self.rows:
            try:
                self.rows[key] = fingerprints(parse_part(key, read_published(self.store, key)))
            except (DamagedFileError, KeyNotFoundError):
                self.rows[key] = None
        return self.rows[key]

    def holds(self, manifest: Manifest, present: set[str]) -> bool:
        """The manifest lists files, and every one is there and readable: the rows it supersedes are in them."""
        files = [f.key for f in manifest.files]
        return bool(files) and all(k in present and self.of(k) is not None for k in files)


def fingerprints(table: pa.Table) -> set[bytes]:
    """One digest per row, of all its values: two files hold the same rows iff they have the same digests."""
    return {
        hashlib.blake2b(json.dumps(row, sort_keys=True, default=str).encode(), digest_size=16).digest()
        for row in table.to_pylist()
    }


def _adopt(
    store: Store,
    site: str,
    orphans: list[tuple[str, bool]],
    live: list[FileEntry],
    plan: _Plan,
    readable: _Readable,
) -> list[Damage]:
    """Publish again the rows of files no live manifest lists, unless every one is in a live file already."""
    damage: list[Damage] = []
    by_month: dict[str, list[str]] = defaultdict(list)
    for entry in live:
        by_month[layout.month_of_data(entry.key)].append(entry.key)
    for n, (key, superseded) in enumerate(orphans):
        try:
            data = read_published(store, key)
            table = parse_part(key, data)
        except DamagedFileError as exc:
            report = Damage(key, "data", exc.detail, f"set aside under quarantine/; {RECLEAN_HINT}")
            set_aside(store, key, report, move=True)
            plan.to_delete.append(key)
            damage.append(report)
            continue
        mine = fingerprints(table)
        month = layout.month_of_data(key)
        others = [k for k in by_month[month] if k not in plan.supersedes and k != key]
        covered = [k for k in others if (rows := readable.of(k)) is not None and rows <= mine]
        elsewhere = set().union(*(readable.of(k) or set() for k in others if k not in covered))
        why = (
            f"superseded by a batch whose files are gone: it holds the only copy of its {table.num_rows} rows"
            if superseded
            else f"no manifest lists it (the manifest of batch {layout.batch_of_data(key)} is gone or damaged)"
        )
        if mine <= elsewhere:
            plan.to_delete.append(key)
            damage.append(noted(Damage(key, "orphan", why, "deleted: every row it holds is in a listed file")))
            continue
        target = key
        if superseded:  # a superseded key cannot be listed again: the rows go under a new name
            target = layout.clean_data_key(site, month, plan.batch_id, n)
            store.write(layout.staged_key(target), data, if_absent=True)
            plan.to_promote.append((target, data))
            plan.supersedes.add(key)
            plan.to_delete.append(key)
        plan.files.append(file_entry(target, table, len(data)))
        plan.versions += set(table["schema_version"].to_pylist())
        plan.supersedes.update(covered)
        plan.to_delete += covered
        by_month[month].append(target)
        replaces = f", in place of {len(covered)} listed files holding the same rows" if covered else ""
        where = f" as {target}" if target != key else ""
        adopted = f"adopted{where}: its {table.num_rows} rows are listed again{replaces}"
        damage.append(noted(Damage(key, "orphan", why, adopted)))
    return damage


def _apply(store: Store, site: str, plan: _Plan) -> None:
    """Write the repair manifest (the commit), then promote and delete what it allows."""
    if plan.files or plan.supersedes:
        version = min((v for v in plan.versions if v), key=_version, default=SCHEMA_VERSION)
        write_manifest(
            store, "repair", site, plan.batch_id, plan.files, supersedes=sorted(plan.supersedes), schema_version=version
        )
        logger.info(
            "%s: repair %s lists %d files, supersedes %d", site, plan.batch_id, len(plan.files), len(plan.supersedes)
        )
    for key, data in plan.to_promote:
        promote(store, key, data)
    for key in plan.to_delete:
        logger.info("removing %s: its rows are listed elsewhere or kept in quarantine/", key)
        store.delete(key)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))
