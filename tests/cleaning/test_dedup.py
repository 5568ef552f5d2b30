"""Dedup across sites: exact and near copies form a group whose canonical member is the earliest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cleaning.dedup import DedupIndex, DedupShard
from corpus.schema import Article
from tests.support.articles import article_record
from tests.support.cleaning_sites import prose

FETCHED = datetime(2024, 6, 1, tzinfo=UTC)
STORY = prose(1, count=6)


def article(site: str, slug: str, body: list[str], published: datetime | None, headline: str = "H") -> Article:
    return article_record(
        f"https://{site}.example/{slug}/",
        headline,
        "\n\n".join(body),
        site=site,
        published=published,
        fetched_at=FETCHED,
        warc_file="raw/x.warc.gz",
        warc_record_id="<urn:uuid:1>",
    )


ORIGINAL = article("wire", "story", STORY, datetime(2024, 3, 1, 9, tzinfo=UTC))
# A syndicated copy: new headline, an editor's note on top, one sentence cut, a typo fixed, a day later.
COPY = article(
    "paper",
    "wire-story",
    [
        "This story was first published by Wire.",
        STORY[0],
        STORY[1].upper(),
        *STORY[2:5],
        STORY[5].rsplit(" ", 4)[0] + ".",
    ],
    datetime(2024, 3, 2, tzinfo=UTC),
    headline="Another headline",
)
OTHER = article("paper", "other", prose(2, count=6), datetime(2024, 3, 1, tzinfo=UTC))


def test_syndicated_copy_grouped_with_the_earliest_as_canonical() -> None:
    index = DedupIndex()
    assert index.assign([COPY, OTHER]) == {COPY.id: None, OTHER.id: None}
    assert index.assign([ORIGINAL]) == {ORIGINAL.id: None}
    assert index.canonical_of(COPY.id) == ORIGINAL.id
    assert index.superseded([ORIGINAL.id]) == {COPY.id: ORIGINAL.id}  # published before the original came


def test_assignment_does_not_depend_on_arrival_order() -> None:
    one, two = DedupIndex(), DedupIndex()
    first = one.assign([ORIGINAL, COPY, OTHER])
    two.assign([OTHER])
    two.assign([COPY])
    second = two.assign([ORIGINAL]) | {COPY.id: two.canonical_of(COPY.id), OTHER.id: two.canonical_of(OTHER.id)}
    assert first == second == {ORIGINAL.id: None, COPY.id: ORIGINAL.id, OTHER.id: None}


def test_exact_copy_of_a_short_body_is_grouped() -> None:
    short = ["Breaking: the minister resigned this morning."]
    a = article("wire", "short", short, datetime(2024, 3, 1, tzinfo=UTC))
    b = article("paper", "short", short, datetime(2024, 3, 1, tzinfo=UTC))
    first, second = sorted([a.id, b.id])
    assert DedupIndex().assign([a, b]) == {first: None, second: first}  # same date: the lower id


def test_undated_member_is_never_canonical_over_a_dated_one() -> None:
    undated = article("blog", "copy", STORY, None)
    assert DedupIndex().assign([undated, ORIGINAL]) == {undated.id: ORIGINAL.id, ORIGINAL.id: None}


def test_a_new_version_replaces_the_old_one() -> None:
    index = DedupIndex()
    index.assign([ORIGINAL, COPY])
    rewritten = article("paper", "wire-story", prose(3, count=6), datetime(2024, 3, 2, tzinfo=UTC))
    assert rewritten.id == COPY.id
    assert index.assign([rewritten]) == {COPY.id: None}
    assert len(index.shards["paper"].entries) == 1


def test_shard_roundtrip_and_bounded() -> None:
    index = DedupIndex()
    index.assign([ORIGINAL, COPY])
    shards = {s.site: DedupShard.from_bytes(s.to_bytes()) for s in index.shards.values()}
    assert shards["wire"].to_bytes() == index.shards["wire"].to_bytes()
    assert DedupIndex(shards=shards).canonical_of(COPY.id) == ORIGINAL.id
    shard = DedupShard("many")
    big = DedupIndex(shards={"many": shard})
    big.assign(
        [article("many", f"s{i}", prose(i, 2), datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=i)) for i in range(50)]
    )
    shard.prune(window_days=30, max_entries=20)
    assert len(shard.entries) == 20
    assert min(e.when for e in shard.entries.values()) >= "2024-01-31"


def test_index_prune_forgets_what_the_shard_dropped() -> None:
    """A clean keeps one index for all its chunks: an entry pruned from the shard no longer matches."""
    index = DedupIndex()
    old_copy = article("wire", "old", STORY, datetime(2023, 1, 1, tzinfo=UTC))
    index.assign([old_copy, article("wire", "new", prose(9, count=6), datetime(2024, 3, 1, tzinfo=UTC))])
    index.prune("wire", window_days=30)
    assert old_copy.id not in index.shards["wire"].entries
    assert index.assign([ORIGINAL]) == {ORIGINAL.id: None}  # the pruned old copy is not its canonical
    assert index.matches(ORIGINAL.id) == []
