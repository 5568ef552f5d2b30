"""The set of published versions a clean checks against: exact membership, 16 bytes per version."""

from __future__ import annotations

import pytest

from cleaning.pipeline import Removal
from defcorpus.clean_report import CleanReport
from defcorpus.versions import PublishedVersions


def test_membership_of_loaded_and_added_versions() -> None:
    versions = [(f"id-{i}", f"hash-{i % 7}") for i in range(1000)]
    published = PublishedVersions([PublishedVersions.digest(*v) for v in versions])
    assert all(v in published for v in versions)
    assert ("id-1", "hash-2") not in published  # known id, other content: a new version
    assert ("id-new", "hash-0") not in published
    published.add(("id-new", "hash-0"))
    assert ("id-new", "hash-0") in published
    assert len(published) == 1001
    assert published._sorted.nbytes == 16 * 1000


def test_digests_ending_in_nul_bytes_are_still_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """numpy drops trailing NULs of a fixed-width bytes item; membership must not depend on that."""
    table = {"a": bytes(15) + b"\x01", "b": b"\x05" + bytes(15), "c": b"ab" + bytes(14), "d": bytes(16)}
    monkeypatch.setattr(PublishedVersions, "digest", staticmethod(lambda article_id, _: table[article_id]))
    published = PublishedVersions([table["a"], table["b"], table["c"]])
    assert ("a", "") in published and ("b", "") in published and ("c", "") in published
    assert ("d", "") not in published
    assert ("c", "") in PublishedVersions([table["c"]])
    assert ("a", "") not in PublishedVersions([])


def test_report_keeps_only_the_most_cleaned_article() -> None:
    report = CleanReport(site="s")
    report.note_removals([Removal("x", "t", "boilerplate"), Removal("y", "t", "boilerplate")])
    report.note_removals([Removal("y", "t", "author_bio"), Removal("z", "t", "boilerplate")])
    report.note_removals([])
    assert report.most_removed == (1, "z")  # one each per chunk; ties go to the larger id
    report.note_removals([Removal("x", "u", "boilerplate")] * 3)
    assert report.most_removed == (3, "x")
