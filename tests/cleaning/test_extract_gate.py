"""The extraction quality gate: a pinned F1 floor that never drops without an explicit flag."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bench import extraction, floor

GOOD = floor.Measured(f1=0.9733, precision=0.967, recall=0.98, empty=0, pages=92)


def test_update_pins_the_floor_rounded_down(tmp_path: Path) -> None:
    path = tmp_path / "floor.json"
    ok, _ = floor.update(path, GOOD, "sha256:x")
    pinned = json.loads(path.read_text())
    assert ok and pinned["f1_floor"] == 0.973 and pinned["max_empty"] == 0 and pinned["digest"] == "sha256:x"


def test_the_floor_never_drops_without_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "floor.json"
    floor.update(path, GOOD, "sha256:x")
    worse = floor.Measured(f1=0.95, precision=0.9, recall=0.98, empty=0, pages=92)
    ok, message = floor.update(path, worse, "sha256:x")
    assert not ok and message.startswith("refused")
    assert json.loads(path.read_text())["f1_floor"] == 0.973
    ok, _ = floor.update(path, worse, "sha256:x", allow_lower=True)
    assert ok and json.loads(path.read_text())["f1_floor"] == 0.95


@pytest.mark.parametrize(
    ("f1", "empty", "digest", "passes"),
    [
        (0.9733, 0, "sha256:x", True),
        (0.9690, 0, "sha256:x", True),  # within the noise margin
        (0.9670, 0, "sha256:x", False),  # below floor - margin
        (0.9733, 1, "sha256:x", False),  # a page came out empty
        (0.9733, 0, "sha256:y", False),  # other inputs than the floor was pinned on
    ],
)
def test_check(tmp_path: Path, f1: float, empty: int, digest: str, passes: bool) -> None:
    path = tmp_path / "floor.json"
    floor.update(path, GOOD, "sha256:x")
    ok, _ = floor.check(path, floor.Measured(f1=f1, precision=0.9, recall=0.9, empty=empty, pages=92), digest)
    assert ok is passes


def test_check_without_a_floor_fails(tmp_path: Path) -> None:
    ok, message = floor.check(tmp_path / "none.json", GOOD, "sha256:x")
    assert not ok and "--update-floor" in message


def test_digest_changes_with_any_input(tmp_path: Path) -> None:
    scorer = tmp_path / "score.py"
    scorer.write_text("# scorer\n")
    (tmp_path / "ground-truth.json").write_text("{}")
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(b"<p>a</p>"))
    before = floor.input_digest(tmp_path, scorer)
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(b"<p>b</p>"))
    assert floor.input_digest(tmp_path, scorer) != before


@pytest.mark.skipif(not extraction.DEFAULT_DIR.is_dir(), reason="the shared extraction benchmark is not here")
def test_dev_set_stays_above_the_pinned_floor(capsys: pytest.CaptureFixture[str]) -> None:
    status = extraction.main(["--check"])
    assert status == 0, capsys.readouterr().out
