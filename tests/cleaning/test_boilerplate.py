"""Learned boilerplate: recurring paragraphs and their near variants are recognised, one-off ones are not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from cleaning.boilerplate import BoilerplateStats, fingerprint
from cleaning.normalize import normalize_text, word_key
from tests.support.cleaning_sites import prose

BIO = "Jane Roe is a defense columnist at Example News. Her work has appeared in 12 outlets."
# The two prefixes a real site (19FortyFive) pastes in front of the same bio.
STAVROS = (
    "{} Defense and National Security Columnist, Stavros Atlamazoglou is a seasoned defense journalist with "
    "specialized expertise in special operations, a Hellenic Army veteran, and a Johns Hopkins University "
    "graduate. His work has been featured in Business Insider, Sandboxx, and SOFREP."
)


def test_fingerprint_ignores_case_punctuation_and_numbers() -> None:
    assert fingerprint(BIO) == fingerprint(BIO.upper().replace(".", "!").replace("12", "14"))
    assert fingerprint(BIO) != fingerprint("A different paragraph entirely.")


def test_paragraph_in_enough_articles_is_boilerplate() -> None:
    stats = BoilerplateStats(min_articles=3)
    for doc in ("a", "b"):
        stats.observe(doc, [BIO, f"Unique text of article {doc}"])
    assert not stats.is_boilerplate(BIO)
    stats.observe("b", [BIO])  # the same article seen again does not count twice
    assert not stats.is_boilerplate(BIO)
    stats.observe("c", [BIO])
    assert stats.is_boilerplate(BIO)
    assert not stats.is_boilerplate("Unique text of article a")


def test_near_identical_variants_count_together() -> None:
    stats = BoilerplateStats(min_articles=3)
    stats.observe("a", [STAVROS.format("1945’s")])
    stats.observe("b", [STAVROS.format("A 19FortyFive")])
    stats.observe("c", [STAVROS.format("A 19FortyFive").replace(", and SOFREP", " and SOFREP")])
    assert len(stats.clusters) == 1
    assert stats.classify([STAVROS.format("1945’s")], ["Stavros Atlamazoglou"]) == ["author_bio"]
    assert stats.classify([STAVROS.format("The")]) == ["boilerplate"]  # a variant never seen before


def test_shared_quote_in_two_articles_is_kept() -> None:
    quote = "“We are committed to supporting Ukraine,” a Pentagon spokesperson said in a statement."
    stats = BoilerplateStats(min_articles=3)
    stats.observe("a", [quote, *prose(1)], authors=["Jane Roe"])
    stats.observe("b", [quote, *prose(2)], authors=["Jane Roe"])
    assert stats.classify([quote], ["Jane Roe"]) == [None]


def test_bio_of_a_rare_author_is_learned_per_author() -> None:
    """Two articles of the same author repeating a paragraph that names them: a bio, site size aside."""
    stats = BoilerplateStats(min_articles=3)
    for i in range(40):
        stats.observe(f"busy-{i}", prose(i), authors=["Busy Writer"])
    stats.observe("rare-1", [*prose(100), BIO], authors=["Jane Roe"])
    assert stats.classify([BIO], ["Jane Roe"]) == [None]
    stats.observe("rare-2", [*prose(101), BIO], authors=["Jane Roe"])
    assert stats.classify([BIO], ["Jane Roe"]) == ["author_bio"]
    assert stats.classify([BIO], ["Someone Else"]) == [None]  # not a bio on another author's article


def test_state_stays_bounded_and_keeps_recent_author_bios() -> None:
    stats = BoilerplateStats(min_articles=3, max_clusters=100)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    stats.observe("rare-1", [BIO], authors=["Jane Roe"], when=start)
    for i in range(200):
        stats.observe(f"busy-{i}", prose(i), authors=["Busy Writer"], when=start + timedelta(days=i))
    assert len(stats.clusters) <= 100
    stats.observe("rare-2", [BIO], authors=["Jane Roe"], when=start + timedelta(days=300))
    assert stats.classify([BIO], ["Jane Roe"]) == ["author_bio"]


def test_state_roundtrip_is_order_independent() -> None:
    one, two = BoilerplateStats(), BoilerplateStats()
    for doc in ("a", "b", "c"):
        one.observe(doc, [BIO], authors=["Jane Roe"], when=datetime(2024, 1, ord(doc) - 96, tzinfo=UTC))
    for doc in ("c", "a", "b"):
        two.observe(doc, [BIO], authors=["Jane Roe"], when=datetime(2024, 1, ord(doc) - 96, tzinfo=UTC))
    assert one.to_json() == two.to_json()
    loaded = BoilerplateStats.from_json(one.to_json())
    assert loaded.is_boilerplate(BIO) and loaded.is_boilerplate(BIO.replace("12", "13").replace(".", ";"))


def test_state_of_the_old_format_starts_afresh() -> None:
    old = json.dumps({"version": 1, "min_articles": 4, "docs": {fingerprint(BIO): ["a", "b", "c", "d"]}})
    stats = BoilerplateStats.from_json(old.encode())
    assert stats.min_articles == 4 and not stats.clusters


def test_state_sketched_by_the_old_hashing_starts_afresh() -> None:
    """Version 2 held datasketch's sketches: not comparable with today's, so they are not reused."""
    old = json.dumps({"version": 2, "min_articles": 3, "clusters": {fingerprint(BIO): {"s": "AAAA", "d": ["a"]}}})
    stats = BoilerplateStats.from_json(old.encode())
    assert not stats.clusters


def test_state_of_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported boilerplate state version 99"):
        BoilerplateStats.from_json(json.dumps({"version": 99, "min_articles": 3, "clusters": {}}).encode())


def test_pruned_clusters_leave_no_aliases_behind() -> None:
    """A variant's alias points at its cluster; pruning the cluster drops the alias (memory stays bounded)."""
    stats = BoilerplateStats(max_clusters=50)
    for i in range(120):
        paragraphs = prose(i)
        stats.observe(f"doc-{i}", paragraphs + [p + " Indeed." for p in paragraphs[:1]])
    assert all(key in stats.clusters for key in stats._alias.values())


def test_normalize_text() -> None:
    raw = "Soft\u00adhyphen and zero\u200bwidth,\u00a0 nbsp  and\nnewline — “quotes” kept"
    assert normalize_text(raw) == "Softhyphen and zerowidth, nbsp and newline — “quotes” kept"
    assert normalize_text("\u00a0 \u00a0") == ""
    assert normalize_text("e\u0301") == "é"


def test_word_key_compares_words_alone() -> None:
    """Blocks, headlines and names match whatever their punctuation and spacing; case only when folded."""
    assert word_key("  Navy's  F-35,\tdelayed… again!") == "Navy s F 35 delayed again"
    assert word_key("NAVY ships") != word_key("Navy ships")
    assert word_key("NAVY ships", fold=True) == word_key("Navy  ships.", fold=True) == "navy ships"
    assert word_key("— …") == ""


def test_a_lowered_cap_applies_to_loaded_state() -> None:
    """A site's ``boilerplate_max_paragraphs`` lowered in its TOML bounds state saved under the old cap."""
    big = BoilerplateStats(max_clusters=5_000)
    for i in range(100):
        big.observe(f"doc-{i}", prose(i))
    assert len(big.clusters) > 150
    small = BoilerplateStats.from_json(big.to_json(), max_clusters=150)
    small.observe("one-more", prose(1000))
    assert len(small.clusters) <= 150
