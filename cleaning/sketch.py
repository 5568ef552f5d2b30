"""MinHash sketches of text and a banded index over them, shared by learned boilerplate (paragraphs)
and dedup (whole bodies).

Text is folded the same way as ``boilerplate.fingerprint`` (case, punctuation, digits), then cut into
word shingles, so two variants that differ by a number, punctuation or a short prefix share most
shingles. A sketch is the minimum of ``num_perm`` multiply-shift hash functions over a text's shingle
hashes, kept as the bytes of its little-endian uint32 values: compact in memory, base64 in JSON.

Written here rather than taken from datasketch, which the first version used: datasketch hashes each
shingle with a Python-level SHA-1 call and keeps an LSH bucket as a Python ``set`` per band, which
made sketching about a third of a clean's CPU and the LSH index two thirds of the boilerplate state's
memory. Here a word is hashed once (CRC-32, in C), shingles and permutations are numpy arithmetic
over a whole batch, and an index bucket is one dict slot. The estimator and the banding are the
standard ones (Broder's MinHash; LSH bands tuned as in datasketch's ``MinHashLSH``).
"""

from __future__ import annotations

import base64
import re
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from functools import cache, lru_cache

import numpy as np

Sketch = bytes  # little-endian uint32 minima, one per permutation

SEED = 1
# One odd 64-bit multiplier per word position in a shingle (golden-ratio and xxhash/murmur primes).
_POSITION = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD],
    dtype=np.uint64,
)
MAX_SHINGLE_WORDS = len(_POSITION)
# Values per numpy step: the temporary (shingles x permutations) matrix stays in the CPU cache (~512 KB).
_BLOCK_VALUES = 1 << 16
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Case, punctuation, spacing and numbers folded: the text two variants have in common.

    Cached because a paragraph is folded by several steps (fingerprint, sketch, author and bio cues)
    within one page; the cache is small, so it holds about one page's worth of recent paragraphs.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", _DIGITS.sub("0", folded)).strip()


def shingle_hashes(text: str, size: int) -> np.ndarray:
    """64-bit hashes of the word ``size``-grams of the folded text (the whole text when shorter).

    Not yet finalised (``_finalize``): the caller does that once for a whole batch.
    """
    if not 1 <= size <= MAX_SHINGLE_WORDS:
        raise ValueError(f"shingle size must be 1..{MAX_SHINGLE_WORDS}, not {size}")
    words = np.fromiter(map(zlib.crc32, fold(text).encode().split()), dtype=np.uint64)
    if words.size == 0:
        return np.zeros(1, dtype=np.uint64)  # the empty text: one shingle, like any other one-shingle text
    width = min(size, words.size)
    count = words.size - width + 1
    mixed = np.zeros(count, dtype=np.uint64)
    for position in range(width):
        mixed += words[position : position + count] * _POSITION[position]
    return mixed


def sketches(texts: Sequence[str], *, size: int, num_perm: int) -> list[Sketch]:
    """One sketch per text, computed over the whole batch at once."""
    hashed = [shingle_hashes(t, size) for t in texts]
    limit = _BLOCK_VALUES // num_perm
    out: list[Sketch] = []
    for group in _groups(hashed, limit):
        values = _finalize(np.concatenate(group)) >> np.uint64(32)
        if len(group) == 1:  # one text, maybe long: its minimum, a block of shingles at a time
            minima = np.min([_permute(values[lo : lo + limit], num_perm).min(axis=0)
                             for lo in range(0, values.size, limit)], axis=0)[None, :]  # fmt: skip
        else:
            starts = np.cumsum([0] + [h.size for h in group[:-1]])
            minima = np.minimum.reduceat(_permute(values, num_perm), starts, axis=0)
        out.extend(row.astype("<u4").tobytes() for row in minima)
    return out


def jaccard(a: Sketch, b: Sketch) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    x, y = np.frombuffer(a, dtype="<u4"), np.frombuffer(b, dtype="<u4")
    return float(np.count_nonzero(x == y)) / x.size


def encode(sketch: Sketch) -> str:
    return base64.b64encode(sketch).decode()


def decode(text: str) -> Sketch:
    return base64.b64decode(text)


class BandIndex:
    """Keys of sketches that agree on every value of at least one band: the candidates for a match.

    Not persisted (rebuilt from the sketches on load), so a band is keyed by Python's in-process hash
    of its bytes; a rare collision only adds a candidate, which the caller's ``jaccard`` then rejects.
    """

    def __init__(self, threshold: float, num_perm: int) -> None:
        self.bands, self.rows = band_shape(threshold, num_perm)
        self._tables: list[dict[int, str | list[str]]] = [{} for _ in range(self.bands)]

    def insert(self, key: str, sketch: Sketch) -> None:
        for table, band in zip(self._tables, self._band_hashes(sketch), strict=True):
            held = table.get(band)
            if held is None:
                table[band] = key
            elif isinstance(held, str):
                table[band] = [held, key]
            else:
                held.append(key)

    def remove(self, key: str, sketch: Sketch) -> None:
        for table, band in zip(self._tables, self._band_hashes(sketch), strict=True):
            held = table.get(band)
            if held == key:
                del table[band]
            elif isinstance(held, list) and key in held:
                held.remove(key)
                if len(held) == 1:
                    table[band] = held[0]

    def query(self, sketch: Sketch) -> set[str]:
        found: set[str] = set()
        for table, band in zip(self._tables, self._band_hashes(sketch), strict=True):
            held = table.get(band)
            if isinstance(held, str):
                found.add(held)
            elif held:
                found.update(held)
        return found

    def _band_hashes(self, sketch: Sketch) -> Iterator[int]:
        width = self.rows * 4
        # 30 bits: a small int object (28 bytes, not 36) in each of a large index's dicts.
        return (hash(sketch[i * width : (i + 1) * width]) & 0x3FFFFFFF for i in range(self.bands))


@cache
def band_shape(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) minimising false positives plus false negatives around ``threshold``."""
    below, above = np.linspace(0.0, threshold, 200), np.linspace(threshold, 1.0, 200)
    best, shape = float("inf"), (1, num_perm)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_pos = np.trapezoid(1 - (1 - below**rows) ** bands, below)
            false_neg = np.trapezoid((1 - above**rows) ** bands, above)
            if false_pos + false_neg < best:
                best, shape = float(false_pos + false_neg), (bands, rows)
    return shape


@cache
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.default_rng(SEED)
    a = gen.integers(0, 1 << 64, size=num_perm, dtype=np.uint64, endpoint=False) | np.uint64(1)  # odd
    b = gen.integers(0, 1 << 64, size=num_perm, dtype=np.uint64, endpoint=False)
    return a, b


def _permute(values: np.ndarray, num_perm: int) -> np.ndarray:
    """(len(values), num_perm) matrix of multiply-shift hashes: the high 32 bits of a * x + b mod 2^64."""
    a, b = _permutations(num_perm)
    return (values[:, None] * a + b) >> np.uint64(32)


def _finalize(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: every input bit affects every output bit."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _groups(hashed: list[np.ndarray], limit: int) -> Iterator[list[np.ndarray]]:
    """Consecutive texts whose shingles add up to about ``limit`` (a longer text is a group alone)."""
    group: list[np.ndarray] = []
    total = 0
    for h in hashed:
        if group and total + h.size > limit:
            yield group
            group, total = [], 0
        group.append(h)
        total += h.size
    if group:
        yield group
