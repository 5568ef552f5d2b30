"""The defcorpus application: the command line, the jobs (crawl, clean, re-clean, repair), progress,
the demo and its bundled mini-site, and the Airflow orchestration.

It is the only layer that knows both stages (``crawlers`` and ``cleaning``); both of them, and this
package, build on the contract in ``corpus`` (schema, store, layout, WARC reading). Imports go one way:
``defcorpus`` → stages → ``corpus``, enforced by the import contract in ``pyproject.toml``.
"""
