"""Real ``defcorpus export`` and ``defcorpus extract`` output validates against its checked-in JSON Schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from corpus.schema import MainImage
from corpus.schema_docs import EXPORT_SCHEMA, EXTRACT_SCHEMA, JSON_SCHEMA
from corpus.store import open_store
from corpus.table import publish
from defcorpus.cli import main
from tests.support import cleaning_sites as sites
from tests.support.articles import make_article
from tests.support.pages import article_with_metadata, html_page, paragraphs
from tests.support.raw import foreign_warc


def validator(path: Path) -> jsonschema.protocols.Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid(path: Path, records: list[dict[str, Any]]) -> None:
    check = validator(path)
    for record in records:
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in check.iter_errors(record)]
        assert errors == [], record.get("source") or record.get("headline")


def utc_dates(record: dict[str, Any]) -> list[str]:
    return [record[k] for k in ("date_published", "date_modified", "fetched_at") if record.get(k)]


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """Two sites; an article with every optional field set (a page offset of -05:00), an undated one."""
    store = open_store(str(tmp_path / "defcorpus-data"))
    eastern = timezone(timedelta(hours=-5))
    full = make_article("full", published="2022-11-02").model_copy(
        update={
            "date_published": datetime(2022, 11, 30, 21, 0, tzinfo=eastern),  # December in UTC
            "date_modified": datetime(2022, 12, 1, 8, 0, tzinfo=eastern),
            "main_image": MainImage(url="https://example.test/a.jpg", caption="A ship.", credit="Navy photo"),
            "tags": ["navy"],
            "section": "Sea",
            "paywalled": True,
        }
    )
    undated = make_article("undated").model_copy(update={"date_published": None})
    publish(store, "minisite", [full, undated], "20230201T000000Z-00000001", [])
    publish(store, "other", [make_article("b", site="other")], "20230202T000000Z-00000002", [])
    return store.url


def test_export_records_validate_against_the_export_schema(store_url: str) -> None:
    result = CliRunner().invoke(main, ["export", "--store", store_url], catch_exceptions=False)
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    assert_valid(EXPORT_SCHEMA, records)
    by_slug = {r["headline"]: r for r in records}
    full = by_slug["Headline full"]
    assert full["month"] == "2022-12" and full["date_published"] == "2022-12-01T02:00:00+00:00"
    assert by_slug["Headline undated"]["month"] == "2023-02"  # filed under its fetch month
    assert all(d.endswith("+00:00") for r in records for d in utc_dates(r))
    # An export record is an Article and its month: without the month it is a valid Article record.
    assert_valid(JSON_SCHEMA, [{k: v for k, v in r.items() if k != "month"} for r in records])


def test_the_schemas_are_strict_enough_to_fail() -> None:
    """What every export failed before: ``month`` in an Article record; a record without its WARC key."""
    record = json.loads(make_article("a").model_dump_json())
    assert list(validator(JSON_SCHEMA).iter_errors({**record, "month": "2022-12"}))
    assert list(validator(EXPORT_SCHEMA).iter_errors(record))  # no month
    assert list(validator(EXPORT_SCHEMA).iter_errors({**record, "month": "2022-13"}))
    assert list(validator(JSON_SCHEMA).iter_errors({k: v for k, v in record.items() if k != "warc_file"}))
    assert list(validator(EXTRACT_SCHEMA).iter_errors({"source": "a.html"}))  # neither article nor error


def test_extract_records_validate_against_the_extract_schema(tmp_path: Path) -> None:
    """An HTML file (no WARC provenance), a WARC file's page (with it), an input that cannot be read."""
    page = tmp_path / "a.html"
    page.write_text(article_with_metadata(), encoding="utf-8")
    url = "https://example.com/2025/03/story-0/"
    warc = foreign_warc(tmp_path / "crawl.warc.gz", {url: html_page(paragraphs(sites.prose(20))).encode()})
    args = ["extract", str(page), str(warc), str(tmp_path / "missing.html")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1  # one input failed
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [("error" in r, "warc_file" in r) for r in records] == [(False, False), (False, True), (True, False)]
    assert_valid(EXTRACT_SCHEMA, records)
    assert records[0]["date_published"] == "2025-03-04T08:30:00+00:00"  # the page said 09:30+01:00
    as_json = CliRunner().invoke(main, [*args, "--format", "json"])
    assert_valid(EXTRACT_SCHEMA, json.loads(as_json.stdout))
    assert all(d.endswith("+00:00") for r in records for d in utc_dates(r))
    assert datetime.fromisoformat(records[1]["fetched_at"]).tzinfo == UTC
