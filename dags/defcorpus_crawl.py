"""One crawl DAG per site config (``crawlers/sites/**/*.toml``, or ``$DEFCORPUS_SITES_DIR``).

Wiring only: the task bodies are in ``defcorpus.orchestration.tasks``, imported inside the task so
that parsing this file loads no crawler, store or cleaning library; the Airflow pieces are in
``defcorpus.orchestration.dagkit``. A config that fails to load is left out and logged as an error
naming the file, the key and the problem (the DAG processor's log of this file); it is not an import
error, because Airflow stops scheduling every DAG of a file that has one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, dag, task

from crawlers.sites import SiteConfig
from defcorpus.orchestration import config, dagkit

DOC = """
### Crawl `{name}` ({title})

Fetches the articles of **{base_url}** published in the run's data interval (or the `since`/`until`
params) through its sitemaps and feeds, and stores every response as WARC under `raw/site={name}/`.
The crawl runs in a child process; its log is this task's log, its stats are the return value.

- schedule `{schedule}` (data intervals), pool `{pool}` (one crawl per publisher domain)
- backfill: `airflow backfill create --dag-id crawl_{name} --from-date 2022-12-01 --to-date 2022-12-31`
- a mirror or test server: trigger with `{{"base_url": "http://127.0.0.1:8045/"}}`
- success updates the Asset `defcorpus-raw-{name}`, which schedules `defcorpus_clean`.
"""


def crawl_dag(site: SiteConfig) -> DAG:
    @dag(
        dag_id=config.crawl_dag_id(site.name),
        schedule=dagkit.crawl_timetable(site),
        start_date=config.START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=dagkit.crawl_default_args(),
        params=dagkit.CRAWL_PARAMS,
        tags=[*config.TAGS, "crawl", f"site:{site.name}"],
        description=f"Crawl {site.title} into raw/ as WARC",
        doc_md=DOC.format(
            name=site.name,
            title=site.title,
            base_url=site.base_url,
            schedule=config.schedule_for(site),
            pool=config.pool_name(site),
        ),
    )
    def crawl_site() -> None:
        @task(task_id="crawl", pool=config.pool_name(site), outlets=[dagkit.raw_asset(site.name)])
        def crawl(
            params: dict[str, Any] | None = None,
            data_interval_start: datetime | None = None,
            data_interval_end: datetime | None = None,
            outlet_events: Any = None,
        ) -> dict[str, Any]:
            from defcorpus.orchestration import tasks

            since, until = tasks.crawl_window(params, data_interval_start, data_interval_end)
            params = params or {}
            report = tasks.crawl_site_window(
                site,
                since=since,
                until=until,
                base_url=params.get("base_url"),
                scrapy_settings=params.get("scrapy_settings"),
            )
            outlet_events[dagkit.raw_asset(site.name)].extra = {
                k: report[k] for k in ("crawl_id", "since", "until", "articles_fetched")
            }
            return report

        crawl()

    return crawl_site()


_dag_sites = config.load_dag_sites()
config.log_broken_configs(_dag_sites)
for _site in _dag_sites.sites.values():
    globals()[config.crawl_dag_id(_site.name)] = crawl_dag(_site)
