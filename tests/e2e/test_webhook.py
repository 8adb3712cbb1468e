"""End to end: MLflow's own webhooks drive the receiver, which syncs to a real bare repository.

A real `mlflow server` (with the settings that let it call 127.0.0.1) holds the registry; the
webhook is created with `model-gitops webhook register`; the receiver runs as its own process
(`model-gitops webhook serve`). Crafted requests check what the receiver refuses. Actions mode
is checked against a local stand-in for GitHub's dispatch endpoint.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import yamlio
from tests.support.cli import invoke
from tests.support.fake_dispatch import FakeDispatch
from tests.support.gitops import GitopsRepo
from tests.support.receiver import WEBHOOK_MLFLOW_ENV, Receiver, start_receiver, wait_for
from tests.support.registry import TestRegistry
from tests.support.servers import mlflow_server

pytestmark = pytest.mark.e2e

SECRET = f"e2e-{uuid.uuid4().hex}"
TOKEN = "ghp_webhooktesttoken0123456789"
ENVIRONMENT = """namespace: models-prod
alias: champion
models:
  include: ['{prefix}*']
storage:
  rewrites:
    - from: "mlflow-artifacts:/"
      to: "s3://mlflow-artifacts/"
"""
RUNS = "model_gitops_webhook_runs_triggered_total"
DONE = "model_gitops_webhook_runs_completed_total"


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestRegistry]:
    """An MLflow server that may call webhooks on 127.0.0.1, seeded with one logged model."""
    server, url = mlflow_server(tmp_path_factory.mktemp("mlflow-webhooks"), env=WEBHOOK_MLFLOW_ENV)
    server.start()
    try:
        yield TestRegistry.prepare(url)
    finally:
        server.stop()


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MODEL_GITOPS_WEBHOOK_SECRET", SECRET)
    return SECRET


def register(registry: TestRegistry, receiver: Receiver, name: str) -> str:
    done = invoke(
        ["webhook", "register", "--tracking-uri", registry.url, "--url", receiver.url, "--name", name]
    )
    assert done.code == 0, done.err
    return done.out


def drop_webhooks(registry: TestRegistry, name: str) -> None:
    client = registry.client
    for hook in client.list_webhooks(max_results=1000):
        if hook.name == name:
            client.delete_webhook(hook.webhook_id)


def deployed_version(gitops: GitopsRepo, model: str) -> str | None:
    path = f"rendered/prod/{model}/seldondeployment.yaml"
    if path not in gitops.remote_files():
        return None
    return yamlio.load(gitops.remote_show(path))["spec"]["predictors"][0]["annotations"]["version"]


def settled(receiver: Receiver) -> bool:
    """Every triggered run finished and nothing waits."""
    runs, done = receiver.total(RUNS), receiver.total(DONE)
    return runs == done and receiver.total("model_gitops_webhook_pending_events") == 0


@pytest.fixture
def self_hosted(
    hooked: TestRegistry, gitops: GitopsRepo, cache_dir: Path, tmp_path: Path, secret: str
) -> Iterator[tuple[Receiver, str, str]]:
    prefix = hooked.unique("hook")
    gitops.write_environment("prod", ENVIRONMENT.format(prefix=prefix))
    receiver = start_receiver(
        tmp_path / "receiver",
        gitops.worktree,
        hooked.url,
        cache_dir,
        secret,
        "--debounce",
        "2",
        "--no-catch-up",
    )
    name = f"model-gitops-{prefix}"
    try:
        yield receiver, prefix, name
    finally:
        receiver.stop()
        drop_webhooks(hooked, name)
    assert SECRET not in receiver.log()


def test_alias_set_in_mlflow_is_committed_to_the_remote(
    hooked: TestRegistry, gitops: GitopsRepo, self_hosted: tuple[Receiver, str, str]
) -> None:
    receiver, prefix, name = self_hosted
    model = f"{prefix}-detector"
    hooked.create(model, 2, {"champion": 1})  # before the webhook exists: nothing is sent
    assert "created" in register(hooked, receiver, name)
    assert "updated" in register(hooked, receiver, name)  # idempotent: still one webhook
    assert [h.name for h in hooked.client.list_webhooks(max_results=1000)].count(name) == 1

    hooked.set_alias(model, "champion", 2)
    wait_for(lambda: deployed_version(gitops, model) == "2", 120, f"{model}@champion=2 on the remote")
    assert gitops.remote_log()[0].startswith("deploy(prod):")
    wait_for(lambda: receiver.total("model_gitops_webhook_last_success_timestamp_seconds") > 0, 30, "success")
    assert receiver.total(DONE, result="success") >= 1
    assert (
        receiver.total("model_gitops_webhook_events_received_total", event="model_version_alias.created") >= 1
    )
    assert receiver.total("model_gitops_webhook_events_rejected_total") == 0

    other = hooked.unique("unselected")
    hooked.create(other, 1, {"champion": 1})
    wait_for(
        lambda: receiver.total("model_gitops_webhook_events_ignored_total", reason="model_not_selected") >= 2,
        60,
        "events of an unselected model to be ignored",
    )


def test_forged_stale_and_replayed_deliveries_are_rejected(self_hosted: tuple[Receiver, str, str]) -> None:
    receiver, prefix, _ = self_hosted
    data = {"name": f"{prefix}-detector", "alias": "champion", "version": "1"}

    forged, _, _ = receiver.deliver(data, secret="not-the-shared-secret")
    assert (forged.status_code, forged.json()["reason"]) == (401, "bad_signature")
    response, body, headers = receiver.deliver(data)
    tampered = body.replace(b'"version": "1"', b'"version": "9"')
    assert receiver.post(tampered, headers).status_code == 401
    unsigned = {k: v for k, v in headers.items() if k != "X-MLflow-Signature"}
    assert receiver.post(body, unsigned).json()["reason"] == "unsigned"
    old, _, _ = receiver.deliver(data, sent=int(time.time()) - 3600)
    assert (old.status_code, old.json()["reason"]) == (400, "stale_timestamp")
    future, _, _ = receiver.deliver(data, sent=int(time.time()) + 3600)
    assert future.json()["reason"] == "stale_timestamp"

    assert response.status_code == 202  # the one genuine delivery
    replay = receiver.post(body, headers)
    assert (replay.status_code, replay.json()["reason"]) == (409, "replayed")
    garbage, _, _ = receiver.deliver({"alias": "champion"})
    assert (garbage.status_code, garbage.json()["reason"]) == (400, "malformed")

    rejected = {
        reason: receiver.total("model_gitops_webhook_events_rejected_total", reason=reason)
        for reason in ("bad_signature", "unsigned", "stale_timestamp", "replayed", "malformed")
    }
    assert rejected == {
        "bad_signature": 2,
        "unsigned": 1,
        "stale_timestamp": 2,
        "replayed": 1,
        "malformed": 1,
    }
    wait_for(lambda: receiver.total(RUNS) == 1 and settled(receiver), 120, "the one genuine delivery's run")
    time.sleep(2.5)  # longer than the debounce window: nothing else may start a run
    assert receiver.total(RUNS) == 1


def test_burst_of_twenty_alias_moves_runs_once_or_twice(
    hooked: TestRegistry, gitops: GitopsRepo, self_hosted: tuple[Receiver, str, str]
) -> None:
    receiver, prefix, name = self_hosted
    models = [f"{prefix}-m{i}" for i in range(4)]
    for model in models:
        hooked.create(model, 2, {"champion": 1})
    register(hooked, receiver, name)
    client = hooked.client
    for i in range(20):  # 4 models x 5 moves: 2, 1, 2, 1, 2
        client.set_registered_model_alias(models[i % 4], "champion", str(2 - (i // 4) % 2))
    wait_for(
        lambda: all(deployed_version(gitops, m) == "2" for m in models),
        180,
        "the burst's final state on the remote",
    )
    wait_for(lambda: settled(receiver), 120, "the runs to finish")
    time.sleep(2.5)  # longer than the debounce window: a late run would have started
    wait_for(lambda: settled(receiver), 120, "the runs to finish")
    received = receiver.total(
        "model_gitops_webhook_events_received_total", event="model_version_alias.created"
    )
    assert received == 20
    assert 1 <= receiver.total(RUNS) <= 2, receiver.log()[-3000:]
    assert receiver.total(DONE, result="success") == receiver.total(RUNS)
    assert receiver.total("model_gitops_webhook_events_ignored_total", reason="own_tag") >= 1  # write-back
    assert sum(1 for line in gitops.remote_log() if line.startswith("deploy(prod)")) <= 2


def test_actions_mode_sends_repository_dispatch(
    hooked: TestRegistry, gitops: GitopsRepo, cache_dir: Path, tmp_path: Path, secret: str
) -> None:
    prefix = hooked.unique("dispatch")
    gitops.write_environment("prod", ENVIRONMENT.format(prefix=prefix))
    model = f"{prefix}-scorer"
    hooked.create(model, 2, {"champion": 1})
    github = FakeDispatch("acme/gitops", TOKEN).start()
    summary = tmp_path / "step-summary.md"
    environment = {"GITHUB_TOKEN": TOKEN, "GITHUB_STEP_SUMMARY": str(summary)}
    extra = ["--mode", "actions", "--github-repository", "acme/gitops", "--github-api-url", github.url]
    receiver = start_receiver(
        tmp_path / "receiver",
        gitops.worktree,
        hooked.url,
        cache_dir,
        secret,
        *extra,
        "--debounce",
        "0.5",
        env=environment,
    )
    name = f"model-gitops-{prefix}"
    try:
        register(hooked, receiver, name)
        hooked.set_alias(model, "champion", 2)
        wait_for(lambda: github.dispatches, 60, "a repository_dispatch")
        wait_for(lambda: settled(receiver), 30, "the dispatch to be counted")
    finally:
        receiver.stop()
        github.stop()
        drop_webhooks(hooked, name)
    assert github.problems == []
    assert len(github.dispatches) == 1
    sent = github.dispatches[0]
    assert sent["event_type"] == "mlflow-registry-event"  # what .github/workflows/sync.yml listens to
    payload = sent["client_payload"]
    assert payload["model"] == model and payload["models"] == [model]
    assert payload["event"] == "model_version_alias.created"
    assert payload["events"] == [f"model_version_alias.created {model} v2 @champion"]
    assert len(gitops.remote_log()) == 2  # nothing committed by the receiver itself
    text = summary.read_text()
    assert "### model-gitops webhook receiver" in text
    assert '`model_gitops_webhook_runs_completed_total{mode="actions",result="success"}` | 1 |' in text
    assert TOKEN not in receiver.log() and SECRET not in receiver.log()


def test_register_explains_a_refused_url(hooked: TestRegistry, secret: str) -> None:
    done = invoke(["webhook", "register", "--tracking-uri", hooked.url, "--url", "ftp://127.0.0.1/webhook"])
    assert done.code == 1 and "not an http(s) URL" in done.err


def test_mlflow_refusing_a_private_url_is_explained(mlflow_url: str, secret: str) -> None:
    """The default MLflow server (no webhook settings) refuses http on 127.0.0.1; say how to allow it."""
    done = invoke(
        ["webhook", "register", "--tracking-uri", mlflow_url, "--url", "http://127.0.0.1:9/webhook"]
    )
    assert done.code == 1, done.out
    assert "MLFLOW_WEBHOOK_ALLOWED_SCHEMES" in done.err and "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS" in done.err
