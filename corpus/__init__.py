"""The contract between the stages: schema, store, key layout, Parquet table, WARC reading and the reader.

It imports nothing else of the project; the stages (``crawlers``, ``cleaning``) and the application
(``defcorpus``) build on it.

``corpus.open(store)`` opens the published corpus for reading (see ``corpus.reader``).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # Lazy, so that importing corpus.schema does not pull in pyarrow and boto3.
    if name == "open":
        from corpus.reader import open_corpus

        return open_corpus
    raise AttributeError(f"module 'corpus' has no attribute {name!r}")
