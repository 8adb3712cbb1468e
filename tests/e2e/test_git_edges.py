"""Git edges where the remote or MLflow could disagree with what a sync reports (issue 12).

Real MLflow, real bare remotes with real pre-receive hooks, real symlinks and real Git filters:
unpushed commits are pushed (and only pushed commits are written back), a refused push fails
in one line quoting the remote, nothing is read or written through a link under rendered/,
uncommitted configuration is refused, files removed from rendered/ are named, and Git filters
that would store something else than the validated manifests are refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.cli import commands
from generator.cli.options import build_settings
from generator.webhook.debounce import Debouncer
from generator.webhook.events import Filter
from generator.webhook.runner import FilterHolder, Runner, SelfHosted
from generator.webhook.telemetry import Telemetry
from tests.e2e.test_sync import environment
from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo, git, head, refuse_pushes
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e


def run_sync(gitops: GitopsRepo, registry: TestRegistry, cache: Path, *extra: str):
    return invoke(
        ["sync", "--tracking-uri", registry.url, "--cache-dir", str(cache), *extra], cwd=gitops.worktree
    )


def states(registry: TestRegistry, model: str, version: str = "1") -> dict[str, str]:
    tags = registry.client.get_model_version(model, version).tags
    return {k: v for k, v in tags.items() if k.startswith("model-gitops.")}


def one_model(registry: TestRegistry, gitops: GitopsRepo, stem: str) -> str:
    prefix = registry.unique(stem)
    registry.create(f"{prefix}-m", 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    return f"{prefix}-m"


def test_a_push_run_pushes_the_commits_an_earlier_run_left_unpushed(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    model = one_model(registry, gitops, "unpushed")
    local = run_sync(gitops, registry, cache_dir)  # no --push: committed here only
    assert local.code == 0, local.err
    assert head(gitops.worktree) != head(gitops.remote, "main")
    assert states(registry, model) == {}, "nothing is written back without --push"

    pushed = run_sync(gitops, registry, cache_dir, "--push")
    assert pushed.code == 0, pushed.err
    assert "nothing to commit" in pushed.out
    assert "pushed 1 earlier local commit(s) to origin as well" in pushed.out
    remote_head = head(gitops.remote, "main")
    assert remote_head == head(gitops.worktree), "the remote holds everything the run reports"
    assert gitops.remote_log()[0] == f"deploy(dev): {model} 1"
    assert states(registry, model) == {
        "model-gitops.dev.state": "deployed",
        "model-gitops.dev.commit": remote_head,
        "model-gitops.dev.target": "seldon-v1",
    }


def test_a_refused_push_fails_in_one_line_and_the_next_run_pushes_the_commit(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    model = one_model(registry, gitops, "refused")
    secret = "tok-" + registry.unique("hook")
    said = (
        f"policy: \x1b[31mmain is frozen\x1b[0m until the release\nsee https://ci:{secret}@ci.example/freeze"
    )
    refusals = refuse_pushes(gitops.remote, 2, said)
    before = gitops.remote_log()

    refused = run_sync(gitops, registry, cache_dir, "--push")
    assert refused.code == 1
    message = refused.err.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error: git push to origin/main failed (pre-receive hook declined;")
    assert (
        "the remote said: policy: main is frozen until the release | see https://***@ci.example/freeze"
        in message
    )
    assert secret not in message and "\x1b" not in message
    assert "the commits stay local and the next `sync --push` pushes them" in message
    assert gitops.remote_log() == before
    assert states(registry, model) == {}, "MLflow never names a commit the remote does not hold"

    # The webhook receiver runs the same sync: a refusal is an error, never a success.
    context = commands.sync.make_context(
        "sync",
        [
            "--push",
            "--tracking-uri",
            registry.url,
            "--cache-dir",
            str(cache_dir),
            "--repo",
            str(gitops.worktree),
        ],
    )
    settings = build_settings(**context.params)
    telemetry = Telemetry("self-hosted")
    runner = Runner(SelfHosted(settings), Debouncer(0, 0), telemetry, FilterHolder(Filter({})))
    outcome = runner.run([])
    assert outcome.result == "error" and "pre-receive hook declined" in outcome.detail
    assert telemetry.last_success_at is None
    assert refusals.read_text() == "xx"
    assert gitops.remote_log() == before

    accepted = runner.run([])  # the hook accepts now: the commit made two runs ago is pushed
    assert accepted.result == "success", accepted.detail
    assert telemetry.last_success_at is not None
    remote_head = head(gitops.remote, "main")
    assert remote_head == head(gitops.worktree)
    assert gitops.remote_log()[0] == f"deploy(dev): {model} 1"
    assert states(registry, model)["model-gitops.dev.commit"] == remote_head


@pytest.mark.parametrize("linked", ["environment", "model", "file"])
def test_a_committed_symlink_under_rendered_is_refused_and_nothing_outside_is_written(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, tmp_path: Path, linked: str
) -> None:
    model = one_model(registry, gitops, f"link-{linked}")
    outside = tmp_path / "outside"
    (outside / model).mkdir(parents=True)
    precious = outside / model / "seldondeployment.yaml"
    precious.write_text("kind: NotYours  # outside the repository\n")
    rendered = gitops.worktree / "rendered"
    link, target = {
        "environment": (rendered / "dev", outside),
        "model": (rendered / "dev" / model, outside / model),
        "file": (rendered / "dev" / model / "seldondeployment.yaml", precious),
    }[linked]
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    git(gitops.worktree, "add", "rendered")
    git(gitops.worktree, "commit", "-qm", "a link someone committed")
    git(gitops.worktree, "push", "-q", "origin", "HEAD:main")
    before = gitops.remote_log()

    result = run_sync(gitops, registry, cache_dir, "--push")
    assert result.code == 1
    message = result.err.strip()
    assert len(message.splitlines()) == 1, message
    shown = link.relative_to(gitops.worktree).as_posix()
    assert message.startswith(f"error: {shown} is a symbolic link (to {target})"), message
    assert "remove it (`git rm` it if it is committed, and commit), then run again" in message
    assert precious.read_text() == "kind: NotYours  # outside the repository\n"
    assert sorted(p.name for p in outside.rglob("*")) == [model, "seldondeployment.yaml"]
    assert gitops.remote_log() == before
    assert states(registry, model) == {}


def test_a_fifo_under_rendered_is_refused_not_read(gitops: GitopsRepo, cache_dir: Path) -> None:
    gitops.write_environment("dev", "namespace: models-dev\nalias: dev\n")
    (gitops.worktree / "rendered" / "dev").mkdir(parents=True)
    os.mkfifo(gitops.worktree / "rendered" / "dev" / "pipe")  # was skipped silently; opening it blocks
    result = invoke(
        ["plan", "--tracking-uri", "http://127.0.0.1:9", "--cache-dir", str(cache_dir)], cwd=gitops.worktree
    )
    assert result.code == 1
    assert result.err.strip() == (
        "error: rendered/dev/pipe is not a regular file or directory (a fifo, socket or device): "
        "model-gitops never follows links under rendered/ and writes only plain files there: remove it "
        "(`git rm` it if it is committed, and commit), then run again; nothing was written"
    )


def test_uncommitted_environment_edits_are_refused_by_sync(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    model = one_model(registry, gitops, "dirty")
    edited = gitops.worktree / "environments" / "dev.yaml"
    edited.write_text(edited.read_text().replace("models-dev", "models-edited"))
    before = gitops.remote_log()

    result = run_sync(gitops, registry, cache_dir, "--push")
    assert result.code == 1
    assert result.err.strip() == (
        "error: environments/dev.yaml has uncommitted changes, and sync renders only committed "
        "configuration (the remote must hold what its own environments produce): commit and push them, "
        "or `git stash -u` them, then sync again (`plan` previews local edits); nothing was written"
    )
    assert gitops.remote_log() == before
    assert not (gitops.worktree / "rendered").exists()
    assert states(registry, model) == {}


@pytest.mark.parametrize("how", ["untracked", "ignored"])
def test_new_environment_files_git_does_not_hold_are_refused(
    gitops: GitopsRepo, cache_dir: Path, how: str
) -> None:
    gitops.write_environment("dev", "namespace: models-dev\nalias: dev\n")
    if how == "ignored":
        (gitops.worktree / ".gitignore").write_text("environments/local*.yaml\n")
        git(gitops.worktree, "add", ".gitignore")
        git(gitops.worktree, "commit", "-qm", "ignore local environments")
    (gitops.worktree / "environments" / "local-qa.yaml").write_text("namespace: qa\nalias: qa\n")
    result = invoke(
        ["sync", "--tracking-uri", "http://127.0.0.1:9", "--cache-dir", str(cache_dir)], cwd=gitops.worktree
    )
    assert result.code == 1
    assert result.err.startswith("error: environments/local-qa.yaml has uncommitted changes")


def test_files_the_reset_of_rendered_removes_are_named(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    model = one_model(registry, gitops, "untracked")
    assert run_sync(gitops, registry, cache_dir, "--push").code == 0
    notes = gitops.worktree / "rendered" / "dev" / "notes.md"
    notes.write_text("my own notes\n")
    manifest = gitops.worktree / "rendered" / "dev" / model / "seldondeployment.yaml"
    manifest.write_text(manifest.read_text() + "# a hand edit\n")

    result = run_sync(gitops, registry, cache_dir, "--push")
    assert result.code == 0, result.err
    assert "nothing to commit" in result.out
    assert (
        "warning: removed untracked rendered/dev/notes.md (rendered/ belongs to model-gitops and is reset "
        "to the last commit before each sync; keep your own files outside it)"
    ) in result.err
    assert (
        f"warning: discarded uncommitted edits to rendered/dev/{model}/seldondeployment.yaml "
        "(reset to the last commit)"
    ) in result.err
    assert not notes.exists()


def test_a_git_filter_on_rendered_is_refused_before_anything_is_committed(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    model = one_model(registry, gitops, "filter")
    (gitops.worktree / ".gitattributes").write_text("rendered/** filter=scrub\n")
    git(gitops.worktree, "add", ".gitattributes")
    git(gitops.worktree, "commit", "-qm", "scrub rendered files")
    git(gitops.worktree, "push", "-q", "origin", "HEAD:main")
    git(gitops.worktree, "config", "filter.scrub.clean", "sed -e s/models-dev/tampered/")
    git(gitops.worktree, "config", "filter.scrub.smudge", "cat")
    before, local = gitops.remote_log(), head(gitops.worktree)

    result = run_sync(gitops, registry, cache_dir, "--push")
    assert result.code == 1
    message = result.err.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error: refusing to commit rendered/"), message
    assert "Git would store or check out something else than the validated manifest (filter=scrub" in message
    assert "end .gitattributes with `rendered/** -filter -ident -working-tree-encoding -eol -text`" in message
    assert head(gitops.worktree) == local, "nothing was committed"
    assert gitops.remote_log() == before
    assert git(gitops.worktree, "diff", "--cached", "--name-only") == "", "nothing is left staged"
    assert states(registry, model) == {}
