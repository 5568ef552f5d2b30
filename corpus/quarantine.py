"""Damaged objects are set aside under ``quarantine/``, with a note saying why; never deleted.

Two kinds of setting aside, because the two areas have different rules:

- an object of ``clean/`` (a data file, a manifest) is copied to ``quarantine/<key>`` and then
  removed from ``clean/``: readers of the files must not meet it (pyarrow fails a whole dataset on
  one unreadable file);
- a WARC file stays where it is, since ``raw/`` is immutable (the bucket policy denies the pipeline
  deletes there): its note alone sets it aside, and every reader of ``raw/`` (the clean, the
  re-clean, the crawl's state) skips a WARC file that has one.

The note, ``quarantine/<key>.note.json``, records when, why and what was done. Light imports only:
the crawl process reads the notes too.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from corpus import layout
from corpus.errors import KeyExistsError, KeyNotFoundError
from corpus.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Damage:
    """One damaged object, as the clean reports it: what it was, what was wrong, what was done."""

    key: str
    kind: str  # "warc", "data", "manifest", "missing" (listed but gone), "orphan" (no manifest lists it)
    detail: str
    action: str
    lost: int = 0  # pages (WARC) or rows (data) the corpus no longer has from it

    def line(self) -> str:
        return f"{self.key}: {self.detail}; {self.action}"


def noted(damage: Damage) -> Damage:
    """Log ``damage`` (once: where it is found) and return it."""
    logger.warning("damaged: %s", damage.line())
    return damage


def set_aside(store: Store, key: str, damage: Damage, *, move: bool) -> None:
    """Note ``key`` as damaged and, with ``move``, copy it under ``quarantine/`` (the caller removes it).

    Idempotent: a rerun after a crash finds the copy and the note there and goes on. The original is
    left to the caller to delete, once nothing lists it any more (a data file is superseded first).
    """
    if move:
        with contextlib.suppress(KeyExistsError, KeyNotFoundError):
            store.write(layout.quarantine_key(key), store.read(key), if_absent=True)
    note = {**asdict(damage), "found_at": datetime.now(UTC).isoformat(), "copy": move}
    with contextlib.suppress(KeyExistsError):
        store.write(layout.quarantine_note_key(key), json.dumps(note, indent=2).encode(), if_absent=True)
    noted(damage)


def has_copy(store: Store, key: str) -> bool:
    return store.exists(layout.quarantine_key(key))


def quarantined(store: Store, prefix: str) -> set[str]:
    """The keys under ``prefix`` that have been set aside."""
    about = (layout.key_of_note(k) for k in store.list(layout.quarantine_key(prefix)))
    return {key for key in about if key is not None}


def readable_warc_keys(store: Store, site: str) -> list[str]:
    """The site's raw WARC files, without those set aside as damaged."""
    prefix = layout.raw_site_prefix(site)
    damaged = quarantined(store, prefix)
    return [k for k in store.list(prefix) if k.endswith(layout.WARC_SUFFIX) and k not in damaged]
