"""infra/helm/values.yaml against infra/helm/values.schema.json, with jsonschema, as `helm lint` would.

No Helm binary runs here (none in Debian's packages, none for Linux on PyPI, and the chart itself is
on no registry this project reaches), so `helm template` could not run and the chart's own schema
check is stood in for by ours: the keys defcorpus sets, each checked against the official chart's
values.schema.json (the chart whose defaults are Airflow 3.0.5: see the schema's description) for
its path and type, and no key that chart does not read. Each broken copy below must be refused,
naming the key, by the same check users run (`make helm-values`).
"""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import yaml

HELM = Path(__file__).resolve().parents[2] / "infra" / "helm"


def check_values() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_values", HELM / "check_values.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((HELM / "values.yaml").read_text())
    return loaded


def test_the_schema_is_a_draft_7_schema_and_every_values_file_passes() -> None:
    schema = check_values().schema()
    jsonschema.Draft7Validator.check_schema(schema)
    files = sorted(HELM.glob("*.yaml"))
    assert files, "a values file to check"
    for path in files:
        assert list(check_values().problems(yaml.safe_load(path.read_text()))) == [], path.name


def test_every_object_in_the_schema_refuses_keys_it_does_not_list() -> None:
    """Else an unknown key (a typo, a deprecated key) under it would pass unnoticed."""
    open_objects = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "properties" in node and node.get("additionalProperties") is not False:
                open_objects.append(path)
            for key, child in node.items():
                walk(child, f"{path}/{key}")
        elif isinstance(node, list):
            for n, child in enumerate(node):
                walk(child, f"{path}/{n}")

    walk(check_values().schema(), "#")
    assert open_objects == []


def _set(values: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(values)
    *parents, last = dotted.split(".")
    node = broken
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    node[last] = value
    return broken


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("workers.replicas", "two", "workers.replicas: 'two' is not of type 'integer'"),
        ("apiServer.defaultUser.enabled", "no", "apiServer.defaultUser.enabled: 'no' is not of type 'boolean'"),
        ("images.airflow.pullPolicy", "Sometimes", "images.airflow.pullPolicy: 'Sometimes' is not one of"),
        ("config.core.parallelism", [8], "config.core.parallelism: [8] is not of type"),
        ("env.0.value", 1, "env.0.value: 1 is not of type 'string'"),
        ("dags.gitSync.enabled", "false", "dags.gitSync.enabled: 'false' is not of type 'boolean'"),
        ("executor", "Celery", "executor: 'Celery' does not match"),
        ("scheduler.resources.limits.memory", ["2Gi"], "scheduler.resources.limits.memory: ['2Gi'] is not of type"),
    ],
)
def test_a_wrong_typed_value_is_refused_by_its_key(values: dict[str, Any], key: str, value: Any, says: str) -> None:
    found = list(check_values().problems(_set(values, key, value)))
    assert len(found) == 1 and found[0].startswith(says), found


@pytest.mark.parametrize(
    ("key", "unexpected"),
    [
        ("worker.replicas", "(top level): Additional properties are not allowed ('worker' was unexpected)"),
        # The checked chart's workers.celery holds only serviceAccount: these would be silently ignored.
        ("workers.celery.replicas", "workers: Additional properties are not allowed ('celery' was unexpected)"),
        ("workers.celery.persistence.enabled", "workers: Additional properties are not allowed ('celery' was"),
        ("apiServer.serviceAcount.annotations", "apiServer: Additional properties are not allowed ('serviceAcount'"),
    ],
)
def test_an_unknown_or_deprecated_key_is_refused(values: dict[str, Any], key: str, unexpected: str) -> None:
    found = list(check_values().problems(_set(values, key, 1)))
    assert len(found) == 1 and found[0].startswith(unexpected), found


def test_the_check_users_run_names_the_file_and_the_key_and_exits_1(values: dict[str, Any], tmp_path: Path) -> None:
    broken = tmp_path / "values.yaml"
    broken.write_text(yaml.safe_dump(_set(values, "workers.replicas", "two")))
    script = str(HELM / "check_values.py")
    done = subprocess.run([sys.executable, script, str(broken)], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stdout == f"{broken}: workers.replicas: 'two' is not of type 'integer'\n"
    ok = subprocess.run([sys.executable, script], capture_output=True, text=True, check=False)
    assert (ok.returncode, ok.stdout) == (0, "")
