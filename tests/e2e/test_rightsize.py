"""`model-gitops right-size` end to end: a real Prometheus scraping cAdvisor-shaped metrics (two
scrape targets of the same containers, pods of other deployments and namespaces, the executor
container and the pod-level series beside the model's) and Seldon's executor counter; a real Git
repository and remote; GitHub faked at the HTTP level.

Usage is read over a 12 s window at a 3 s resolution, from CPU counters that grow with wall-clock
time (so `rate()` reads the cores set) and working-set gauges.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import options as cli_options
from generator.cli import rightsize as cli_rightsize
from generator.metrics.usage import read_usage
from generator.model import Deployed
from generator.targets.seldon_v1.usage import deployment_name, usage_request
from tests.conftest import require
from tests.e2e.test_cli_options import _recording, check
from tests.support.cadvisor_exporter import CadvisorExporter
from tests.support.cli import Result, invoke
from tests.support.fake_github import FakeGitHub
from tests.support.gitops import GitopsRepo, git
from tests.support.seldon_exporter import SeldonExporter, Traffic
from tests.support.servers import free_port, prometheus_server

pytestmark = pytest.mark.e2e

PROD = "models-prod"
MI = 2**20
WINDOW = ["--window", "12s", "--resolution", "3s"]
FRAUD = "fraud-detector"
LONG = "customer-lifetime-value-gradient-boosted-regression"  # its Deployment name is hashed
IDLE = "churn-model"
TOKEN = "ghs_rightSizeToken0123456789"
REPOSITORY = "acme/gitops"
BRANCH = "model-gitops/right-size"
ENVIRONMENT = """\
# Production: the right-size test's environment.
namespace: models-prod
alias: champion
seldon:
  protocol: v2
  replicas: 2
  resources:
    requests: {cpu: "1", memory: 2Gi}
    limits: {memory: 2Gi}
overrides:
  fraud-detector:
    replicas: 2  # one per zone
monitoring:
  rules: {no_traffic_for: null}  # idle models are fine here
