"""``python -m defcorpus.orchestration pools|check``: what a deployment runs next to Airflow.

``pools`` prints the crawl pools as JSON, for ``airflow pools import FILE``; ``check`` exits 1 naming
each site config that fails to load (whose crawl DAG is therefore missing) and any ``DEFCORPUS_*``
setting that is not valid (with one, no DAG file parses: the setting holds for every DAG), 0 when
all is well.
"""

from __future__ import annotations

import argparse
import json
import sys

from corpus.env import Environment
from defcorpus.orchestration.config import load_dag_sites, pools_spec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m defcorpus.orchestration", description=__doc__)
    parser.add_argument("command", choices=["pools", "check"])
    args = parser.parse_args(argv)
    try:
        Environment.read()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    dag_sites = load_dag_sites()
    for path in sorted(dag_sites.errors):
        print(f"{'error' if args.command == 'check' else 'warning'}: {dag_sites.errors[path]}", file=sys.stderr)
    if args.command == "check":
        print(f"{len(dag_sites.sites)} site config(s) load, {len(dag_sites.errors)} do not")
        return 1 if dag_sites.errors else 0
    json.dump(pools_spec(dag_sites.sites.values()), sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
