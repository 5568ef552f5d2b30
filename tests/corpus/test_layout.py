"""The store's layout is described once and built in one module.

- every key function of ``corpus.layout`` builds keys of exactly one line of its docstring's list, and
  every line is some function's;
- ``docs/storage.md`` shows that list as it is;
- no other module of the project spells a key: no string outside ``corpus/layout.py`` looks like one.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from corpus import layout

ROOT = Path(__file__).resolve().parents[2]
SOURCE_TREES = ("bench", "cleaning", "corpus", "crawlers", "dags", "defcorpus")
CRAWL, BATCH = "20240131T235959Z-0a1b2c3d", "20240201T010203Z-4e5f6a7b"
WARC = layout.raw_warc_key("site-a", CRAWL, 7)
DATA = layout.clean_data_key("site-a", "2023-12", BATCH, 3)

# Each function that returns a key, called as its callers call it.
KEY_FUNCTIONS: dict[str, Callable[[], str]] = {
    "raw_warc_key": lambda: WARC,
    "warc_index_key": lambda: layout.warc_index_key(WARC),
    "salvaged_warc_key": lambda: layout.salvaged_warc_key(WARC),
    "crawl_stats_key": lambda: layout.crawl_stats_key("site-a", CRAWL),
    "clean_data_key": lambda: DATA,
    "published_key": lambda: layout.published_key(layout.staged_key(DATA)),
    "manifest_key": lambda: layout.manifest_key(BATCH),
    "staged_key": lambda: layout.staged_key(DATA),
    "quarantine_key": lambda: layout.quarantine_key(DATA),
    "quarantine_note_key": lambda: layout.quarantine_note_key(WARC),
    "boilerplate_state_key": lambda: layout.boilerplate_state_key("site-a"),
    "crawl_state_segment_key": lambda: layout.crawl_state_segment_key("site-a", CRAWL, 7),
    "salvaged_state_key": lambda: layout.salvaged_state_key("site-a", layout.salvaged_warc_key(WARC)),
    "crawl_state_snapshot_key": lambda: layout.crawl_state_snapshot_key("site-a", CRAWL),
    "rejected_state_key": lambda: layout.rejected_state_key("site-a", BATCH),
    "rejected_state_snapshot_key": lambda: layout.rejected_state_snapshot_key("site-a", CRAWL),
    "clean_lease_key": lambda: layout.clean_lease_key("site-a"),
    "crawl_lease_key": lambda: layout.crawl_lease_key("site-a"),
    "dedup_state_key": lambda: layout.dedup_state_key("site-a"),
    "manifest_catalog_key": lambda: layout.manifest_catalog_key("site-a"),
    "version_index_root_key": lambda: layout.version_index_root_key("site-a"),
    "version_index_partition_key": lambda: layout.version_index_partition_key("site-a", 0xA7),
    "archive_cursor_key": lambda: layout.archive_cursor_key("site-a", "wayback", "20230101-20230201-earliest"),
    "archive_settled_key": lambda: layout.archive_settled_key("site-a", "commoncrawl", WARC),
    "batch_summary_key": lambda: layout.batch_summary_key(BATCH),
    "latest_report_key": layout.latest_report_key,
    "run_report_key": lambda: layout.run_report_key("manual__2024-02-01T01:02:03+00:00"),
}
EXTRA_KEYS = {"salvaged index": lambda: layout.warc_index_key(layout.salvaged_warc_key(WARC))}

PLACEHOLDERS = {
    "<site>": r"[a-z0-9][a-z0-9_-]*",
    "<YYYY>": r"\d{4}",
    "<MM>": r"\d{2}",
    "<YYYY-MM>": r"\d{4}-\d{2}",
    "<crawl_id>": r"\d{8}T\d{6}Z-[0-9a-f]{8}",
    "<batch_id>": r"\d{8}T\d{6}Z-[0-9a-f]{8}",
    "<seq>": r"\d{5}",
    "<n>": r"\d{4}",
    "<pp>": r"[0-9a-f]{2}",
    "<key>": r"(?:raw|clean)/.+(?<!\.note\.json)",
    "<run_id>": r"[A-Za-z0-9._-]+",
    "<archive>": r"(?:wayback|commoncrawl)",
    "<window>": r"[0-9TZ]+-[0-9TZ]+-(?:earliest|latest)",
    "<name>": r"\d{8}T\d{6}Z-[0-9a-f]{8}-\d{5}",  # the key of an object set aside, never a note
}


def listed(text: str) -> str:
    """The layout list in ``text``: what stands between its two markers."""
    match = re.search(r"<!-- layout -->\n(.*?)<!-- /layout -->", text, re.DOTALL)
    assert match, "no <!-- layout --> ... <!-- /layout --> block"
    return match[1]


def templates() -> list[str]:
    rows = [line for line in listed(layout.__doc__ or "").splitlines() if line and not line.startswith("```")]
    return [row.split()[0] for row in rows]


def pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(<[^>]+>)", template)
    return re.compile("".join(PLACEHOLDERS[p] if p.startswith("<") else re.escape(p) for p in parts))


def test_every_key_function_is_sampled() -> None:
    public = {name for name, fn in inspect.getmembers(layout, inspect.isfunction) if name.endswith("_key")}
    assert public == set(KEY_FUNCTIONS), "a key function was added or removed: list it here and in the docstring"


def test_every_key_matches_exactly_one_line_and_every_line_is_built() -> None:
    lines = templates()
    assert len(lines) == len(set(lines)), "a line is listed twice"
    matched: set[str] = set()
    for name, build in {**KEY_FUNCTIONS, **EXTRA_KEYS}.items():
        key = build()
        hits = [t for t in lines if pattern(t).fullmatch(key)]
        assert len(hits) == 1, f"{name} builds {key!r}, which matches {hits or 'no line'} of corpus/layout.py's list"
        matched.update(hits)
    assert set(lines) - matched == set(), "listed, but no function builds it"


def test_docs_storage_shows_the_layout_list() -> None:
    storage = (ROOT / "docs" / "storage.md").read_text()
    assert listed(storage) == listed(layout.__doc__ or ""), "copy the list of corpus/layout.py's docstring"


# What a key looks like, in a string of the code: a top-level area of the store, a partition or one of
# the reserved names, or a suffix only the store uses. File formats (.warc.gz, .parquet, .json) are
# not in it: local files carry them too (the crawl's temporary WARC files, `defcorpus extract` input).
_AREAS = (layout.RAW_PREFIX, layout.CLEAN_PREFIX, layout.STATE_PREFIX, layout.QUARANTINE_PREFIX)
_MARKS = ("site=", "month=", "_manifests", "_staging", "_dedup", "-salvaged", "snapshot-")
_SUFFIXES = (
    layout.INDEX_SUFFIX,
    layout.CRAWL_STATS_SUFFIX,
    layout.NOTE_SUFFIX,
    layout.STAGED_SUFFIX,
    layout.LEASE_SUFFIX,
)


def looks_like_a_key(text: str) -> bool:
    if not text or any(ch.isspace() for ch in text):  # prose and messages: a key has no whitespace
        return False
    return text.startswith(_AREAS) or any(m in text for m in _MARKS) or text.endswith(_SUFFIXES)


def key_literals(path: Path) -> list[str]:
    """Every string constant of ``path`` (f-strings' literal parts included) that looks like a key."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and looks_like_a_key(node.value):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    return found


@pytest.mark.parametrize(
    "text",
    ["raw/", "clean/_staging/", "state/", "site=", "/month=", ".cdx.parquet", "-salvaged", "crawl.lease", ".staged"],
)
def test_the_scan_recognises_keys(text: str) -> None:
    assert looks_like_a_key(text)


@pytest.mark.parametrize("text", ["file.warc.gz", ".parquet", "raw pages in raw/", "clean", "x.json"])
def test_the_scan_leaves_file_names_and_prose_alone(text: str) -> None:
    assert not looks_like_a_key(text)


def test_no_module_but_layout_spells_a_key() -> None:
    files = sorted(p for tree in SOURCE_TREES for p in (ROOT / tree).rglob("*.py") if ".venv" not in p.parts)
    assert len(files) > 100, "the source trees were not found"
    found = [hit for path in files if path != ROOT / "corpus" / "layout.py" for hit in key_literals(path)]
    assert found == [], "build these keys with corpus.layout"
