"""The corpus: schema, store, table, reader and the ``defcorpus`` command line.

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
