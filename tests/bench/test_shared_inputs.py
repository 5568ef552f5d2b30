"""A missing shared input (``../shared``) skips on a developer's machine and fails under ``CI=true``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import extraction
from bench.sets import SHARED, all_sets
from tests.support.bench_sets import wcxb_dir
from tests.support.shared import require_input


def test_the_shared_sets_are_found_next_to_the_repository() -> None:
    repository = Path(__file__).resolve().parents[2]
    assert repository.parent / "shared" == SHARED
    assert {s.directory.parents[1] for s in all_sets().values()} == {SHARED}


def test_a_present_input_is_returned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert require_input(tmp_path, "a folder") == tmp_path


def test_a_missing_input_skips_outside_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"the set is missing: .*absent"):
        require_input(tmp_path / "absent", "the set")


@pytest.mark.parametrize("value", ["true", "TRUE", "1"])
def test_a_missing_input_fails_under_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match=r"the set is missing: .*absent"):
        require_input(tmp_path / "absent", "the set")


def test_the_bench_gate_fails_on_a_missing_set_under_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared, floors = wcxb_dir(tmp_path / "shared"), tmp_path / "floor.json"  # wcxb-articles only
    gate = ["--shared", str(shared), "--floor-file", str(floors), "--jobs", "1"]
    monkeypatch.delenv("CI", raising=False)
    assert extraction.main([*gate, "--set", "wcxb-articles", "--update-floor"]) == 0
    assert extraction.main([*gate, "--check"]) == 0  # locally: the sets that are there are checked
    monkeypatch.setenv("CI", "true")
    assert extraction.main([*gate, "--check"]) == 1  # under CI: the two missing sets fail the gate
