"""The extraction quality gate: pinned floors per benchmark set that never drop without an explicit flag."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import floor
from bench.sets import all_sets
from tests.support.shared import require_input


def _measured(
    f1: float = 0.9733, empty: int = 0, leaks: int | None = None, author: float | None = None
) -> floor.Measured:
    scores = {"f1": f1, **({"author": author} if author is not None else {})}
    counts = {"empty": empty, **({"leaks": leaks} if leaks is not None else {})}
    return floor.Measured("wcxb-articles", "defcorpus extract", scores, counts, pages=711)


GOOD = _measured(leaks=74, author=0.8301)


def test_update_pins_the_floors_rounded_down(tmp_path: Path) -> None:
    path = tmp_path / "floor.json"
    ok, _ = floor.update(path, GOOD, "sha256:x")
    pinned = json.loads(path.read_text())["sets"]["wcxb-articles"]
    assert ok and pinned["digest"] == "sha256:x" and pinned["noise_margin"] == floor.NOISE_MARGIN
    assert pinned["floors"] == {"f1": 0.973, "author": 0.830} and pinned["caps"] == {"empty": 0, "leaks": 74}


def test_the_floor_never_drops_without_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "floor.json"
    floor.update(path, GOOD, "sha256:x")
    worse = _measured(f1=0.95, leaks=74, author=0.9)
    ok, message = floor.update(path, worse, "sha256:x")
    assert not ok and message.startswith("refused") and "f1" in message
    assert json.loads(path.read_text())["sets"]["wcxb-articles"]["floors"]["f1"] == 0.973
    ok, _ = floor.update(path, worse, "sha256:x", allow_lower=True)
    assert ok and json.loads(path.read_text())["sets"]["wcxb-articles"]["floors"]["f1"] == 0.95


@pytest.mark.parametrize(
    "worse",
    [
        _measured(leaks=75, author=0.8301),  # a cap raised: more pages leak boilerplate
        _measured(leaks=74),  # a pinned metric dropped from the measurement
    ],
)
def test_raising_a_cap_or_dropping_a_metric_needs_the_flag(tmp_path: Path, worse: floor.Measured) -> None:
    path = tmp_path / "floor.json"
    floor.update(path, GOOD, "sha256:x")
    ok, message = floor.update(path, worse, "sha256:x")
    assert not ok and message.startswith("refused")


def test_updating_one_set_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "floor.json"
    floor.update(path, GOOD, "sha256:x")
    other = floor.Measured("site-bench", "defcorpus extract --learn", {"f1": 0.94, "para_f1": 0.89}, {"empty": 0}, 40)
    floor.update(path, other, "sha256:y")
    sets = json.loads(path.read_text())["sets"]
    assert set(sets) == {"wcxb-articles", "site-bench"} and sets["wcxb-articles"]["floors"]["f1"] == 0.973


@pytest.mark.parametrize(
    ("measured", "digest", "passes"),
    [
        (GOOD, "sha256:x", True),
        (_measured(f1=0.9690, leaks=74, author=0.8301), "sha256:x", True),  # within the noise margin
        (_measured(f1=0.9670, leaks=74, author=0.8301), "sha256:x", False),  # below floor - margin
        (_measured(leaks=74, author=0.80), "sha256:x", False),  # authors found on fewer pages
        (_measured(empty=1, leaks=74, author=0.8301), "sha256:x", False),  # a page came out empty
        (_measured(leaks=75, author=0.8301), "sha256:x", False),  # one more page leaks boilerplate
        (_measured(leaks=74), "sha256:x", False),  # a pinned metric was not measured
        (GOOD, "sha256:y", False),  # other inputs than the floor was pinned on
    ],
)
def test_check(tmp_path: Path, measured: floor.Measured, digest: str, passes: bool) -> None:
    path = tmp_path / "floor.json"
    floor.update(path, GOOD, "sha256:x")
    ok, _ = floor.check(path, measured, digest)
    assert ok is passes


def test_check_without_a_floor_fails(tmp_path: Path) -> None:
    ok, message = floor.check(tmp_path / "none.json", GOOD, "sha256:x")
    assert not ok and "--update-floor" in message


def test_a_floor_file_of_the_one_set_layout_still_holds(tmp_path: Path) -> None:
    path = tmp_path / "floor.json"
    legacy = {"digest": "sha256:x", "f1_floor": 0.973, "noise_margin": 0.005, "max_empty": 0}
    path.write_text(json.dumps(legacy))
    ours = floor.Measured("extraction-bench", "defcorpus extract", {"f1": 0.960}, {"empty": 0}, 92)
    assert floor.check(path, ours, "sha256:x")[0] is False
    assert floor.update(path, ours, "sha256:x")[0] is False  # re-pinning in the new layout cannot lower it


def test_digest_changes_with_any_input(tmp_path: Path) -> None:
    scorer = tmp_path / "score.py"
    scorer.write_text("# scorer\n")
    (tmp_path / "ground-truth.json").write_text("{}")
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(b"<p>a</p>"))
    before, without_scorer = floor.input_digest(tmp_path, scorer), floor.input_digest(tmp_path)
    assert before != without_scorer
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(b"<p>b</p>"))
    assert floor.input_digest(tmp_path, scorer) != before and floor.input_digest(tmp_path) != without_scorer


def test_every_set_has_a_pinned_floor() -> None:
    pinned = floor.load(floor.FLOOR_FILE)
    for name, bench_set in all_sets().items():
        assert set(pinned[name]["floors"]) == set(bench_set.floors), name
        assert set(pinned[name]["caps"]) == set(bench_set.caps), name


@pytest.mark.timeout(900)  # wcxb's 711 pages: about 85 CPU-seconds, far more on a busy machine
@pytest.mark.parametrize("name", list(all_sets()))
def test_dev_set_stays_above_the_pinned_floor(name: str) -> None:
    """The real pages, ``defcorpus extract`` only. Without the shared sets this skips locally;
    under ``CI=true`` a missing set is a failure, so the gate cannot vanish unnoticed.

    The gate runs as its own process, as a user runs it: its pool of forked workers must not fork
    this test process, whose other threads (the S3 server of other tests) could hold a lock forever.
    """
    bench_set = all_sets()[name]
    require_input(bench_set.directory / "ground-truth.json", f"the shared benchmark set {name}")
    gate = subprocess.run(
        [sys.executable, "-m", "bench.extraction", "--check", "--set", name, "--jobs", "2"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert gate.returncode == 0, gate.stdout + gate.stderr
