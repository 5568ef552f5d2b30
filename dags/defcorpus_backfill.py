"""One archive-backfill DAG per site config: the run's data interval is the capture window.

Wiring only: the task body is ``defcorpus.orchestration.backfill_tasks``, the Airflow pieces are in
``defcorpus.orchestration.dagkit``. Monthly intervals, so ``airflow backfill create`` over two years
makes 24 runs, one after the other (``max_active_runs=1``), each in the site's crawl pool.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, dag, task

from crawlers.sites import SiteConfig
from defcorpus.orchestration import backfill_tasks, config, dagkit, tasks

DOC = """
### Backfill `{name}` from a web archive

Finds the captures of **{base_url}**'s article URLs made in the run's data interval in the Wayback
Machine (default) or Common Crawl, keeps the earliest good capture of each article not stored yet,
and stores it as WARC under `raw/site={name}/`, dated at its capture. See docs/backfill.md.

- monthly data intervals, pool `{pool}`
- backfill: `airflow backfill create --dag-id archive_backfill_{name} --from-date 2019-01-01 --to-date 2021-01-01`
- params: `archive` (wayback, commoncrawl), `capture` (earliest, latest), `archive_url` (a mirror)
- success updates the Asset `defcorpus-raw-{name}`, which schedules `defcorpus_clean`.
"""


def backfill_dag(site: SiteConfig) -> DAG:
    @dag(
        dag_id=backfill_tasks.backfill_dag_id(site.name),
        schedule=dagkit.backfill_timetable(),
        start_date=config.START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=dagkit.crawl_default_args(),
        params=dagkit.BACKFILL_PARAMS,
        tags=[*config.TAGS, "backfill", f"site:{site.name}"],
        description=f"Backfill {site.title} from web archives into raw/ as WARC",
        doc_md=DOC.format(name=site.name, base_url=site.base_url, pool=config.pool_name(site)),
    )
    def archive_backfill() -> None:
        @task(task_id="backfill", pool=config.pool_name(site), outlets=[dagkit.raw_asset(site.name)])
        def backfill(
            params: dict[str, Any] | None = None,
            data_interval_start: datetime | None = None,
            data_interval_end: datetime | None = None,
        ) -> dict[str, Any]:
            since, until = tasks.crawl_window(params, data_interval_start, data_interval_end)
            params = params or {}
            return backfill_tasks.backfill_site_window(
                site,
                archive=params.get("archive") or "wayback",
                since=since,
                until=until,
                capture=params.get("capture") or "earliest",
                archive_url=params.get("archive_url"),
                base_url=params.get("base_url"),
            )

        backfill()

    return archive_backfill()


for _site in config.load_dag_sites().sites.values():
    globals()[backfill_tasks.backfill_dag_id(_site.name)] = backfill_dag(_site)
