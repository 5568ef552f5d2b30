"""Generate the schema's documents from the model, so they can never drift from it.

    python -m corpus.schema_docs     # rewrites docs/schema.md and the corpus/*.schema.json files

``tests/corpus/test_schema_docs.py`` fails when a committed file differs from what this generates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from corpus.records import EXTRACT_RECORD, ExportRecord, ExtractedArticle, ExtractError
from corpus.schema import SCHEMA_VERSION, Article, MainImage
from corpus.table import ARTICLE_SCHEMA

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_MD = ROOT / "docs" / "schema.md"
JSON_SCHEMA = Path(__file__).resolve().parent / "article.schema.json"
EXPORT_SCHEMA = JSON_SCHEMA.with_name("export-record.schema.json")
EXTRACT_SCHEMA = JSON_SCHEMA.with_name("extract-record.schema.json")

_INTRO = f"""# The Article record (schema version {SCHEMA_VERSION})

One row per article version. Names follow schema.org `NewsArticle` where one exists. The pydantic
models are the source of this page, of the Parquet schema (`corpus/arrow_schema.py` derives it from
`corpus/schema.py`) and of one JSON Schema per output (regenerate with `python -m corpus.schema_docs`):

| output | JSON Schema | model |
|---|---|---|
| the Article record | `corpus/article.schema.json` | `corpus.schema.Article` |
| `defcorpus export --format jsonl`, one per line | `corpus/export-record.schema.json` | `corpus.records.ExportRecord` |
| `extract`, a record | `corpus/extract-record.schema.json` | `corpus.records.ExtractedArticle` / `ExtractError` |

Timestamps: in Parquet `timestamp[us, UTC]`, which keeps the instant and not the page's own offset;
so every JSON output (`export` and `extract` alike) writes them as ISO 8601 in UTC,
`2022-11-02T14:30:00+00:00` (`corpus.schema.json_datetime`). An export's record is an Article plus
`month`; an extract's is an Article plus `source`, without `warc_file`, `warc_record_id` and
`paywalled` for a page read from an HTML file or stdin (a WARC record keeps them), or, for an input
that gave no article, `{{"source", "url", "error"}}`.

`site` and `month` (publication month in UTC, `YYYY-MM`; the fetch month for an undated article) are
Hive partition columns, in the path (`clean/site=…/month=…/`), and since schema 1.2 also the last two
columns of each file, with the same values: a file copied out of its folder, or read by a tool that
ignores Hive paths (Hugging Face `datasets`), still says what it holds. Every Parquet column is
nullable, as written since 1.0.

## Versioning

`schema_version` is `major.minor`. A minor version only adds optional fields: readers of the same
major version keep working. Removing or renaming a field, or changing its type or meaning, is a new
major version, and comes with a migration note below.

## Fields

| field | type (JSON / Parquet) | description |
|---|---|---|
"""

_IDENTITY = """
## The id

`id` is the first 32 hex digits of the sha256 of `canonical_url`, which is chosen and normalised by
`cleaning/identity.py`:

1. The page's `rel=canonical` (else its `og:url`) is taken only when it is an article URL of the
   page's own site: its host is one of the site config's `allowed_domains` or a subdomain of one
   ("www." makes no difference), and its path is an article path by the site's `[articles]` rules
   (never the site root). A canonical on another site (a scraped copy or a partner naming the
   original) or on a home or section page (a CMS fault) is not taken: logged at INFO, counted in
   the clean's `CleanReport.dropped_values` as `canonical_off_site` or `canonical_not_article`.
