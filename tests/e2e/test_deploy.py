"""The in-cluster install (deploy/): built by real kustomize, strict kubeconform, and run.

Each entry point builds with `kubectl kustomize` and passes `kubeconform -strict`. The receiver's
Deployment and the CronJob are then run here as the cluster would run them: the container's
arguments and environment (the settings ConfigMap, plain values, Secret values given by the test)
become a `model-gitops` process against a real MLflow server and a real bare Git remote; only
addresses, paths and the registry URL are swapped for local ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from generator import yamlio
from generator.validate import schemas
from tests.conftest import require
from tests.e2e.test_sync import environment
from tests.support.gitops import GitopsRepo, git
from tests.support.receiver import wait_for
from tests.support.registry import TestRegistry
from tests.support.servers import Server, free_port

pytestmark = pytest.mark.e2e

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ENTRIES = ["receiver", "cronjob", "overlays/example"]
SECRET = "a-webhook-secret-of-32-characters"


def build(entry: str) -> list[dict[str, Any]]:
    built = subprocess.run(
        [require("kubectl"), "kustomize", str(DEPLOY / entry)], capture_output=True, text=True, timeout=120
    )
    assert built.returncode == 0, built.stderr
    return [d for d in yamlio.load_all(built.stdout) if isinstance(d, dict)]


def one(documents: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [d for d in documents if d["kind"] == kind]
    return found


def schema_locations() -> list[str]:
    """The offline schemas the tests use (../shared), else the CLI's defaults."""
    given = os.environ.get("MODEL_GITOPS_SCHEMA_LOCATIONS", "").split()
    return given or [*schemas.bundled_locations(), "default"]


@pytest.mark.parametrize("entry", ENTRIES)
def test_each_entry_builds_and_passes_strict_kubeconform(entry: str, tmp_path: Path) -> None:
    built = subprocess.run(
        [require("kubectl"), "kustomize", str(DEPLOY / entry)], capture_output=True, text=True, timeout=120
    )
    assert built.returncode == 0, built.stderr
    (tmp_path / "built.yaml").write_text(built.stdout)
    args = [require("kubeconform"), "-strict", "-summary", "-kubernetes-version", "1.32.0"]
    for location in schema_locations():
        args += ["-schema-location", location]
    args.append(str(tmp_path / "built.yaml"))
    checked = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Skipped: 0" in checked.stdout


