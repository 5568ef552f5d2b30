"""MinHash sketches of text, shared by learned boilerplate (paragraphs) and dedup (whole bodies).

Text is folded the same way as ``boilerplate.fingerprint`` (case, punctuation, digits), then cut into
word shingles, so two variants that differ by a number, punctuation or a short prefix share most
shingles. Sketches are stored as base64 of their uint32 hash values: compact, JSON-friendly, and
rebuilt without regenerating permutations (``LeanMinHash``).
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash

SEED = 1
SCHEME = "affine32"  # datasketch >= 2.0 default; hash values fit in uint32
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def fold(text: str) -> str:
    """Case, punctuation, spacing and numbers folded: the text two variants have in common."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", _DIGITS.sub("0", folded)).strip()


def shingles(text: str, size: int) -> list[bytes]:
    """Word ``size``-grams of the folded text (the whole text when it is shorter)."""
    words = fold(text).split()
    if len(words) <= size:
        return [" ".join(words).encode()] if words else []
    return [" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)]


def sketches(texts: Sequence[str], *, size: int, num_perm: int) -> list[LeanMinHash]:
    """One sketch per text, computed in bulk (permutations are generated once per call)."""
    sets = [shingles(t, size) or [b""] for t in texts]
    return [LeanMinHash(m) for m in MinHash.bulk(sets, num_perm=num_perm, seed=SEED)] if sets else []


def encode(sketch: LeanMinHash) -> str:
    return base64.b64encode(np.asarray(sketch.hashvalues, dtype="<u4").tobytes()).decode()


def decode(text: str) -> LeanMinHash:
    values = np.frombuffer(base64.b64decode(text), dtype="<u4").astype(np.uint32)
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)
