"""Airflow DAG file without a DAG: a site config that fails to load becomes this file's import error.

The crawl DAGs (``defcorpus_crawl.py``) skip broken configs; Airflow marks every DAG of a file with an
import error as stale and stops scheduling it, so the error is raised here, where there is no DAG to
lose. The message names each TOML file, the key and the problem.
"""

from __future__ import annotations

from defcorpus.orchestration import config

config.raise_for_broken_configs()