def pod_specs(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    specs = []
    for document in documents:
        if document["kind"] == "Deployment":
            specs.append(document["spec"]["template"]["spec"])
        if document["kind"] == "CronJob":
            specs.append(document["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return specs


def test_pods_run_as_non_root_with_limits_and_no_api_token() -> None:
    specs = pod_specs(build("overlays/example"))
    assert len(specs) == 2
    for spec in specs:
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] > 0
        assert spec["automountServiceAccountToken"] is False
        (container,) = spec["containers"]
        assert container["image"].startswith("ghcr.io/")
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]


def test_secrets_are_referenced_never_shipped() -> None:
    documents = build("overlays/example")
    assert not [d for d in documents if d["kind"] == "Secret"]
    readme = (DEPLOY / "README.md").read_text()
    referenced = set()
    for spec in pod_specs(documents):
        referenced |= {v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
        for variable in spec["containers"][0].get("env", []):
            reference = variable.get("valueFrom", {}).get("secretKeyRef")
            if reference:
                referenced.add(reference["name"])
    assert referenced >= {"model-gitops-webhook", "model-gitops-git", "model-gitops-mlflow"}
    for name in referenced:
        assert name in readme, f"{name} is not documented in deploy/README.md"


def test_probes_service_monitor_and_ingress_point_at_the_receiver() -> None:
    documents = build("overlays/example")
    container = one(documents, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    env = {v["name"]: v.get("value") for v in container["env"]}
    (port,) = container["ports"]
    assert str(port["containerPort"]) == env["MODEL_GITOPS_WEBHOOK_PORT"]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    service = one(documents, "Service")
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    endpoint = one(documents, "ServiceMonitor")["spec"]["endpoints"][0]
    assert endpoint["port"] == service["spec"]["ports"][0]["name"] and endpoint["path"] == "/metrics"
    paths = one(documents, "Ingress")["spec"]["rules"][0]["http"]["paths"]
    assert [p["path"] for p in paths] == ["/webhook"]  # /metrics and /healthz stay inside


def process_environment(
    documents: list[dict[str, Any]], container: dict[str, Any], local: dict[str, str]
) -> dict[str, str]:
    """The container's environment as the kubelet makes it, with `local` values swapped in.

    Secret values are the test's own; optional Secrets are left out, as if they did not exist."""
    settings = one(documents, "ConfigMap")["data"]
    from_settings = any("configMapRef" in source for source in container.get("envFrom", []))
    values = dict(settings) if from_settings else {}
    secrets = {"model-gitops-webhook": SECRET}
    for variable in container.get("env", []):
        if "value" in variable:
            values[variable["name"]] = variable["value"]
            continue
        reference = variable["valueFrom"]["secretKeyRef"]
        if reference["name"] in secrets:
            values[variable["name"]] = secrets[reference["name"]]
        else:
            assert reference.get("optional") is True, reference
    missing = set(local) - set(values)
    assert not missing, f"the manifest does not set {missing}"
    return {**os.environ, **values, **local}


def prepared(gitops: GitopsRepo, registry: TestRegistry) -> str:
    prefix = registry.unique("incluster")
    registry.create(f"{prefix}-m", 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    return prefix


def test_the_receiver_deployment_runs_serves_its_probes_and_syncs(
    gitops: GitopsRepo, registry: TestRegistry, tmp_path: Path
) -> None:
    documents = build("receiver")
    container = one(documents, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    prefix = prepared(gitops, registry)
    port = free_port()
    env = process_environment(
        documents,
        container,
        {
            "MODEL_GITOPS_WEBHOOK_HOST": "127.0.0.1",
            "MODEL_GITOPS_WEBHOOK_PORT": str(port),
            "MODEL_GITOPS_CACHE_DIR": str(tmp_path / "cache"),
            "MLFLOW_TRACKING_URI": registry.url,
            "MODEL_GITOPS_REPO": f"file://{gitops.remote}",
        },
    )
    base = f"http://127.0.0.1:{port}"
    probe = container["livenessProbe"]["httpGet"]["path"]
    server = Server([sys.executable, "-m", "generator", *container["args"]], tmp_path, f"{base}{probe}", env)
    server.start()
    try:
        assert requests.get(f"{base}{probe}", timeout=10).json()["status"] == "ok"
        assert "model_gitops_webhook_runs_triggered_total" in requests.get(f"{base}/metrics", timeout=10).text
        rendered = f"rendered/dev/{prefix}-m/seldondeployment.yaml"
        wait_for(lambda: rendered in gitops.remote_files(), 120, "the receiver's catch-up sync to push")
        author = git(gitops.remote, "log", "-1", "--format=%an <%ae>", "main").strip()
        assert author == env["MODEL_GITOPS_GIT_AUTHOR"]
    finally:
        server.stop()


def test_the_cronjob_runs_sync_push(gitops: GitopsRepo, registry: TestRegistry, tmp_path: Path) -> None:
    documents = build("cronjob")
    pod = one(documents, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["args"][:2] == ["sync", "--push"]
    prefix = prepared(gitops, registry)
    env = process_environment(
        documents,
        container,
        {
            "MODEL_GITOPS_CACHE_DIR": str(tmp_path / "cache"),
            "MLFLOW_TRACKING_URI": registry.url,
            "MODEL_GITOPS_REPO": f"file://{gitops.remote}",
        },
    )
    result = subprocess.run(
        [sys.executable, "-m", "generator", *container["args"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert f"rendered/dev/{prefix}-m/seldondeployment.yaml" in gitops.remote_files()
    assert git(gitops.remote, "log", "-1", "--format=%an", "main").strip() == "model-gitops[bot]"
