"""Running defcorpus on Airflow 3: what the DAG files in ``dags/`` wire together.

- ``config``: parse-time facts (sites, schedules, pools, overrides); local files and env only.
- ``settings``: the store and its credentials, resolved inside tasks (env or connection ``aws_default``).
- ``tasks``: the task bodies, plain functions over the jobs (``defcorpus.clean``, …) and ``defcorpus.quality``.
- ``dagkit``: Airflow objects (timetables, Assets, params, default args); the only module importing Airflow.

``python -m defcorpus.orchestration pools`` prints the crawl pools for ``airflow pools import``.
"""

from __future__ import annotations
