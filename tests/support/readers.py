"""The README's reader one-liners, found and run as a user would run them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_reader_lines() -> list[str]:
    block = re.search(r"<!-- readers -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert block, "README lost its readers block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def rows_of(name: str, value: Any) -> int:
    if name == "rel":
        return len(value.fetchall())
    return int(value.num_rows if hasattr(value, "num_rows") else len(value))


def columns_of(value: Any) -> list[str]:
    return list(value.column_names if hasattr(value, "column_names") else value.columns)


def site_months(name: str, value: Any) -> list[tuple[str, str]]:
    """The (site, month) of every row a reader gave, sorted: the columns' values, whatever the library."""
    if name == "rel":
        return sorted(value.project("site, month").fetchall())
    return sorted(zip((str(v) for v in value["site"]), (str(v) for v in value["month"]), strict=True))


def run_reader_line(line: str) -> tuple[str, Any]:
    """Run one README reader line as it stands; the name it assigns last, and the value."""
    namespace: dict[str, Any] = {}
    exec(line, namespace)
    name = line.rsplit(";", 1)[1].split("=", 1)[0].strip()
    return name, namespace[name]


def in_reader_dir(directory: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the README's lines run: beside ./defcorpus-data, Hugging Face offline with its own cache."""
    monkeypatch.chdir(directory)
    monkeypatch.setenv("HF_HOME", str(directory / "hf"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    return directory
