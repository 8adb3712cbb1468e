"""Monitoring and Argo CD output through the real validation: kustomize, kubeconform -strict, promtool.

Also: the `argocd-cm` patch applied with `kubectl patch --local` keeps Argo CD's other settings, and
a sync in a real Git repository writes monitoring and Argo CD manifests pointing at `origin`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from generator import targets, yamlio
from generator.config.loader import parse_environment
from generator.config.settings import ValidationSettings
from generator.errors import ToolError
from generator.model import CurrentState
from generator.plan.planner import plan
from generator.render import render
from generator.render.argocd import GitSource
from generator.targets.seldon_v1.health import HEALTH_KEY
from generator.validate import promtool
from generator.validate.runner import validate_tree
from tests.conftest import require
from tests.e2e.test_sync_kserve import schema_locations
from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo
from tests.support.registry import TestRegistry
from tests.support.snapshots import snapshot

pytestmark = pytest.mark.e2e

ENVIRONMENTS = {
    "dev": parse_environment("namespace: models-dev\nalias: dev\n", "dev.yaml"),
    "prod": parse_environment(
        "namespace: models-prod\nalias: champion\nmonitoring:\n  labels: {release: kube-prometheus-stack}\n"
        "  dashboard: {delivery: grafana-operator, folder: Models}\n",
        "prod.yaml",
    ),
}
SNAPSHOT = snapshot({"fraud-detector": {"champion": 2, "dev": 3}, "Price_Forecaster.v2": {"dev": 1}})


def settings(cache: Path) -> ValidationSettings:
    return ValidationSettings(
        schema_locations=os.environ["MODEL_GITOPS_SCHEMA_LOCATIONS"].split(),
        crds=os.environ["MODEL_GITOPS_CRDS"].split(),
        cache_dir=cache,
    )


def rendered() -> dict[str, dict]:
    source = GitSource("https://github.com/acme/gitops.git")
    return render(plan(ENVIRONMENTS, SNAPSHOT, CurrentState()), source)


def as_files(documents: dict[str, dict]) -> dict[str, bytes]:
    return {path: yamlio.dump(document).encode() for path, document in documents.items()}


def test_everything_generated_passes_kubeconform_strict_and_promtool(cache_dir: Path) -> None:
    documents = rendered()
    kinds = {d["kind"] for d in documents.values()}
    assert {
        "PodMonitor",
        "PrometheusRule",
        "ConfigMap",
        "GrafanaDashboard",
        "Application",
        "AppProject",
    } <= kinds
    assert validate_tree(as_files(documents), ["dev", "prod"], settings(cache_dir)) == []


def test_each_kind_is_really_checked(cache_dir: Path) -> None:
    documents = rendered()
    documents["dev/podmonitor.yaml"]["spec"]["podMetricsEndpoints"][0]["portt"] = "x"
    documents["prod/dashboard.yaml"]["spec"]["jsonn"] = "{}"
    documents["dev/dashboard.yaml"]["data"] = {"model-gitops-dev.json": "{"}
    documents["argocd/application-prod.yaml"]["spec"]["syncPolicy"]["automatic"] = {}
    documents["argocd/appproject.yaml"]["spec"]["destinations"][0]["cluster"] = "x"
    documents["argocd/argocd-cm-patch.yaml"]["data"] = {"key": 1}
    rule = documents["prod/prometheusrule.yaml"]["spec"]["groups"][0]["rules"][1]
    rule["annotations"]["summary"] += " {{ $labels"
    problems = validate_tree(as_files(documents), ["dev", "prod"], settings(cache_dir))
    expected = [
        "dev/model-gitops-dev (PodMonitor): ",
        "prod/model-gitops-prod-dashboard (GrafanaDashboard): ",
        "dev/model-gitops-dev-dashboard (ConfigMap): dashboard is not valid JSON",
        "argocd/model-gitops-prod (Application): ",
        "argocd/model-gitops (AppProject): ",
        "argocd-cm-patch/argocd-cm (ConfigMap): ",
        "prod/model-gitops-prod (PrometheusRule): promtool: ",
    ]
    for prefix in expected:
        assert [p for p in problems if p.startswith(prefix)], (prefix, problems)
    assert len(problems) == len(expected), problems


TARGET_ENVIRONMENTS = {
    "kserve": parse_environment(
        "target: kserve\nnamespace: models-kserve\nalias: champion\n"
        "monitoring: {labels: {release: kube-prometheus-stack}, dashboard: {delivery: grafana-operator}}\n",
        "kserve.yaml",
        {name: target.strategies for name, target in targets.TARGETS.items()},
    ),
    "sc2": parse_environment(
        "target: seldon-v2\nnamespace: models-sc2\nalias: champion\n"
        "monitoring: {podmonitor: {enabled: false}}\n",
        "sc2.yaml",
        {name: target.strategies for name, target in targets.TARGETS.items()},
    ),
}


def test_every_targets_monitoring_passes_kubeconform_strict_and_promtool(cache_dir: Path) -> None:
    documents = render(plan(TARGET_ENVIRONMENTS, SNAPSHOT, CurrentState()))
    kinds = {(path.split("/")[0], d["kind"]) for path, d in documents.items()}
    assert {("kserve", "PodMonitor"), ("kserve", "PrometheusRule"), ("kserve", "GrafanaDashboard")} <= kinds
    assert {("sc2", "PrometheusRule"), ("sc2", "ConfigMap")} <= kinds
    assert ("sc2", "PodMonitor") not in kinds
    checked = ValidationSettings(
        schema_locations=schema_locations(cache_dir) or settings(cache_dir).schema_locations,
        crds=os.environ["MODEL_GITOPS_CRDS"].split(),
        cache_dir=cache_dir,
    )
    assert validate_tree(as_files(documents), ["kserve", "sc2"], checked) == []

    rule = documents["sc2/fraud-detector/prometheusrule.yaml"]["spec"]["groups"][0]["rules"][0]
    rule["expr"] = rule["expr"].replace("sum by", "sum byy", 1)
    problems = validate_tree(as_files(documents), ["kserve", "sc2"], checked)
    assert [p for p in problems if p.startswith("sc2/fraud-detector (PrometheusRule): ")], problems


def test_promtool_attributes_problems_to_their_resource(tmp_path: Path) -> None:
    good = [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0"}]}]
    bad = [{"name": "g", "rules": [{"alert": "B", "expr": "sum(up"}]}]
    problems = promtool.check_rules(
        {"dev/a (PrometheusRule)": good, "dev/b (PrometheusRule)": bad}, "promtool", tmp_path
    )
    assert list(problems) == ["dev/b (PrometheusRule)"]
    (message,) = problems["dev/b (PrometheusRule)"]
    assert 'rule 1, "B": could not parse expression' in message
    assert promtool.check_rules({"dev/a (PrometheusRule)": good}, "promtool", tmp_path) == {}


def test_a_missing_promtool_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="apt-get install prometheus"):
        promtool.check_rules({"x": []}, str(tmp_path / "missing" / "promtool"), tmp_path)


def test_the_health_check_patch_merges_into_argocd_cm(tmp_path: Path) -> None:
    kubectl = require("kubectl")
    stock = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm", "namespace": "argocd"},
        "data": {"url": "https://argocd.example.com", "timeout.reconciliation": "180s"},
    }
    (tmp_path / "argocd-cm.yaml").write_text(yamlio.dump(stock))
    patch = rendered()["argocd/argocd-cm-patch.yaml"]
    (tmp_path / "patch.yaml").write_text(yamlio.dump(patch))
    result = subprocess.run(
        [
            kubectl,
            "patch",
            "--local",
            "-f",
            "argocd-cm.yaml",
            "--type",
            "merge",
            "--patch-file",
            "patch.yaml",
            "-o",
            "yaml",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    merged = yamlio.load(result.stdout)["data"]
    assert merged["url"] == "https://argocd.example.com" and merged["timeout.reconciliation"] == "180s"
    assert merged[HEALTH_KEY] == patch["data"][HEALTH_KEY]


def test_sync_writes_monitoring_and_argocd_for_origin(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("mon")
    registry.create(f"{prefix}-model", 2, {"dev": 2, "champion": 1})
    base = "storage:\n  rewrites:\n    - {from: 'mlflow-artifacts:/', to: 's3://mlflow-artifacts/'}\n"
    models = f"models:\n  include: ['{prefix}*']\n"
    gitops.write_environment("dev", f"namespace: models-dev\nalias: dev\n{models}{base}")
    gitops.write_environment("prod", f"namespace: models-prod\nalias: champion\n{models}{base}")
    common = ["--tracking-uri", registry.url, "--cache-dir", str(cache_dir)]

    first = invoke(["sync", "--push", *common], cwd=gitops.worktree)
    assert first.code == 0, first.err
    files = gitops.remote_files()
    for env in ("dev", "prod"):
        assert f"rendered/{env}/{prefix}-model/seldondeployment.yaml" in files
        for name in ("podmonitor", "prometheusrule", "dashboard"):
            assert f"rendered/{env}/{name}.yaml" in files
        application = yamlio.load(gitops.remote_show(f"rendered/argocd/application-{env}.yaml"))
        assert application["spec"]["source"]["repoURL"] == str(gitops.remote)
        assert application["spec"]["source"]["path"] == f"rendered/{env}"
    assert "rendered/argocd/argocd-cm-patch.yaml" in files

    # a partial run leaves rendered/argocd alone; an explicit URL (with a token) is used without it
    registry.set_alias(f"{prefix}-model", "dev", 1)
    partial = invoke(
        ["sync", "--push", "-e", "dev", "--repo-url", "https://t:secret@git.example.com/r.git", *common],
        cwd=gitops.worktree,
    )
    assert partial.code == 0, partial.err
    assert "rendered/argocd/application-prod.yaml" in gitops.remote_files()
    full = invoke(
        ["sync", "--push", "--repo-url", "https://t:secret@git.example.com/r.git", *common],
        cwd=gitops.worktree,
    )
    assert full.code == 0, full.err
    application = gitops.remote_show("rendered/argocd/application-prod.yaml")
    assert "repoURL: https://git.example.com/r.git" in application and "secret" not in application

    checked = invoke(["validate", "--cache-dir", str(cache_dir)], cwd=gitops.worktree)
    assert checked.code == 0, checked.err
    assert "argocd" in checked.out
