"""The extraction quality gate, after trafilatura's ``tests/eval_gate.py``: pinned floors per set.

``extraction_floor.json`` holds one entry per benchmark set: the system measured, a digest of that
set's inputs (pages, ground truth, scorer), a floor for each quality metric (F1, author, date, …), a
cap for each count (empty bodies, pages leaking boilerplate) and the noise margin. ``check`` fails
when a metric drops below floor − margin, a count rises above its cap, or the inputs are not the
ones the floor was pinned on. ``update`` re-pins a set at a new measurement and never lowers a floor
or raises a cap without ``allow_lower``, so a regression cannot be waved through by re-pinning.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLOOR_FILE = Path(__file__).resolve().parent / "extraction_floor.json"
NOISE_MARGIN = 0.005  # a library upgrade may move F1 a little; a real regression moves it more
FLOOR_DECIMALS = 3


@dataclass(frozen=True)
class Measured:
    """One set's gate figures: ``scores`` must not drop, ``counts`` must not rise."""

    set: str
    system: str
    scores: dict[str, float]
    counts: dict[str, int]
    pages: int
    details: dict[str, float | int] = field(default_factory=dict)  # kept in the file for reference


def input_digest(directory: Path, scorer: Path | None = None) -> str:
    """sha256 over the name and content of every page, the ground truth and the scorer if any."""
    files = [*sorted(directory.glob("*.html.gz")), directory / "ground-truth.json", *([scorer] if scorer else [])]
    outer = hashlib.sha256()
    for path in files:
        outer.update(f"{path.name}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return f"sha256:{outer.hexdigest()}"


def _round_down(value: float) -> float:
    scale = 10**FLOOR_DECIMALS
    return math.floor(value * scale) / scale


def load(path: Path) -> dict[str, dict[str, Any]]:
    """Set name -> pinned entry. A file of the earlier one-set layout reads as its
    extraction-bench entry, so its floor still holds."""
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if "sets" in data:
        sets: dict[str, dict[str, Any]] = data["sets"]
        return sets
    return {
        "extraction-bench": {
            "system": data.get("system", "defcorpus extract"),
            "digest": data["digest"],
            "noise_margin": data["noise_margin"],
            "floors": {"f1": data["f1_floor"]},
            "caps": {"empty": data["max_empty"]},
            **({"measured": data["measured"]} if "measured" in data else {}),
        }
    }


def check(path: Path, measured: Measured, digest: str) -> tuple[bool, str]:
    """Every failure at once, so one run shows all that regressed."""
    pinned = load(path).get(measured.set)
    if pinned is None:
        return False, f"FAIL {measured.set}: no floor pinned in {path}; run with --update-floor"
    if pinned["digest"] != digest:
        return False, (
            f"FAIL {measured.set}: the inputs differ from those the floor was pinned on ({pinned['digest']}, "
            f"now {digest}); re-pin with --update-floor (--allow-lower-floor if a metric is lower)"
        )
    margin = float(pinned["noise_margin"])
    failures, passed = [], []
    for metric, floor in pinned["floors"].items():
        value = measured.scores.get(metric)
        if value is None or value < float(floor) - margin:
            failures.append(f"{metric} {_show(value)} < floor {floor:.3f} - margin {margin:.3f}")
        else:
            passed.append(f"{metric} {value:.4f} >= {floor:.3f}")
    for metric, cap in pinned["caps"].items():
        count = measured.counts.get(metric)
        if count is None or count > int(cap):
            failures.append(f"{metric} {count} > {cap} allowed")
        else:
            passed.append(f"{metric} {count} <= {cap}")
    if failures:
        return False, f"FAIL {measured.set}: " + "; ".join(failures)
    return True, f"ok {measured.set}: " + ", ".join(passed) + f" (margin {margin:.3f})"


def _show(value: float | None) -> str:
    return "missing" if value is None else f"{value:.4f}"


def update(path: Path, measured: Measured, digest: str, *, allow_lower: bool = False) -> tuple[bool, str]:
    """Pin this set at this measurement (floors rounded down); other sets' entries stay as they
    are. Lowering a floor, raising a cap or dropping a pinned metric needs ``allow_lower``."""
    entries = load(path)
    floors = {metric: _round_down(value) for metric, value in measured.scores.items()}
    caps = dict(measured.counts)
    old = entries.get(measured.set)
    if old is not None and not allow_lower:
        lowered = [
            f"{m} floor {f:.3f} -> {_show(floors.get(m))}"
            for m, f in old["floors"].items()
            if m not in floors or floors[m] < float(f)
        ]
        lowered += [
            f"{m} cap {c} -> {caps.get(m)}" for m, c in old["caps"].items() if m not in caps or caps[m] > int(c)
        ]
        if lowered:
            return False, (
                f"refused {measured.set}: {', '.join(lowered)} would lower the bar; "
                "pass --allow-lower-floor to do it on purpose"
            )
    entries[measured.set] = {
        "system": measured.system,
        "digest": digest,
        "noise_margin": NOISE_MARGIN,
        "floors": floors,
        "caps": caps,
        "measured": {
            k: round(v, 4) if isinstance(v, float) else v
            for k, v in {**measured.details, **measured.scores, **measured.counts, "pages": measured.pages}.items()
        },
    }
    path.write_text(json.dumps({"sets": entries}, indent=2) + "\n", encoding="utf-8")
    pinned = ", ".join([*(f"{m} {v:.3f}" for m, v in floors.items()), *(f"{m} <= {c}" for m, c in caps.items())])
    return True, f"floor pinned {measured.set}: {pinned}, {digest}"
