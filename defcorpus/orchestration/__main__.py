"""``python -m defcorpus.orchestration pools``: the crawl pools as JSON, for ``airflow pools import FILE``."""

from __future__ import annotations

import argparse
import json
import sys

from defcorpus.orchestration.config import load_dag_sites, pools_spec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m defcorpus.orchestration", description=__doc__)
    parser.add_argument("command", choices=["pools"])
    parser.parse_args(argv)
    dag_sites = load_dag_sites()
    for message in dag_sites.errors.values():
        print(f"warning: {message}", file=sys.stderr)
    json.dump(pools_spec(dag_sites.sites.values()), sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
