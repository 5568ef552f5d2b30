"""What a clean reports of the articles it cleaned."""

from __future__ import annotations

from cleaning.pipeline import Removal
from defcorpus.clean_report import CleanReport


def test_report_keeps_only_the_most_cleaned_article() -> None:
    report = CleanReport(site="s")
    report.note_removals([Removal("x", "t", "boilerplate"), Removal("y", "t", "boilerplate")])
    report.note_removals([Removal("y", "t", "author_bio"), Removal("z", "t", "boilerplate")])
    report.note_removals([])
    assert report.most_removed == (1, "z")  # one each per chunk; ties go to the larger id
    report.note_removals([Removal("x", "u", "boilerplate")] * 3)
    assert report.most_removed == (3, "x")
