"""The Parquet schema, derived from the pydantic model: one source of truth for both.

Why derive: the model and the Arrow schema were kept in step by hand, so a field added to one and
forgotten in the other was only caught when a publish failed. The mapping is small and fixed:

- ``str`` → ``string``, ``bool`` → ``bool``, ``int`` → ``int32`` (counts: ``word_count``),
  ``datetime``/``AwareDatetime`` → ``timestamp[us, UTC]`` (Parquet keeps the instant, not the offset),
  ``list[X]`` → ``list<X>``, a nested model → ``struct`` of its fields, ``X | None`` → ``X``.
- Every column is nullable, as files have been written since schema 1.0 (a stricter flag would make
  old and new files two schemas to readers that unify them).
- Column order: the model's fields in their order, then the partition columns (``site``, ``month``)
  last, so the columns of a file of an older minor version are a prefix of the current ones.
"""

from __future__ import annotations

import types
import typing
from datetime import datetime
from typing import Annotated, Any, Union

import pyarrow as pa
from pydantic import AwareDatetime, BaseModel

TIMESTAMP = pa.timestamp("us", tz="UTC")
_SCALARS: dict[Any, pa.DataType] = {
    str: pa.string(),
    bool: pa.bool_(),
    int: pa.int32(),
    datetime: TIMESTAMP,
    AwareDatetime: TIMESTAMP,
}


def arrow_type(annotation: Any) -> pa.DataType:
    """The Arrow type of one field annotation; ``TypeError`` for one the mapping does not cover."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return arrow_type(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"no Arrow type for a union of several types: {annotation!r}")
        return arrow_type(members[0])
    if origin is list:
        return pa.list_(arrow_type(typing.get_args(annotation)[0]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct([(name, arrow_type(f.annotation)) for name, f in annotation.model_fields.items()])
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise TypeError(f"no Arrow type for {annotation!r}")


def model_schema(model: type[BaseModel], partition_columns: tuple[str, ...]) -> pa.Schema:
    """``model``'s fields as Arrow columns, the partition columns last (strings; a model field or not)."""
    fields = [
        pa.field(name, arrow_type(f.annotation))
        for name, f in model.model_fields.items()
        if name not in partition_columns
    ]
    return pa.schema([*fields, *(pa.field(name, pa.string()) for name in partition_columns)])
