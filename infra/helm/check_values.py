"""Check Helm values files against infra/helm/values.schema.json, as `helm lint` checks a chart's values.

Usage: python infra/helm/check_values.py [VALUES.yaml ...]   (default: infra/helm/values.yaml)

One line per problem, `<file>: <key path>: <what is wrong>`, and exit 1; nothing and exit 0 when
every file is valid. The schema is the official Airflow chart's, narrowed to the keys defcorpus sets
(a key the chart does not read is refused) and checked against the chart's own schema, since
`helm template` cannot run here: docs/operations.md, "Checking the Helm values".
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import yaml

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "values.schema.json"


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(loaded)
    return loaded


def problems(values: Any) -> Iterator[str]:
    """What is wrong with one values document, by key path, in a stable order."""
    validator = jsonschema.Draft7Validator(schema())
    for error in sorted(validator.iter_errors(values), key=lambda e: [str(p) for p in e.absolute_path]):
        path = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        yield f"{path}: {error.message}"


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [HERE / "values.yaml"]
    failed = False
    for path in paths:
        for problem in problems(yaml.safe_load(path.read_text())):
            print(f"{path}: {problem}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
