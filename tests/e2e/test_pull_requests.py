"""Pull-request delivery end to end: real MLflow, a real bare Git remote, GitHub faked at the HTTP level.

Production changes arrive as one pull request per environment: opened once, updated by later
runs, closed when the alias moves back; the branch is pushed to the real bare repository, and
the model versions carry their deployment state in the real MLflow server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Result, invoke
from tests.support.fake_github import FakeGitHub
from tests.support.gitops import GitopsRepo, git
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

TOKEN = "ghs_fakeToken0123456789abcdef"
REPOSITORY = "acme/gitops"
BRANCH = "model-gitops/prod"
REWRITES = '\nstorage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'


def environment(alias: str, namespace: str, prefix: str, extra: str = "") -> str:
    return f"namespace: {namespace}\nalias: {alias}\nmodels:\n  include: ['{prefix}*']\n{REWRITES}{extra}"


PULL_REQUEST = "delivery:\n  mode: pull-request\n  labels: [deploy, production]\n"


@pytest.fixture
def github(gitops: GitopsRepo) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(REPOSITORY, TOKEN, git_remote=gitops.remote).start()
    try:
        yield fake
    finally:
        fake.stop()


def sync(gitops: GitopsRepo, registry: TestRegistry, cache: Path, github: FakeGitHub, *extra: str) -> Result:
    args = ["sync", "--push", "--tracking-uri", registry.url, "--cache-dir", str(cache)]
    args += ["--github-repository", REPOSITORY, "--github-api-url", github.url, *extra]
    result = invoke(args, cwd=gitops.worktree, env={"GITHUB_TOKEN": TOKEN})
    assert result.code == 0, result.err
    assert TOKEN not in result.out + result.err
    return result


def tags(registry: TestRegistry, model: str, version: int) -> dict[str, str]:
    found = registry.client.get_model_version(model, str(version)).tags
    return {k: v for k, v in found.items() if k.startswith("model-gitops.")}


def remote_sha(gitops: GitopsRepo, ref: str) -> str | None:
    done = git(gitops.remote, "for-each-ref", "--format=%(objectname)", f"refs/heads/{ref}").strip()
    return done or None


def merge_pull_request(gitops: GitopsRepo, github: FakeGitHub, number: int) -> None:
    """What pressing "Merge" does: the branch lands on main, the pull request is closed."""
    git(gitops.worktree, "fetch", "-q", "origin", BRANCH)
    git(gitops.worktree, "merge", "-q", "--ff-only", "FETCH_HEAD")
    git(gitops.worktree, "push", "-q", "origin", "HEAD:main")
    github.pulls[number].update(state="closed", merged=True)


def test_production_change_opens_one_pull_request_updates_it_and_closes_it(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, github: FakeGitHub
) -> None:
    prefix = registry.unique("pr")
    model = f"{prefix}-detector"
    registry.create(model, 3, {"dev": 3, "champion": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    gitops.write_environment("prod", environment("champion", "models-prod", prefix, PULL_REQUEST))

    first = sync(gitops, registry, cache_dir, github)
    assert "prod: opened pull request #1" in first.out
    assert f"rendered/dev/{model}/seldondeployment.yaml" in gitops.remote_files()
    assert not [f for f in gitops.remote_files() if f.startswith("rendered/prod/")], "prod waits for review"
    merge_pull_request(gitops, github, 1)
    git(gitops.worktree, "pull", "-q", "--ff-only")

    settle = sync(gitops, registry, cache_dir, github)
    assert "nothing to commit" in settle.out
    assert remote_sha(gitops, BRANCH) is None, "the merged branch is deleted"
    deployed = tags(registry, model, 1)
    assert deployed["model-gitops.prod.state"] == "deployed"
    assert deployed["model-gitops.prod.commit"] == git(gitops.remote, "rev-parse", "main").strip()
    assert deployed["model-gitops.prod.pull-request"].endswith("/pull/1")
    assert tags(registry, model, 3)["model-gitops.dev.state"] == "deployed"

    registry.set_alias(model, "champion", 2)
    summary = gitops.worktree.parent / "summary.md"
    opened = sync(gitops, registry, cache_dir, github, "--summary", str(summary))
    assert "prod: opened pull request #2" in opened.out
    report = summary.read_text()
    assert (
        "### prod (pull request)" in report and f"| `{model}` | 1 | 2 | replace (update) | 100% |" in report
    )
    assert "- prod: pull request opened [#2](https://github.example/acme/gitops/pull/2)" in report
    pull = github.pulls[2]
    assert (pull["state"], pull["head"]["ref"], pull["base"]["ref"]) == ("open", BRANCH, "main")
    assert pull["title"] == f"deploy(prod): {model} 1 -> 2"
    assert f"| `{model}` | 1 | 2 | replace (update) | 100% |" in pull["body"]
    assert "```mermaid\nflowchart LR" in pull["body"]
    assert f"{registry.url}/#/models/{model}/versions/2" in pull["body"]
    assert sorted(label["name"] for label in pull["labels"]) == ["deploy", "production"]
    branch_head = remote_sha(gitops, BRANCH)
    main_head = git(gitops.remote, "rev-parse", "main").strip()
    assert git(gitops.remote, "rev-parse", f"{BRANCH}^").strip() == main_head
    touched = git(gitops.remote, "diff", "--name-only", "main", BRANCH).split()
    assert touched == [f"rendered/prod/{model}/seldondeployment.yaml"]
    pending = tags(registry, model, 2)
    assert pending["model-gitops.prod.state"] == "pending-review"
    assert pending["model-gitops.prod.commit"] == branch_head
    assert pending["model-gitops.prod.pull-request"] == pull["html_url"]

    again = sync(gitops, registry, cache_dir, github)
    assert "prod: unchanged pull request #2" in again.out
    planned = invoke(["plan", "--format", "markdown", "--tracking-uri", registry.url], cwd=gitops.worktree)
    assert planned.code == 0, planned.err
    assert (
        planned.out.startswith("## model-gitops plan\n") and "### dev (commit)\n\nNo changes." in planned.out
    )
    assert f"| `{model}` | 1 | 2 | replace (update) | 100% |" in planned.out
    assert remote_sha(gitops, BRANCH) == branch_head, "no push when the branch already holds the change"

    registry.set_alias(model, "champion", 3)
    updated = sync(gitops, registry, cache_dir, github)
    assert "prod: updated pull request #2" in updated.out
    assert len(github.open_pulls()) == 1 and len(github.pulls) == 2, "one pull request, updated"
    assert github.pulls[2]["title"] == f"deploy(prod): {model} 1 -> 3"
    assert remote_sha(gitops, BRANCH) != branch_head
    assert tags(registry, model, 2)["model-gitops.prod.state"] == "withdrawn"
    assert tags(registry, model, 3)["model-gitops.prod.state"] == "pending-review"

    registry.set_alias(model, "champion", 1)
    closed = sync(gitops, registry, cache_dir, github)
    assert "prod: closed pull request #2" in closed.out
    assert github.pulls[2]["state"] == "closed" and not github.open_pulls()
    assert "alias moved back" in github.comments[2][0]
    assert remote_sha(gitops, BRANCH) is None
    assert tags(registry, model, 3)["model-gitops.prod.state"] == "withdrawn"
    assert tags(registry, model, 1)["model-gitops.prod.state"] == "deployed"

    assert github.problems == []
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in github.requests)
    assert len(github.calls("POST", rf"/repos/{REPOSITORY}/pulls")) == 2


def test_pull_request_mode_needs_push_and_fails_before_writing_without_a_token(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("notoken")
    registry.create(f"{prefix}-m", 1, {"champion": 1})
    gitops.write_environment("prod", environment("champion", "models-prod", prefix, PULL_REQUEST))
    before = gitops.remote_log()
    args = ["sync", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir)]
    local = invoke(args, cwd=gitops.worktree, env={"GITHUB_TOKEN": "", "GH_TOKEN": ""})
    assert local.code == 0, local.err
    assert "prod: pull-request delivery needs --push; nothing delivered" in local.out
    result = invoke([*args, "--push"], cwd=gitops.worktree, env={"GITHUB_TOKEN": "", "GH_TOKEN": ""})
    assert result.code == 1
    assert result.err.strip().splitlines()[-1].startswith("error: pull-request delivery needs a GitHub token")
    assert gitops.remote_log() == before


def test_github_errors_are_one_line_without_the_token(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, github: FakeGitHub
) -> None:
    prefix = registry.unique("badtoken")
    registry.create(f"{prefix}-m", 1, {"champion": 1})
    gitops.write_environment("prod", environment("champion", "models-prod", prefix, PULL_REQUEST))
    args = ["sync", "--push", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir)]
    args += ["--github-repository", REPOSITORY, "--github-api-url", github.url]
    wrong = "ghp_wrongToken_should_never_be_printed"
    result = invoke(args, cwd=gitops.worktree, env={"GITHUB_TOKEN": wrong})
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1
    assert "GitHub rejected the token" in result.err and "GITHUB_TOKEN" in result.err
    assert wrong not in result.out + result.err


def test_a_promotion_reaches_prod_through_a_pull_request_whose_body_holds_the_evidence(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, github: FakeGitHub
) -> None:
    prefix = registry.unique("promo")
    model = f"{prefix}-m"
    registry.create(model, 2, {"staging": 2})
    gitops.write_environment("staging", environment("staging", "models-staging", prefix))
    selected = f"models:\n  include: ['{prefix}*']\n"
    promote = "promote: {from: staging, soak: 1h, approval: pull-request, set_alias: champion}\n"
    gitops.write_environment("prod", f"namespace: models-prod\n{selected}{promote}{REWRITES}")
    sync(gitops, registry, cache_dir, github)  # staging serves 2 from this commit on
    later = "2099-01-01T00:00:00Z"
    proposed = sync(gitops, registry, cache_dir, github, "--now", later)
    assert f"  + {model} 2 (promoted from staging; served there since " in proposed.out
    (number, pull), *_ = github.pulls.items()
    assert pull["title"].startswith(f"deploy(prod): {model} 2 (promoted from staging; ")
    assert "Versions that served in `staging` for 1h and passed its gates." in pull["body"]
    assert registry.client.get_registered_model(model).aliases.get("champion") is None  # not merged yet
    merge_pull_request(gitops, github, number)
    sync(gitops, registry, cache_dir, github, "--now", later)
    assert registry.client.get_registered_model(model).aliases.get("champion") == "2"  # landed
    assert tags(registry, model, 2)["model-gitops.prod.promotion"].startswith("promoted from staging; ")
