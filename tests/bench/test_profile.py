"""``python -m bench.profile``: a call tree of the real clean and crawl, at tiny N (no timing asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import profile


# The profiled call is the root of every sample, so its frame is in any tree; a hot path further down
# is only there when a 1 ms sample happened to land in it, which a 20-page run does not promise.
@pytest.mark.parametrize(("part", "root"), [("clean", "clean_site"), ("crawl", "crawlers/__main__.py")])
def test_profile_writes_the_call_tree(part: str, root: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"{part}.txt"
    assert profile.main([part, "--articles", "20", "--out", str(out)]) == 0
    tree = out.read_text()
    assert "Recorded:" in tree
    assert root in tree
    assert str(out) in capsys.readouterr().out
