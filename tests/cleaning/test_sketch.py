"""MinHash sketches: estimates close to the true shingle similarity, stable across processes, indexable."""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cleaning import sketch
from cleaning.sketch import BandIndex, band_shape, jaccard, shingle_hashes, sketches

_RNG = random.Random(7)
VOCAB = ["".join(_RNG.choice(string.ascii_lowercase) for _ in range(6)) for _ in range(3000)]


def _shingles(words: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_estimate_tracks_true_jaccard() -> None:
    rng = random.Random(1)
    errors = []
    for _ in range(200):
        words = [rng.choice(VOCAB) for _ in range(80)]
        changed = list(words)
        for i in rng.sample(range(80), rng.randint(0, 40)):
            changed[i] = rng.choice(VOCAB)
        true = len(_shingles(words, 3) & _shingles(changed, 3)) / len(_shingles(words, 3) | _shingles(changed, 3))
        a, b = sketches([" ".join(words), " ".join(changed)], size=3, num_perm=64)
        errors.append(jaccard(a, b) - true)
    assert abs(float(np.mean(errors))) < 0.02  # unbiased
    assert float(np.std(errors)) < 0.08  # about sqrt(J(1-J)/64)


def test_variants_that_differ_in_case_numbers_and_punctuation_are_identical() -> None:
    a, b, other = sketches(
        ["The 2023 budget: $842bn for the Army.", "the 1999 budget - $7bn for the army", "Entirely other words here"],
        size=3,
        num_perm=32,
    )
    assert a == b and jaccard(a, b) == 1.0
    assert jaccard(a, other) < 0.2
    assert len(a) == 32 * 4


def test_sketches_are_the_same_in_another_process() -> None:
    """Sketches are persisted in state files: they must not depend on the process (no ``hash()``)."""
    texts = ["Jane Roe is a defense columnist at Example News.", " ".join(VOCAB[:500]), ""]
    code = (
        "import sys, json; from cleaning.sketch import sketches, encode; "
        "print(json.dumps([encode(s) for s in sketches(json.loads(sys.stdin.read()), size=5, num_perm=64)]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True, check=True,
        env={"PYTHONHASHSEED": "12345"}, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert json.loads(done.stdout) == [sketch.encode(s) for s in sketches(texts, size=5, num_perm=64)]


def test_batch_and_block_boundaries_do_not_change_a_sketch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long text is permuted a block at a time, short ones many per block: the minima are the same."""
    texts = [" ".join(_RNG.choice(VOCAB) for _ in range(n)) for n in (3, 400, 40, 2500, 1, 60)]
    whole = sketches(texts, size=5, num_perm=64)
    monkeypatch.setattr(sketch, "_BLOCK_VALUES", 64 * 50)  # 50 shingles per block
    assert sketches(texts, size=5, num_perm=64) == whole
    assert [sketches([t], size=5, num_perm=64)[0] for t in texts] == whole


def test_short_and_empty_texts() -> None:
    assert shingle_hashes("", 3).size == 1
    assert shingle_hashes("two words", 3).size == 1
    assert shingle_hashes("one two three four", 3).size == 2
    with pytest.raises(ValueError, match="shingle size"):
        shingle_hashes("x", 6)


def test_band_shape_balances_errors_around_the_threshold() -> None:
    assert band_shape(0.7, 32) == (5, 6)  # the shapes datasketch's MinHashLSH picks for these settings
    assert band_shape(0.8, 64) == (5, 11)


def test_band_index_finds_near_copies_and_forgets_removed_keys() -> None:
    base = [_RNG.choice(VOCAB) for _ in range(60)]
    near = [*base[:-2], "changed", "ending"]
    far = [_RNG.choice(VOCAB) for _ in range(60)]
    s_base, s_near, s_far = sketches([" ".join(w) for w in (base, near, far)], size=3, num_perm=32)
    index = BandIndex(0.7, 32)
    index.insert("base", s_base)
    index.insert("far", s_far)
    index.insert("copy", s_base)
    assert {"base", "copy"} <= index.query(s_near)
    assert "far" not in index.query(s_near)
    index.remove("base", s_base)
    assert index.query(s_base) == {"copy"}
    index.remove("copy", s_base)
    assert index.query(s_base) == set()
