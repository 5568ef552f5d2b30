"""Export published articles: JSON Lines (``corpus/export-record.schema.json``, dates ISO 8601 in UTC) or Parquet."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.reader import Corpus
from corpus.schema import json_datetime
from corpus.store import Store


def export(
    store: Store,
    output: str,
    *,
    fmt: str = "jsonl",
    site: str | None = None,
    since: str | None = None,
    until: str | None = None,
    latest: bool = True,
    skipped: list[tuple[str, str, int]] | None = None,
) -> int:
    """Write the selected articles to ``output`` ('-' is stdout); returns how many.

    Files of a damaged store that could not be read are left out and added to ``skipped`` (see
    ``corpus.reader.Corpus``).
    """
    table = select(store, site=site, since=since, until=until, latest=latest, skipped=skipped)
    return write(table, output, fmt=fmt)


def select(
    store: Store,
    *,
    site: str | None = None,
    since: str | None = None,
    until: str | None = None,
    latest: bool = True,
    skipped: list[tuple[str, str, int]] | None = None,
) -> pa.Table:
    """The articles an export writes; apart from ``write`` so a caller can refuse before any output exists."""
    corpus = Corpus(store)
    table = corpus.articles(site=site, since=since, until=until, latest=latest)
    if skipped is not None:
        skipped += corpus.skipped
    return table


ProgressCallback = Callable[[int, int], None]  # rows written, rows in all
_BATCH_ROWS = 1000


def write(table: pa.Table, output: str, *, fmt: str = "jsonl", on_progress: ProgressCallback | None = None) -> int:
    """``table`` as JSON Lines or Parquet to ``output`` ('-' is stdout, JSON Lines only); returns its rows.

    ``on_progress`` hears the rows written so far after each batch of 1,000 (JSON Lines) or at the end.
    """
    if fmt == "parquet":
        pq.write_table(table, output, compression="zstd")
    elif fmt != "jsonl":
        raise ValueError(f"unknown export format {fmt!r}")
    elif output == "-":
        _write_jsonl(table, sys.stdout, on_progress)
    else:
        with open(output, "w", encoding="utf-8") as fh:  # noqa: PTH123
            _write_jsonl(table, fh, on_progress)
    if on_progress:
        on_progress(table.num_rows, table.num_rows)
    return table.num_rows


def _write_jsonl(table: pa.Table, fh: IO[str], on_progress: ProgressCallback | None) -> None:
    done = 0
    for batch in table.to_batches(max_chunksize=_BATCH_ROWS):  # rows as Python objects a batch at a time
        for row in batch.to_pylist():
            fh.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")
        done += batch.num_rows
        if on_progress:
            on_progress(done, table.num_rows)


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return json_datetime(value)  # the form extract writes too: one form for every JSON output
    raise TypeError(f"cannot serialise {type(value).__name__}")
