"""What a site's backfills from one archive have settled, and where each window's backfill stands.

Settled captures are kept per WARC file (``state/<site>/archive/<archive>/settled/<file>.jsonl``):
the captures that file holds, and those skipped while it was open (a soft 404, a bot check). The
segment is written before its WARC file is uploaded and counts only once that file is in ``raw/``,
as the crawl's own state does (``crawlers.state``): a backfill killed at any point leaves a state
that matches ``raw/`` exactly. An article is settled once for the site and archive, whatever window
fetched it, so consecutive monthly windows fetch each article once.

The cursor (``cursor-<since>-<until>-<capture>.json``) is the index position to read again on a
rerun: the page being read, with the captures of an article begun on the page before it
(``captures.grouped``). It is saved before each new index page is asked for when no settled capture waits in an open
file, and when a file is stored; a page begun with a file open is journaled in the spool instead,
and saved by the rerun that stores the file (``spool.recover``).

Memory: one 64-bit digest per settled article and per skipped capture, never a page or a row.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from corpus import layout
from corpus.errors import KeyNotFoundError
from corpus.quarantine import readable_warc_keys
from corpus.store import Store


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).digest(), "big")


class ArticleSet:
    """Articles (or any strings) as 64-bit digests: a set the size of a site's articles, not of their text."""

    def __init__(self) -> None:
        self._digests: set[int] = set()

    def add(self, item: str) -> bool:
        """Add ``item``; True if it was not there."""
        digest = _digest(item)
        if digest in self._digests:
            return False
        self._digests.add(digest)
        return True

    def discard(self, item: str) -> bool:
        """Remove ``item``; True if it was there."""
        digest = _digest(item)
        if digest not in self._digests:
            return False
        self._digests.remove(digest)
        return True


class ArchiveState:
    def __init__(self, store: Store, site: str, archive: str) -> None:
        self.store, self.site, self.archive = store, site, archive
        self._articles: set[int] = set()
        self._captures: set[int] = set()

    @classmethod
    def load(cls, store: Store, site: str, archive: str) -> ArchiveState:
        state = cls(store, site, archive)
        stored = set(readable_warc_keys(store, site))
        for key in store.list(layout.archive_settled_prefix(site, archive)):
            if not key.endswith(".jsonl"):
                continue
            try:
                lines = store.read(key).decode().splitlines()
            except KeyNotFoundError:
                continue
            entries = [json.loads(line) for line in lines if line.strip()]
            if not entries or entries[0].get("warc_key") not in stored:
                continue  # its WARC file never reached the store: those captures are fetched again
            for entry in entries:
                state.note(entry["article"], entry["timestamp"], entry["outcome"])
        return state

    def note(self, article: str, timestamp: str, outcome: str) -> None:
        if outcome == "fetched":
            self._articles.add(_digest(article))
        else:
            self._captures.add(_digest(article, timestamp))

    def has_article(self, article: str) -> bool:
        return _digest(article) in self._articles

    def skipped_before(self, article: str, timestamp: str) -> bool:
        return _digest(article, timestamp) in self._captures

    @property
    def articles(self) -> int:
        return len(self._articles)

    def cursor(self, window: str) -> dict[str, Any] | None:
        try:
            cursor: dict[str, Any] = json.loads(
                self.store.read(layout.archive_cursor_key(self.site, self.archive, window))
            )
        except KeyNotFoundError:
            return None
        return cursor

    def save_cursor(
        self, window: str, position: dict[str, Any] | None, *, finished: bool, warc_key: str | None
    ) -> None:
        body = {"position": position, "finished": finished, "last_warc_key": warc_key}
        self.store.write(layout.archive_cursor_key(self.site, self.archive, window), json.dumps(body).encode())
