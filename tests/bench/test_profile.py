"""``python -m bench.profile``: a call tree of the real clean and crawl, at tiny N (no timing asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import profile


@pytest.mark.parametrize(("part", "hot_path"), [("clean", "extract_page"), ("crawl", "WarcWriter")])
def test_profile_names_the_hot_paths(
    part: str, hot_path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"{part}.txt"
    assert profile.main([part, "--articles", "20", "--out", str(out)]) == 0
    tree = out.read_text()
    assert hot_path in tree
    assert str(out) in capsys.readouterr().out
