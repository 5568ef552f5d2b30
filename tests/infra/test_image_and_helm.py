"""infra/Dockerfile and infra/helm/values.yaml: the image is built from uv.lock and holds the DAGs;
the Helm values run that image with the chosen executor, DAGs from the image and S3 task logs.

No Docker engine or Helm binary runs in the test environment, so these read the files; they pin the
promises a reviewer would otherwise check by eye (and that drift when pyproject.toml changes).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
DAGS_IN_IMAGE = "/opt/defcorpus/dags"


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (INFRA / "Dockerfile").read_text()


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return yaml.safe_load((INFRA / "helm" / "values.yaml").read_text())


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_image_installs_from_the_lock_with_the_makefiles_uv(dockerfile: str) -> None:
    assert "COPY pyproject.toml uv.lock ./" in dockerfile
    syncs = re.findall(r"uv sync ([^\n\\]+)", dockerfile)
    assert syncs and all("--frozen" in s and "--no-default-groups" in s and "--extra airflow" in s for s in syncs)
    make_uv = re.search(r"^UV_VERSION := (\S+)", (REPO / "Makefile").read_text(), re.M)
    assert make_uv and f"ARG UV_VERSION={make_uv[1]}" in dockerfile


def test_image_python_is_one_the_project_supports(dockerfile: str) -> None:
    version = re.search(r"ARG PYTHON_VERSION=(3\.\d+)", dockerfile)
    assert version
    requires = pyproject()["project"]["requires-python"]  # ">=3.11,<3.13"
    low, high = re.findall(r"3\.(\d+)", requires)
    assert int(low) <= int(version[1].split(".")[1]) < int(high)


def test_image_holds_every_package_and_the_dags(dockerfile: str) -> None:
    for package in pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]:
        assert re.search(rf"^COPY {package} {package}$", dockerfile, re.M), package
    assert re.search(r"^COPY dags dags$", dockerfile, re.M)
    assert f"AIRFLOW__CORE__DAGS_FOLDER={DAGS_IN_IMAGE}" in dockerfile


def test_deployment_packages_never_move_a_locked_version() -> None:
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    locked = {p["name"]: p["version"] for p in lock["package"] if "version" in p}
    lines = [ln for ln in (INFRA / "requirements-deploy.txt").read_text().splitlines() if ln and ln[0] != "#"]
    pins = dict(line.split("==") for line in lines)
    assert len(pins) == len(lines), "every deployment package is pinned with =="
    assert {"apache-airflow-providers-amazon", "psycopg2-binary"} <= set(pins)
    # Celery workers come from the lock itself (the airflow extra), which the image syncs first.
    airflow_extra = {re.split(r"[\[<>=]", dep)[0] for dep in pyproject()["project"]["optional-dependencies"]["airflow"]}
    assert {"apache-airflow-providers-celery", "celery", "redis"} <= airflow_extra & set(locked)
    assert not {"apache-airflow-providers-celery", "celery", "redis"} & set(pins)
    clashes = {name: (version, locked[name]) for name, version in pins.items() if locked.get(name, version) != version}
    assert clashes == {}


def test_helm_executor_and_image(values: dict[str, Any]) -> None:
    assert values["executor"] in {"CeleryExecutor", "KubernetesExecutor"}
    assert values["airflowVersion"].startswith("3.")
    assert values["images"]["airflow"]["repository"] == values["defaultAirflowRepository"]


def test_helm_takes_dags_from_the_image(values: dict[str, Any]) -> None:
    assert values["dags"]["gitSync"]["enabled"] is False
    assert values["dags"]["persistence"]["enabled"] is False
    assert values["config"]["core"]["dags_folder"] == DAGS_IN_IMAGE


def test_helm_logs_go_to_s3_through_aws_default(values: dict[str, Any]) -> None:
    logging = values["config"]["logging"]
    assert logging["remote_logging"] == "True"
    assert logging["remote_base_log_folder"].startswith("s3://")
    assert logging["remote_log_conn_id"] == "aws_default"
    assert values["logs"]["persistence"]["enabled"] is False


def test_helm_store_connection_and_pools(values: dict[str, Any]) -> None:
    env = {item["name"]: item["value"] for item in values["env"]}
    assert env["DEFCORPUS_STORE"].startswith("s3://")
    bucket = env["DEFCORPUS_STORE"][5:].split("/")[0]
    assert values["config"]["logging"]["remote_base_log_folder"].startswith(f"s3://{bucket}/")
    assert {
        "envName": "AIRFLOW_CONN_AWS_DEFAULT",
        "secretName": "defcorpus-aws",
        "secretKey": "AIRFLOW_CONN_AWS_DEFAULT",
    } in values["secret"]
    args = " ".join(values["scheduler"]["args"])
    assert "python -m defcorpus.orchestration pools" in args and "airflow pools import" in args
    assert args.rstrip().endswith("exec airflow scheduler")
    assert values["dagProcessor"]["enabled"] is True


def test_helm_chooses_an_auth_manager_the_image_has(values: dict[str, Any], dockerfile: str) -> None:
    """The chart defaults to FAB (and a create-user job running `airflow users create`): the image has no FAB."""
    core = values["config"]["core"]
    assert core["auth_manager"] == "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
    assert core["simple_auth_manager_users"].split(":")[1] == "admin"
    # The chart's create-user switches: its job template reads webserver.defaultUser, Airflow 3's section is apiServer.
    assert values["webserver"]["defaultUser"]["enabled"] is False
    assert values["apiServer"]["defaultUser"]["enabled"] is False
    deploy = (INFRA / "requirements-deploy.txt").read_text()
    assert "apache-airflow-providers-fab" not in deploy and "providers-fab" not in dockerfile


def test_every_pod_that_touches_the_bucket_has_the_pipeline_role(values: dict[str, Any]) -> None:
    """Workers write task logs, the triggerer a deferred task's, the api-server reads them for the UI."""
    role = "arn:aws:iam::111122223333:role/defcorpus-pipeline"
    for component in ("workers", "triggerer", "apiServer"):
        assert values[component]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"] == role, component


def test_helm_sets_the_worker_keys_the_checked_chart_reads(values: dict[str, Any]) -> None:
    """That chart's workers.celery holds only serviceAccount: workers.celery.replicas would be ignored there."""
    workers = values["workers"]
    assert "celery" not in workers
    assert workers["replicas"] >= 1 and workers["persistence"]["enabled"] is False
