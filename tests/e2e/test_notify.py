"""`sync --push` tells the environments' destinations what it delivered or refused: one message
per destination per run, against a local stand-in answering as Slack does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo, git
from tests.support.notify_standin import notify_standin
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e


def environment(prefix: str) -> str:
    return (
        f"namespace: models-prod\nalias: champion\nmodels:\n  include: ['{prefix}*']\n"
        "notify:\n  slack: {url_env: TEST_SLACK_URL}\n  webhook: {url_env: TEST_EVENTS_URL}\n"
        'storage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'
    )


def sync(gitops: GitopsRepo, registry: TestRegistry, cache: Path, url: str, *extra: str):  # type: ignore[no-untyped-def]
    env = {"TEST_SLACK_URL": f"{url}/slack/T0/B0/SECRET", "TEST_EVENTS_URL": f"{url}/events"}
    args = ["sync", "--tracking-uri", registry.url, "--cache-dir", str(cache), *extra]
    return invoke(args, cwd=gitops.worktree, env=env)


def test_a_pushed_sync_sends_one_message_per_destination(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("notified")
    registry.create(f"{prefix}-a", 2, {"champion": 2})
    registry.create(f"{prefix}-b", 1, {"champion": 1})
    gitops.write_environment("prod", environment(prefix))
    with notify_standin() as standin:
        pushed = sync(gitops, registry, cache_dir, standin.url, "--push")
        registry.set_alias(f"{prefix}-a", "champion", 1)
        local = sync(gitops, registry, cache_dir, standin.url)  # committed, not pushed: nobody is told
    assert local.code == 0, local.err
    assert pushed.code == 0, pushed.err
    assert [path for path, _ in standin.received] == ["/slack/T0/B0/SECRET", "/events"]
    slack, events = standin.received[0][1], standin.received[1][1]
    assert slack["text"].splitlines()[1:] == [
        f"- deploy(prod): {prefix}-a 2",
        f"- deploy(prod): {prefix}-b 1",
    ]
    assert [(c["model"], c["event"], c["to_version"]) for c in events["changes"]] == [
        (f"{prefix}-a", "deploy", "2"),
        (f"{prefix}-b", "deploy", "1"),
    ]
    assert events["commit"] == git(gitops.remote, "rev-parse", "main").strip()


def test_a_refused_version_is_news_and_an_unreachable_destination_only_warns(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("refused")
    registry.create(f"{prefix}-a", 1, {"champion": 1})
    gitops.write_environment("prod", environment(prefix), runtime=False)  # Seldon's default image
    with notify_standin() as standin:
        result = sync(gitops, registry, cache_dir, standin.url, "--push")
        closed = standin.url
    assert result.code == 1
    texts = [body["text"] for path, body in standin.received if path.startswith("/slack/")]
    assert (
        len(texts) == 1
        and f"- reject(prod): {prefix}-a: version 1: will not load in prod's runtime" in texts[0]
    )
    again = sync(gitops, registry, cache_dir, closed, "--push")
    assert again.code == 1
    assert "warning: notify: the slack message (TEST_SLACK_URL) was not sent: cannot reach it" in again.err
    assert "SECRET" not in again.err + again.out
