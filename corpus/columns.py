"""Some columns of a published file, fetched by byte ranges: a report over the corpus reads no body.

Why not ``store.read`` and then pick columns: on S3 that downloads every body, which is most of a
file's bytes. Parquet keeps each column of a row group in one contiguous chunk and says where in its
footer, so pyarrow reads the footer and then only the chunks asked for, through ``RangeFile`` (its
``pre_buffer`` joins neighbouring chunks into one request).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.errors import DamagedFileError, KeyNotFoundError
from corpus.manifest import FileEntry
from corpus.schema import Article
from corpus.store import Store
from corpus.table import ARTICLE_SCHEMA, PARTITION_COLUMNS, partition_of, read_published


class RangeFile(io.RawIOBase):
    """A read-only, seekable file over one store object of known size, read with ``read_range``."""

    def __init__(self, store: Store, key: str, size: int) -> None:
        super().__init__()
        self.store, self.key, self.size, self.position = store, key, size, 0
        self.requests = 0  # ranges fetched: what a test or the bench can count

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        length = min(len(buffer), self.size - self.position)
        if length <= 0:
            return 0
        data = self.store.read_range(self.key, self.position, length)
        self.requests += 1
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


def read_columns(store: Store, entry: FileEntry, columns: Sequence[str]) -> pa.Table:
    """``columns`` of the file a manifest ``entry`` lists (key and bytes), partition columns restored.

    A column the file predates (an older minor schema) reads as its default, as ``table.conform``
    fills it. ``DamagedFileError`` if the file does not parse; ``KeyNotFoundError`` if it is gone.
    """
    key, size = entry.key, entry.bytes or None
    wanted = [c for c in columns if c not in PARTITION_COLUMNS]
    try:
        table = _read(RangeFile(store, key, size) if isinstance(size, int) else None, store, key, wanted)
    except KeyNotFoundError:  # its promotion unfinished: the staged copy, read whole
        table = _read(None, store, key, wanted)
    for name in wanted:
        if name not in table.column_names:
            table = table.append_column(ARTICLE_SCHEMA.field(name), pa.repeat(_default(name), table.num_rows))
    parts = partition_of(key)
    for column in PARTITION_COLUMNS:
        if column in columns:
            table = table.append_column(column, pa.array([parts[column]] * table.num_rows, pa.string()))
    return table.select(list(columns))


def _read(source: RangeFile | None, store: Store, key: str, wanted: list[str]) -> pa.Table:
    try:
        file = pq.ParquetFile(source or io.BytesIO(read_published(store, key)), pre_buffer=True)
        return file.read(columns=[c for c in wanted if c in file.schema_arrow.names])
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DamagedFileError(key, f"not a readable Parquet file: {exc}") from None


def _default(name: str) -> pa.Scalar:
    model_field = Article.model_fields[name]
    if model_field.is_required():
        raise DamagedFileError(name, f"a published file has no column {name!r}, which has no default")
    return pa.scalar(model_field.get_default(call_default_factory=True), ARTICLE_SCHEMA.field(name).type)
