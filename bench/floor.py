"""The extraction quality gate, after trafilatura's ``tests/eval_gate.py``: a pinned F1 floor.

``extraction_floor.json`` holds the floor, the noise margin, the most empty outputs allowed and a
digest of the inputs (pages, ground truth, scorer). ``check`` fails when F1 drops below
floor − margin, when more pages come out empty, or when the inputs are not the ones the floor was
pinned on. ``update`` raises the floor to a new measurement and never lowers it without
``allow_lower``, so a regression cannot be waved through by re-pinning.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FLOOR_FILE = Path(__file__).resolve().parent / "extraction_floor.json"
NOISE_MARGIN = 0.005  # a library upgrade may move F1 a little; a real regression moves it more
FLOOR_DECIMALS = 3


@dataclass(frozen=True)
class Measured:
    f1: float
    precision: float
    recall: float
    empty: int
    pages: int


def input_digest(directory: Path, scorer: Path) -> str:
    """sha256 over the name and content of every page, the ground truth and the scorer."""
    files = [*sorted(directory.glob("*.html.gz")), directory / "ground-truth.json", scorer]
    outer = hashlib.sha256()
    for path in files:
        outer.update(f"{path.name}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return f"sha256:{outer.hexdigest()}"


def _round_down(value: float) -> float:
    scale = 10**FLOOR_DECIMALS
    return math.floor(value * scale) / scale


def load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def check(path: Path, measured: Measured, digest: str) -> tuple[bool, str]:
    pinned = load(path)
    if pinned is None:
        return False, f"FAIL: no floor pinned in {path}; run with --update-floor"
    if pinned["digest"] != digest:
        return False, (
            f"FAIL: the inputs differ from those the floor was pinned on ({pinned['digest']}, "
            f"now {digest}); re-pin with --update-floor (--allow-lower-floor if F1 is lower)"
        )
    floor, margin = float(pinned["f1_floor"]), float(pinned["noise_margin"])
    if measured.f1 < floor - margin:
        return False, f"FAIL: F1 {measured.f1:.4f} < floor {floor:.3f} - margin {margin:.3f}"
    if measured.empty > int(pinned["max_empty"]):
        return False, f"FAIL: {measured.empty} empty outputs > {pinned['max_empty']} allowed"
    return True, f"ok: F1 {measured.f1:.4f} >= floor {floor:.3f} - margin {margin:.3f}; {measured.empty} empty"


def update(path: Path, measured: Measured, digest: str, *, allow_lower: bool = False) -> tuple[bool, str]:
    """Pin the floor at this measurement (rounded down); lowering it needs ``allow_lower``."""
    pinned = load(path)
    new_floor = _round_down(measured.f1)
    if pinned is not None and not allow_lower:
        old_floor, old_empty = float(pinned["f1_floor"]), int(pinned["max_empty"])
        if new_floor < old_floor or measured.empty > old_empty:
            return False, (
                f"refused: F1 floor {old_floor:.3f} -> {new_floor:.3f}, empty {old_empty} -> "
                f"{measured.empty} would lower the bar; pass --allow-lower-floor to do it on purpose"
            )
    record = {
        "system": "defcorpus extract",
        "digest": digest,
        "f1_floor": new_floor,
        "noise_margin": NOISE_MARGIN,
        "max_empty": measured.empty,
        "measured": {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(measured).items()},
    }
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return True, f"floor pinned: F1 {new_floor:.3f} (measured {measured.f1:.4f}), {measured.empty} empty, {digest}"
