"""infra/compose.yaml: validated by ``docker compose config`` where a Compose v2 client exists, and its
services, healthchecks, start order and shared settings checked either way.

Why both: ``docker compose config`` needs no engine, but CI machines may have no Compose plugin at all;
the structural checks catch the wiring mistakes that a schema validation would let through anyway
(a worker that starts before the bucket exists, a connection pointing at another endpoint).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from defcorpus.orchestration.config import load_dag_sites, pool_name, pools_spec
from tests.support.compose import COMPOSE_FILE, INFRA, env_of, interpolate

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
}
LONG_RUNNING = {"minio", "postgres", "redis"} | (AIRFLOW_SERVICES - {"airflow-init"})
ONE_SHOT = {"minio-init", "airflow-init"}


def compose_client() -> list[str] | None:
    """``docker compose`` (v2 plugin) if it answers, else None; the engine is not needed."""
    docker = shutil.which("docker")
    if docker is None:
        return None
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, check=False)
    return [docker, "compose"] if probe.returncode == 0 else None


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The resolved compose model: from ``docker compose config`` when available, else parsed here."""
    client = compose_client()
    if client is None:
        return yaml.safe_load(interpolate(COMPOSE_FILE.read_text()))
    result = subprocess.run(
        [*client, "-f", str(COMPOSE_FILE), "config"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, f"docker compose config rejected infra/compose.yaml:\n{result.stderr}"
    return yaml.safe_load(result.stdout)


def depends(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def test_compose_validates_with_docker_compose_when_present() -> None:
    client = compose_client()
    if client is None:
        pytest.skip("no `docker compose` (v2) client here; the structural checks below still run")
    result = subprocess.run(
        [*client, "-f", str(COMPOSE_FILE), "config", "--quiet"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_every_service_is_there(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) >= LONG_RUNNING | ONE_SHOT


def test_long_running_services_have_healthchecks(compose: dict[str, Any]) -> None:
    for name in LONG_RUNNING:
        check = compose["services"][name].get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"


def test_start_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert depends(services["minio-init"]) == {"minio": "service_healthy"}
    assert depends(services["airflow-init"]) == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
        "minio-init": "service_completed_successfully",
    }
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        deps = depends(services[name])
        assert deps["postgres"] == deps["redis"] == "service_healthy", name
        assert deps["minio-init"] == deps["airflow-init"] == "service_completed_successfully", name
    # Task processes talk to the execution API: workers wait for the api-server.
    assert depends(services["airflow-worker"])["airflow-apiserver"] == "service_healthy"


def test_one_image_built_from_the_lock_for_every_airflow_service(compose: dict[str, Any]) -> None:
    services = compose["services"]
    images = {services[name]["image"] for name in AIRFLOW_SERVICES}
    assert len(images) == 1
    for name in AIRFLOW_SERVICES:
        build = services[name]["build"]
        context = Path(build["context"]) if Path(build["context"]).is_absolute() else INFRA / build["context"]
        assert (context.resolve() / build.get("dockerfile", "Dockerfile")).resolve() == INFRA / "Dockerfile"
    commands = {name: " ".join(services[name]["command"]) for name in AIRFLOW_SERVICES - {"airflow-init"}}
    assert commands == {
        "airflow-apiserver": "airflow api-server",
        "airflow-scheduler": "airflow scheduler",
        "airflow-dag-processor": "airflow dag-processor",
        "airflow-triggerer": "airflow triggerer",
        "airflow-worker": "airflow celery worker",
    }


def test_airflow_services_share_executor_db_broker_and_store(compose: dict[str, Any]) -> None:
    services = compose["services"]
    envs = [env_of(services[name]) for name in sorted(AIRFLOW_SERVICES)]
    assert all(env == envs[0] for env in envs), "every Airflow component must see the same settings"
    env = envs[0]
    postgres = env_of(services["postgres"])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    db = f"airflow:{postgres['POSTGRES_PASSWORD']}@postgres:5432/{postgres['POSTGRES_DB']}"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"postgresql+psycopg2://{db}"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == f"db+postgresql://{db}"
    assert re.fullmatch(r"redis://(:[^@]*@)?redis:6379/\d+", env["AIRFLOW__CELERY__BROKER_URL"])
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:8080/")
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"], "components must share one JWT secret"


def test_store_and_connection_point_at_the_bucket_minio_init_creates(compose: dict[str, Any]) -> None:
    services = compose["services"]
    env = env_of(services["airflow-worker"])
    init_env = env_of(services["minio-init"])
    script = "\n".join(services["minio-init"]["command"])
    bucket = re.search(r"mc mb --ignore-existing local/([a-z0-9.-]+)", script)
    assert bucket, "minio-init must create the bucket"
    assert env["DEFCORPUS_STORE"].startswith(f"s3://{bucket[1]}/")
    assert env["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"].startswith(f"s3://{bucket[1]}/")
    assert env["DEFCORPUS_S3_ENDPOINT_URL"] == "http://minio:9000"

    conn = json.loads(env["AIRFLOW_CONN_AWS_DEFAULT"])
    assert conn["conn_type"] == "aws"
    assert conn["extra"]["endpoint_url"] == env["DEFCORPUS_S3_ENDPOINT_URL"]
    assert env["AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID"] == "aws_default"
    # The connection carries the pipeline user that minio-init creates, not MinIO's root account.
    pipeline_user = (init_env["DEFCORPUS_S3_ACCESS_KEY"], init_env["DEFCORPUS_S3_SECRET_KEY"])
    assert (conn["login"], conn["password"]) == pipeline_user
    assert conn["login"] != env_of(services["minio"])["MINIO_ROOT_USER"]


def test_minio_init_applies_the_files_in_infra_s3(compose: dict[str, Any]) -> None:
    init = compose["services"]["minio-init"]
    script = "\n".join(init["command"])
    mounts = [v if isinstance(v, str) else f"{v['source']}:{v['target']}" for v in init["volumes"]]
    (mount,) = [m for m in mounts if ":/infra/s3" in m]
    assert Path(mount.split(":")[0]).name == "s3"
    for name in re.findall(r"/infra/s3/([\w.-]+\.json)", script):
        assert (INFRA / "s3" / name).is_file(), name
    assert "mc ilm import" in script and "mc admin policy create" in script


def test_init_creates_one_pool_per_publisher_domain(compose: dict[str, Any]) -> None:
    script = " ".join(compose["services"]["airflow-init"]["command"])
    assert "airflow db migrate" in script
    assert re.search(r"python -m defcorpus\.orchestration pools > (\S+)\s+airflow pools import \1", script)
    sites = load_dag_sites().sites.values()
    pools = pools_spec(sites)
    assert {pool_name(site) for site in sites} == set(pools)
    assert all(name.startswith("crawl_") and pool["slots"] == 1 for name, pool in pools.items())


def test_published_ports_are_on_loopback_by_default(compose: dict[str, Any]) -> None:
    """MinIO, its console and the Airflow UI carry development passwords: never on every interface by default."""
    published = {name: service["ports"] for name, service in compose["services"].items() if service.get("ports")}
    assert set(published) == {"minio", "airflow-apiserver"}
    for name, ports in published.items():
        for port in ports:
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).rsplit(":", 2)[0]
            assert host_ip == "127.0.0.1", (name, port)


def test_minio_init_fails_when_attaching_the_policy_fails() -> None:
    """`|| true` hid every failure of the attach; only an already-attached policy may be skipped."""
    script = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["minio-init"]["command"][0]
    assert "|| true" not in script and script.lstrip().startswith("set -e")
    attach = next(line for line in script.splitlines() if "policy attach" in line)
    assert "||" not in attach
    assert 'mc admin user info local "$$DEFCORPUS_S3_ACCESS_KEY" | grep -q "defcorpus-pipeline"' in script
