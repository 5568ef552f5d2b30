"""What a clean learns about sites and keeps in the store: boilerplate statistics and dedup shards.

Why in the store (``state/``): the next clean of the site, on any worker, starts from what this
one learned; nothing depends on a worker's local disk.
"""

from __future__ import annotations

import logging

from cleaning.boilerplate import BoilerplateStats
from cleaning.dedup import DedupIndex, DedupShard
from corpus import layout
from corpus.errors import KeyNotFoundError
from corpus.layout import DEDUP_STATE_PREFIX, DEDUP_STATE_SUFFIX, dedup_state_key
from corpus.schema import Article
from corpus.store import Store
from crawlers.sites import SiteConfig

logger = logging.getLogger(__name__)


def load_boilerplate(store: Store, site: SiteConfig) -> BoilerplateStats:
    """The site's learned boilerplate statistics; new ones if it has none yet."""
    try:
        raw = store.read(layout.boilerplate_state_key(site.name))
    except KeyNotFoundError:
        return new_boilerplate(site)
    rules = site.cleaning
    return BoilerplateStats.from_json(
        raw, min_articles=rules.boilerplate_min_articles, max_clusters=rules.boilerplate_max_paragraphs
    )


def new_boilerplate(site: SiteConfig) -> BoilerplateStats:
    rules = site.cleaning
    return BoilerplateStats(min_articles=rules.boilerplate_min_articles, max_clusters=rules.boilerplate_max_paragraphs)


def save_boilerplate(store: Store, site: str, stats: BoilerplateStats) -> None:
    store.write(layout.boilerplate_state_key(site), stats.to_json())


def load_dedup(store: Store, *, rebuild: str | None = None) -> DedupIndex:
    """Every site's dedup shard, indexed; ``rebuild``: that site's shard starts afresh (a re-clean
    sees all of the site's articles).

    Loaded once per clean, not per chunk (a large site's shard costs seconds to load), and kept up to
    date by ``group_duplicates``. Another site's clean running at the same time is seen as of this
    load; a copy that crosses it is reported by ``superseded`` on a later clean.
    """
    shards = {}
    for key in store.list(DEDUP_STATE_PREFIX):
        if key.endswith(DEDUP_STATE_SUFFIX) and not (rebuild and key == dedup_state_key(rebuild)):
            shard = DedupShard.from_bytes(store.read(key))
            shards[shard.site] = shard
    return DedupIndex(shards=shards)


def group_duplicates(store: Store, site: str, articles: list[Article], index: DedupIndex) -> list[Article]:
    """Set ``near_duplicate_of`` on ``articles`` against ``index`` (every site's shard); save this site's shard."""
    canonical = index.assign(articles)
    for stale, member in sorted(index.superseded(canonical.keys()).items()):
        logger.info("%s is now a copy of %s, which arrived later; re-clean its site to update it", stale, member)
    index.prune(site)
    store.write(dedup_state_key(site), index.shards.setdefault(site, DedupShard(site)).to_bytes())
    return [a.model_copy(update={"near_duplicate_of": canonical[a.id]}) for a in articles]
