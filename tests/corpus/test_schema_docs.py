"""The schema's documents are generated from the model and must match it (Fundus-style check)."""

from __future__ import annotations

import json

from corpus.schema import Article
from corpus.schema_docs import JSON_SCHEMA, SCHEMA_MD, json_schema, markdown
from corpus.table import ARTICLE_SCHEMA, PARTITION_COLUMNS


def test_docs_are_up_to_date() -> None:
    hint = "regenerate with: python -m corpus.schema_docs"
    assert SCHEMA_MD.read_text(encoding="utf-8") == markdown(), hint
    assert json.loads(JSON_SCHEMA.read_text(encoding="utf-8")) == json_schema(), hint


def test_parquet_schema_covers_the_model() -> None:
    model_fields = set(Article.model_fields) - set(PARTITION_COLUMNS)
    assert set(ARTICLE_SCHEMA.names) == model_fields


def test_every_field_is_documented() -> None:
    undocumented = [name for name, field in Article.model_fields.items() if not field.description]
    assert undocumented == []
