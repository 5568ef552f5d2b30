"""Generate the schema's documents from the model, so they can never drift from it.

    python -m corpus.schema_docs     # rewrites docs/schema.md and corpus/article.schema.json

``tests/corpus/test_schema_docs.py`` fails when a committed file differs from what this generates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from corpus.schema import SCHEMA_VERSION, Article, MainImage
from corpus.table import ARTICLE_SCHEMA

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_MD = ROOT / "docs" / "schema.md"
JSON_SCHEMA = Path(__file__).resolve().parent / "article.schema.json"

_INTRO = f"""# The Article record (schema version {SCHEMA_VERSION})

One row per article version. Names follow schema.org `NewsArticle` where one exists. The JSON Schema
is `corpus/article.schema.json`; the pydantic model, `corpus/schema.py`, is the source of both files
(regenerate with `python -m corpus.schema_docs`).

In Parquet, timestamps are `timestamp[us, UTC]`; in JSON exports they are ISO 8601 with offset.
`site` and `month` (publication month, `YYYY-MM`; the fetch month for an undated article) are Hive
partition columns: they are in the path (`clean/site=…/month=…/`), not inside the files.

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
"""


def json_schema() -> dict[str, Any]:
    schema = Article.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://defcorpus.invalid/schema/article-{SCHEMA_VERSION}.json"
    return schema


def markdown() -> str:
    rows = []
    properties = json_schema()["properties"]
    for name, field in Article.model_fields.items():
        arrow = "partition column" if name == "site" else str(ARTICLE_SCHEMA.field(name).type)
        rows.append(f"| `{name}` | {_json_type(properties[name])} / `{arrow}` | {field.description} |")
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
    JSON_SCHEMA.write_text(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
