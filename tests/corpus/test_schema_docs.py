"""The schema's documents and the Parquet schema are generated from the model and must match it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pyarrow as pa
import pytest

from corpus.arrow_schema import arrow_type
from corpus.schema import Article
from corpus.schema_docs import SCHEMA_MD, json_schemas, markdown
from corpus.table import ARTICLE_SCHEMA, PARTITION_COLUMNS
from tests.support.articles import make_article

_TS = pa.timestamp("us", tz="UTC")
# The schema files were written with at 1.1, as it was kept by hand in corpus/table.py.
SCHEMA_1_1 = pa.schema(
    [
        ("id", pa.string()),
        ("url", pa.string()),
        ("canonical_url", pa.string()),
        ("headline", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("author_bios", pa.list_(pa.string())),
        ("date_published", _TS),
        ("date_modified", _TS),
        ("section", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("language", pa.string()),
        ("description", pa.string()),
        ("body", pa.string()),
        ("main_image", pa.struct([("url", pa.string()), ("caption", pa.string()), ("credit", pa.string())])),
        ("word_count", pa.int32()),
        ("content_hash", pa.string()),
        ("near_duplicate_of", pa.string()),
        ("warc_file", pa.string()),
        ("warc_record_id", pa.string()),
        ("fetched_at", _TS),
        ("cleaner_version", pa.string()),
        ("schema_version", pa.string()),
        ("paywalled", pa.bool_()),
    ]
)


def test_docs_are_up_to_date() -> None:
    hint = "regenerate with: python -m corpus.schema_docs"
    assert SCHEMA_MD.read_text(encoding="utf-8") == markdown(), hint
    for path, schema in json_schemas().items():
        assert json.loads(path.read_text(encoding="utf-8")) == schema, f"{path.name}: {hint}"


def test_the_derived_parquet_schema_is_1_1s_with_the_partition_columns_appended() -> None:
    """The documented, compatible change of 1.2: a 1.1 file's columns are a prefix of a 1.2 file's."""
    assert SCHEMA_1_1.append(pa.field("site", pa.string())).append(pa.field("month", pa.string())) == ARTICLE_SCHEMA
    assert ARTICLE_SCHEMA.names[-2:] == list(PARTITION_COLUMNS)


def test_parquet_schema_covers_the_model() -> None:
    assert set(ARTICLE_SCHEMA.names) == set(Article.model_fields) | set(PARTITION_COLUMNS)


def test_a_type_the_mapping_does_not_cover_is_refused() -> None:
    with pytest.raises(TypeError, match="no Arrow type"):
        arrow_type(dict[str, str])
    with pytest.raises(TypeError, match="several types"):
        arrow_type(int | str)


def test_every_field_is_documented() -> None:
    undocumented = [name for name, field in Article.model_fields.items() if not field.description]
    assert undocumented == []


def test_json_dates_are_utc_whatever_the_pages_offset() -> None:
    """One form for every JSON output: the Parquet keeps the instant only, so JSON gives it in UTC."""
    eastern = timezone(timedelta(hours=-5))
    article = make_article("a").model_copy(update={"date_published": datetime(2022, 12, 5, 9, 30, tzinfo=eastern)})
    dumped = article.model_dump(mode="json")
    assert dumped["date_published"] == "2022-12-05T14:30:00+00:00"
    assert dumped["fetched_at"] == "2023-02-01T00:00:00+00:00"
    assert article.model_dump()["date_published"] == datetime(2022, 12, 5, 14, 30, tzinfo=UTC)