2. Otherwise the URL the page was fetched from (`url`) is the identity.
3. Pages of one batch at different URLs with different text that claim one canonical (a CMS
   printing one story's URL on many) each keep their own URL (`canonical_shared`). A clean's batch
   is a chunk of about 500 pages (`CLEAN_CHUNK_PAGES`); a re-clean's is the whole site.
4. The URL is normalised: tracking parameters dropped (`utm_*`, `fbclid`, `gclid`, `mc_cid`,
   `mc_eid`, `msclkid`, … ; the list is `TRACKING_NAMES` and `TRACKING_PREFIXES`), then w3lib's
   `canonicalize_url` (host in lower case, query parameters sorted, percent-encoding made uniform,
   dot segments resolved, fragment dropped) and the scheme's default port dropped. The path's case
   and trailing slash are kept. So a page reached through a feed link with tracking parameters and
   through the sitemap is one article.

A URL already in normal form is unchanged by step 4, so articles published before these rules keep
their ids on a re-clean. An article whose earlier id came from another site's canonical, a shared
canonical, or a URL not in normal form gets a new id on a re-clean, and its row under the old id stays
published (nothing deletes published rows).
"""

_MIGRATIONS = """
## Migration notes

- 1.0: first version.
- 1.1: adds `paywalled`. Files written at 1.0 have no such column; `corpus.open(...).articles()`,
  `defcorpus export`, `stats` and `compact` read their rows as `paywalled = false` (the field's
  default). Tools that read the files directly take one file's schema for all of them, so on a store
  mixing 1.0 and 1.1 files pyarrow and pandas may drop the column and Polars and Hugging Face
  `datasets` refuse the read: run `defcorpus compact` once, which rewrites 1.0 files with the column.
  The crawler's flag for an old row is in its raw WARC record: `defcorpus clean --reclean` publishes
  it (every old row gets a new version at 1.1).
- 1.2: files carry `site` and `month` as columns (before, only the path did), after `paywalled`;
  the Article's fields are unchanged. `corpus.open`, `export`, `stats` and `compact` read older files
  with both filled from the path, and `defcorpus compact` rewrites them with the columns. The
  README's direct readers give one `site` and one `month` column on old, new and mixed stores, except
  Hugging Face `datasets` (no Hive paths): run `defcorpus compact` once. A re-clean
  (`clean --reclean`) publishes every old row again at 1.2, as for 1.1.
"""


def json_schema() -> dict[str, Any]:
    """The Article record's JSON Schema."""
    return _with_id(Article.model_json_schema(), "article")


def export_schema() -> dict[str, Any]:
    """One line of ``defcorpus export --format jsonl``."""
    return _with_id(ExportRecord.model_json_schema(), "export-record")


def extract_schema() -> dict[str, Any]:
    """One record of ``defcorpus extract``: a cleaned page or an error."""
    schema = EXTRACT_RECORD.json_schema()
    schema["title"] = "ExtractRecord"
    schema["description"] = f"One page of `defcorpus extract`: {ExtractedArticle.__name__} or {ExtractError.__name__}."
    return _with_id(schema, "extract-record")


def json_schemas() -> dict[Path, dict[str, Any]]:
    """Every checked-in JSON Schema file and what it must hold."""
    return {JSON_SCHEMA: json_schema(), EXPORT_SCHEMA: export_schema(), EXTRACT_SCHEMA: extract_schema()}


def _with_id(schema: dict[str, Any], name: str) -> dict[str, Any]:
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://defcorpus.invalid/schema/{name}-{SCHEMA_VERSION}.json"
    return schema


def markdown() -> str:
    rows = []
    properties = json_schema()["properties"]
    for name, field in Article.model_fields.items():
        arrow = str(ARTICLE_SCHEMA.field(name).type) + (" (partition column)" if name == "site" else "")
        rows.append(f"| `{name}` | {_json_type(properties[name])} / `{arrow}` | {field.description} |")
    month = ExportRecord.model_fields["month"]
    rows.append(
        f"| `month` | string / `{ARTICLE_SCHEMA.field('month').type}` (partition column) | not an Article "
        f"field: in Parquet and export records only; {month.description} |"
    )
    for name, field in MainImage.model_fields.items():
        rows.append(f"| `main_image.{name}` | {_json_type(properties['main_image'])} member | {field.description} |")
    return _INTRO + "\n".join(rows) + "\n" + _IDENTITY + _MIGRATIONS


def _json_type(prop: dict[str, Any]) -> str:
    options = prop.get("anyOf", [prop])
    names = []
    for option in options:
        kind = option.get("type") or ("object" if "$ref" in option else "?")
        if option.get("format") == "date-time":
            kind = "date-time"
        if kind == "array":
            kind = f"array of {option.get('items', {}).get('type', '?')}"
        names.append(kind)
    return " or ".join(names)


def main() -> None:
    SCHEMA_MD.write_text(markdown(), encoding="utf-8")
    for path, schema in json_schemas().items():
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