"""
KSERVE = (
    "target: kserve\nnamespace: models-staging\nalias: staging\n"
    "monitoring: {podmonitor: {enabled: false}, rules: {enabled: false}, dashboard: {enabled: false}}\n"
)


@dataclass
class Metrics:
    url: str
    cadvisor: CadvisorExporter


def pod(workload: str, replica_set: str, suffix: str) -> str:
    return f"{workload}-{replica_set}-{suffix}"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Metrics]:
    require("prometheus")
    cadvisor, executor = CadvisorExporter(), SeldonExporter()
    fraud = deployment_name(FRAUD, "default")
    for name, cores, memory in (("x2k4p", 0.2, 300), ("9lmnq", 0.4, 400)):
        cadvisor.set(PROD, pod(fraud, "7d9f8b6c5d", name), "model", cores, memory * MI)
        cadvisor.set(PROD, pod(fraud, "7d9f8b6c5d", name), "seldon-container-engine", 1.0, 500 * MI)
    cadvisor.set(PROD, pod(deployment_name(LONG, "default"), "6b8d9c7f4", "abcde"), "model", 0.05, 100 * MI)
    cadvisor.set(PROD, pod(deployment_name("fraud-detector-v2", "default"), "5f6", "zzzzz"), "model", 3.0, 0)
    cadvisor.set("models-staging", pod(fraud, "7d9f8b6c5d", "qqqqq"), "model", 5.0, 4096 * MI)
    executor.set(PROD, FRAUD, "default", Traffic("3", requests=10))
    targets = [cadvisor.start(), cadvisor.start(), executor.start()]  # two scrapes of the same kubelet
    server, url = prometheus_server(tmp_path_factory.mktemp("prometheus"), targets, "1s")
    server.start()
    try:
        _wait_for_a_window(url)
        yield Metrics(url, cadvisor)
    finally:
        server.stop()
        executor.stop()
        cadvisor.stop()


def _wait_for_a_window(url: str) -> None:
    wanted = [usage_request("prod", FRAUD, PROD, Deployed(FRAUD, "3", FRAUD, predictor="default"))]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = read_usage(url, wanted, 12, 3)[("prod", FRAUD)]
        if found.covered_seconds >= 12 and found.requests_p95:
            return
        time.sleep(1)
    raise AssertionError("Prometheus did not gather 12 s of usage in a minute")


def seldon_deployment(model: str, directory: str) -> str:
    return (
        "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\n"
        f"metadata:\n  name: {directory}\n  annotations:\n"
        f"    model-gitops.io/model: {model}\n    model-gitops.io/version: '3'\n"
        "spec:\n  protocol: v2\n  predictors:\n  - name: default\n    replicas: 2\n    traffic: 100\n"
        "    annotations: {version: '3'}\n"
        "    graph: {name: model, type: MODEL, implementation: MLFLOW_SERVER, modelUri: 's3://m/1',"
        " children: []}\n"
    )


@pytest.fixture
def repository(gitops: GitopsRepo) -> GitopsRepo:
    """environments/prod.yaml (Seldon v1) and staging.yaml (KServe); three models deployed in prod."""
    gitops.write_environment("prod", ENVIRONMENT, runtime=False)
    gitops.write_environment("staging", KSERVE, runtime=False)
    for model in (FRAUD, LONG, IDLE):
        path = gitops.worktree / "rendered" / "prod" / model / "seldondeployment.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(seldon_deployment(model, model))
    git(gitops.worktree, "add", "rendered")
    git(gitops.worktree, "commit", "-qm", "rendered")
    git(gitops.worktree, "push", "-q", "origin", "HEAD:main")
    return gitops


def right_size(gitops: GitopsRepo, url: str, *extra: str, env: dict[str, str] | None = None) -> Result:
    return invoke(["right-size", "--prometheus-url", url, *WINDOW, *extra], cwd=gitops.worktree, env=env)


def test_usage_is_read_per_deployment_from_cadvisor_and_the_executor(prometheus: Metrics) -> None:
    deployed = {model: Deployed(model, "3", model, predictor="default") for model in (FRAUD, LONG, IDLE)}
    wanted = [usage_request("prod", model, PROD, found) for model, found in deployed.items()]
    assert wanted[1].workload.startswith("seldon-") and len(wanted[1].workload) == 39
    usage = read_usage(prometheus.url, wanted, 12, 3)
    fraud = usage[("prod", FRAUD)]
    assert fraud.cpu_p95_per_pod == pytest.approx(0.3, rel=0.05), "the model container only, per pod"
    assert fraud.cpu_p95_total == pytest.approx(0.6, rel=0.05), "duplicate scrapes counted once"
    assert fraud.memory_max_per_pod == 400 * MI, "not the executor's 500Mi, nor the pod's 900Mi"
    assert fraud.requests_p95 == pytest.approx(10, rel=0.3)
    assert fraud.covered_seconds == 12
    long = usage[("prod", LONG)]
    assert long.cpu_p95_per_pod == pytest.approx(0.05, rel=0.05) and long.memory_max_per_pod == 100 * MI
    assert long.requests_p95 is None
    idle = usage[("prod", IDLE)]
    assert (idle.cpu_p95_per_pod, idle.memory_max_per_pod, idle.covered_seconds) == (None, None, 0)


def test_right_size_proposes_writes_in_place_and_opens_a_pull_request(
    prometheus: Metrics, repository: GitopsRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (repository.worktree / "environments" / "prod.yaml").read_text()
    shown = right_size(repository, prometheus.url)
    assert shown.code == 0, shown.err
    assert (
        "warning: skipped staging: target kserve is not read (right-size reads Seldon Core v1 pods)"
        in shown.err
    )
    rows = {
        tuple(line.split(None, 2)[:2]): line for line in shown.out.splitlines() if line.startswith("prod ")
    }
    assert rows[("prod", FRAUD)].endswith(
        "resources.requests.cpu 1 -> 450m; resources.requests.memory 2Gi -> 512Mi"
    )
    assert rows[("prod", LONG)].endswith(
        "replicas 2 -> 1; resources.requests.cpu 1 -> 100m; resources.requests.memory 2Gi -> 128Mi"
    )
    assert rows[("prod", IDLE)].endswith("(no change)")
    assert re.search(
        rf"prod/{FRAUD}: cpu p95 0\.[23]\d cores/pod over 12s \(request 1\) -> 450m; "
        r"cpu p95 0\.\d\d cores total at 70% of 450m/pod \(2 replicas\) kept; "
        r"memory max 400Mi/pod \(request 2Gi, limit 2Gi\) -> 512Mi; "
        r"requests p95 \d+\.\d/s",
        shown.out,
    ), shown.out
    assert f"prod/{IDLE}: no CPU samples of its pods over 12s" in shown.out
    assert (repository.worktree / "environments" / "prod.yaml").read_text() == before, (
        "never applied silently"
    )

    written = right_size(repository, prometheus.url, "--write")
    assert written.code == 0, written.err
    assert "wrote environments/prod.yaml" in written.out
    assert (repository.worktree / "environments" / "prod.yaml").read_text() == before.replace(
        "    replicas: 2  # one per zone\n",
        "    replicas: 2  # one per zone\n"
        "    resources:\n"
        "      requests: {cpu: 450m, memory: 512Mi}\n"
        "      limits: {memory: 2Gi}\n"
        f"  {LONG}:\n"
        "    replicas: 1\n"
        "    resources:\n"
        "      requests: {cpu: 100m, memory: 128Mi}\n"
        "      limits: {memory: 2Gi}\n",
    )
    git(repository.worktree, "checkout", "--", "environments")

    reads: set[str] = set()
    monkeypatch.setattr(
        cli_rightsize, "build_settings", lambda **v: _recording(cli_options.build_settings(**v), "", reads)
    )
    github = FakeGitHub(REPOSITORY, TOKEN, git_remote=repository.remote).start()
    secrets = {"GITHUB_TOKEN": TOKEN}
    pull_request = ["--pull-request", "--github-repository", REPOSITORY, "--github-api-url", github.url]
    try:
        opened = right_size(repository, prometheus.url, *pull_request, env=secrets)
        assert opened.code == 0, opened.err
        assert (
            f"opened pull request #1 https://github.example/{REPOSITORY}/pull/1 (branch {BRANCH})"
            in opened.out
        )
        check("right-size", reads)
        pull = github.pulls[1]
        assert (pull["head"]["ref"], pull["base"]["ref"], pull["state"]) == (BRANCH, "main", "open")
        assert pull["title"] == "right-size(prod): 2 models"
        body = pull["body"]
        assert "| Environment | Model | Change | Evidence |" in body
        assert f"| prod | `{FRAUD}` | `resources.requests.cpu: 1 -> 450m`<br>" in body
        assert "memory max 400Mi/pod \\(request 2Gi, limit 2Gi\\) -\\> 512Mi" in body
        assert f"`{IDLE}`: no CPU samples of its pods over 12s" in body
        main = git(repository.remote, "rev-parse", "main").strip()
        tip = git(repository.remote, "rev-parse", BRANCH).strip()
        assert git(repository.remote, "rev-parse", f"{BRANCH}^").strip() == main
        assert git(repository.remote, "diff", "--name-only", "main", BRANCH).split() == [
            "environments/prod.yaml"
        ]
        message = git(repository.remote, "log", "-1", "--format=%B", BRANCH)
        assert message.startswith("right-size(prod): 2 models\n\nFrom what each deployment used over 12s")
        assert git(repository.worktree, "status", "--porcelain") == "", "the working tree is left alone"

        again = right_size(repository, prometheus.url, *pull_request, env=secrets)
        assert again.code == 0, again.err
        assert re.search(r"(updated|unchanged) pull request #1", again.out), again.out
        assert git(repository.remote, "rev-parse", BRANCH).strip() == tip, "same edits: no new push"
        assert len(github.pulls) == 1

        git(repository.worktree, "pull", "-q", "--ff-only", "origin", BRANCH)  # merged
        git(repository.worktree, "push", "-q", "origin", "HEAD:main")
        settled = right_size(repository, prometheus.url, *pull_request, env=secrets)
        assert settled.code == 0, settled.err
        assert "closed pull request #1" in settled.out, settled.out
        table = settled.out.split("evidence (window")[0]
        assert table.count("(no change)") == 3 and " -> " not in table, "applied, it proposes nothing more"
        assert github.pulls[1]["state"] == "closed"
        assert "latest usage proposes no change" in github.comments[1][0]
        assert git(repository.remote, "branch", "--list", BRANCH).strip() == "", "the branch is deleted"
        assert not github.problems
    finally:
        github.stop()
    assert TOKEN not in opened.out + opened.err


def test_other_targets_are_refused_when_named_and_prometheus_must_answer(
    prometheus: Metrics, repository: GitopsRepo
) -> None:
    named = right_size(repository, prometheus.url, "-e", "staging")
    assert named.code == 1
    assert named.err.startswith(
        "error: right-size cannot read staging: target kserve is not read (right-size reads Seldon Core v1 "
        "pods): name Seldon Core v1 environments with -e"
    ), named.err
    down = right_size(repository, f"http://127.0.0.1:{free_port()}", "-e", "prod")
    assert down.code == 1
    assert "is unreachable (connection refused): check --prometheus-url" in down.err, down.err
    unset = invoke(
        ["right-size", "-e", "prod"], cwd=repository.worktree, env={"MODEL_GITOPS_PROMETHEUS_URL": ""}
    )
    assert unset.code == 1 and "no URL is configured: pass --prometheus-url" in unset.err, unset.err
