"""The cleaning DAG: when crawls land new raw WARC files, clean them, publish, then check quality.

Wiring only (task bodies in ``defcorpus.orchestration.tasks``, imported inside each task: parsing
this file loads no store or cleaning library). Mapped over sites, not WARC files: a
site's files are cleaned as one batch because boilerplate learning counts the whole batch before
removing anything and keeps one read-modify-write state file per site, and the "already published"
check must see every version of the batch; two workers on one site would lose updates to that state
or publish the same article twice. Sites run one at a time by default (cross-site near-duplicate
state, see ``config.clean_parallel_sites``); ``DEFCORPUS_CLEAN_PARALLEL_SITES`` spreads them over workers.
A large backlog of one site uses the worker's cores instead: ``DEFCORPUS_CLEAN_WORKERS`` extracting
processes per ``clean`` task (``config.clean_workers``), with what one process publishes.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, task

from defcorpus.orchestration import config, dagkit

DOC = """
### Clean and publish what the crawls fetched

Triggered by any crawl DAG's raw Asset. `find_new_warc` lists the sites with WARC files that no
published batch has consumed; `clean` runs once per such site (mapped) and publishes a batch under
`clean/`; `quality` checks that batch (empty bodies, missing authors and dates, future dates, chrome
strings, body-length drift against the site's history) and fails naming the site and the metric;
`compact` then merges each month of the site that holds `DEFCORPUS_COMPACT_MIN_FILES` files or more
(default 8) into one, so readers of a backfilled corpus do not pay for thousands of small files.
`report` runs last, whatever the others did (a failed check is when it matters most; as a teardown,
it leaves the run failed), and writes the corpus report to `reports/latest.html` and
`reports/runs/<run_id>.html` in the store.
Re-running is safe: consumed WARC files and already-published article versions are skipped.
One run at a time, so a site is never cleaned by two runs at once.
"""

SITES = config.load_dag_sites().sites  # broken configs are logged by defcorpus_crawl.py


@dag(
    dag_id="defcorpus_clean",
    schedule=dagkit.clean_schedule(SITES),
    start_date=config.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=dagkit.clean_default_args(),
    tags=[*config.TAGS, "clean", "quality", "compact", "report"],
    description="Clean new raw WARC files per site, publish under clean/, check quality, compact, report",
    doc_md=DOC,
)
def defcorpus_clean() -> None:
    @task
    def find_new_warc() -> list[str]:
        from defcorpus.orchestration import tasks

        return tasks.sites_with_new_warc(SITES.values())

    @task(
        outlets=[dagkit.CLEAN_ASSET],
        max_active_tis_per_dagrun=config.clean_parallel_sites(),
        pool_slots=config.clean_workers(),  # one slot per extracting process
    )
    def clean(site: str) -> dict[str, Any]:
        from defcorpus.orchestration import tasks

        return tasks.clean_one_site(SITES[site])

    @task(retries=0, execution_timeout=config.CHECK_TIMEOUT)
    def quality(report: dict[str, Any]) -> dict[str, Any]:
        from defcorpus.orchestration import tasks

        return tasks.check_site_quality(SITES[report["site"]], report["batch_id"])

    @task
    def compact(report: dict[str, Any]) -> dict[str, Any]:
        from defcorpus.orchestration import tasks

        return tasks.compact_one_site(SITES[report["site"]])

    @task
    def report(run_id: str | None = None) -> dict[str, Any]:
        from defcorpus.orchestration import tasks

        return tasks.write_corpus_report(str(run_id))

    # A teardown runs whatever the tasks before it did, and its outcome leaves the run's state to them:
    # a failed quality check still fails the run.
    compact.expand(report=quality.expand(report=clean.expand(site=find_new_warc()))) >> report().as_teardown()


defcorpus_clean()
