"""Learned boilerplate: recurring paragraphs are recognised, one-off ones are not."""

from __future__ import annotations

from cleaning.boilerplate import BoilerplateStats, fingerprint
from cleaning.normalize import normalize_text

BIO = "Jane Roe is a defense columnist at Example News. Her work has appeared in 12 outlets."


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


def test_state_roundtrip_is_order_independent() -> None:
    one, two = BoilerplateStats(), BoilerplateStats()
    for doc in ("a", "b", "c"):
        one.observe(doc, [BIO])
    for doc in ("c", "a", "b"):
        two.observe(doc, [BIO])
    assert one.to_json() == two.to_json()
    assert BoilerplateStats.from_json(one.to_json()).is_boilerplate(BIO)


def test_normalize_text() -> None:
    raw = "Soft\u00adhyphen and zero\u200bwidth,\u00a0 nbsp  and\nnewline — “quotes” kept"
    assert normalize_text(raw) == "Softhyphen and zerowidth, nbsp and newline — “quotes” kept"
    assert normalize_text("\u00a0 \u00a0") == ""
    assert normalize_text("e\u0301") == "é"
