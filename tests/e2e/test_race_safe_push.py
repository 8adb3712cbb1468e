"""Race-safe pushes against a real bare repository: overlapping runs and humans lose nothing.

Several real `python -m generator sync --push` processes, each on its own clone, race on one
bare remote; and a human commit lands on the remote between a run's fetch and its push. Every
intended change must land exactly once, no commit may be lost, and the final tree must equal the
one a single clean run produces.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo, git, make_gitops_repo
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

ENVIRONMENTS = {"alpha": "a", "beta": "b", "gamma": "c", "delta": "d"}  # environment -> alias
REPO_URL = "https://git.example/acme/gitops.git"
CHANGE = re.compile(r"^(deploy|update|remove)\((?P<env>[a-z0-9-]+)\): (?P<model>\S+)", re.MULTILINE)


def environment(alias: str, prefix: str) -> str:
    rewrites = '\nstorage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'
    return f"namespace: models-{alias}\nalias: {alias}\nmodels:\n  include: ['{prefix}*']\n{rewrites}"


def clone(gitops: GitopsRepo, target: Path) -> Path:
    git(target.parent, "clone", "-q", str(gitops.remote), str(target))
    git(target, "config", "user.name", "Racing Run")
    git(target, "config", "user.email", "race@example.invalid")
    return target


def sync_args(registry: TestRegistry, cache: Path) -> list[str]:
    return ["sync", "--push", "--tracking-uri", registry.url, "--cache-dir", str(cache)]


def test_racing_syncs_land_every_change_once(registry: TestRegistry, tmp_path: Path) -> None:
    prefix = registry.unique("race")
    models = [f"{prefix}-one", f"{prefix}-two"]
    for number, model in enumerate(models, start=1):
        registry.create(
            model, 2, {alias: (i + number) % 2 + 1 for i, alias in enumerate(ENVIRONMENTS.values())}
        )
    (tmp_path / "race").mkdir()
    gitops = make_gitops_repo(tmp_path / "race")
    for env, alias in ENVIRONMENTS.items():
        gitops.write_environment(env, environment(alias, prefix))
    human_commits = gitops.remote_log()

    runs = [["-e", env] for env in ENVIRONMENTS] + [[], []]  # one run per environment, two full runs
    processes = []
    for number, scope in enumerate(runs):
        worktree = clone(gitops, tmp_path / f"clone-{number}")
        args = [*sync_args(registry, tmp_path / f"cache-{number}"), "--repo-url", REPO_URL, *scope]
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "generator", *args],
                cwd=worktree,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        )
    outputs = [process.communicate(timeout=600) for process in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, f"{out}\n{err}"
    retries = [int(m) for out, _ in outputs for m in re.findall(r"re-planned.* on try (\d+)", out)]
    print(f"\n{len(runs)} racing syncs: {len(retries)} re-planned after a rejected push, {sorted(retries)}")

    log = git(gitops.remote, "log", "--format=%H %P%n%B%x00", "main").split("\x00")
    messages = [entry.strip() for entry in log if entry.strip()]
    # per commit, each change once: the subject names the most important change, the body lists all
    per_commit = [{(m["env"], m["model"]) for m in CHANGE.finditer(text)} for text in messages]
    landed = [change for changes in per_commit for change in changes]
    wanted = sorted((env, model) for env in ENVIRONMENTS for model in models)
    assert sorted(landed) == wanted, "every change lands exactly once"
    assert set(human_commits) <= set(gitops.remote_log()), "no earlier commit is lost"
    parents = git(gitops.remote, "rev-list", "--parents", "main").splitlines()
    assert all(len(line.split()) <= 2 for line in parents), "history stays linear (no merges, no rebases)"

    (tmp_path / "clean").mkdir()
    clean = make_gitops_repo(tmp_path / "clean")
    for env, alias in ENVIRONMENTS.items():
        clean.write_environment(env, environment(alias, prefix))
    single = invoke(
        [*sync_args(registry, tmp_path / "cache-clean"), "--repo-url", REPO_URL], cwd=clean.worktree
    )
    assert single.code == 0, single.err
    raced_tree = git(gitops.remote, "rev-parse", "main:rendered").strip()
    assert raced_tree == git(clean.remote, "rev-parse", "main:rendered").strip()

    for model in models:
        tags = registry.client.get_model_version(model, "1").tags
        states = {k: v for k, v in tags.items() if k.endswith(".state")}
        assert states and set(states.values()) == {"deployed"}, states


def test_one_sync_per_environment_started_together_lands_every_change_once(
    registry: TestRegistry, tmp_path: Path
) -> None:
    """sync.yml's matrix: `sync -e dev --push`, `-e staging`, `-e prod` at once, one clone each."""
    prefix = registry.unique("matrix")
    models = [f"{prefix}-one", f"{prefix}-two", f"{prefix}-three"]
    aliases = {"dev": "dev", "staging": "staging", "prod": "champion"}
    for model in models:
        registry.create(model, 3, {"dev": 3, "staging": 2, "champion": 1})
    (tmp_path / "matrix").mkdir()
    gitops = make_gitops_repo(tmp_path / "matrix")
    for env, alias in aliases.items():
        gitops.write_environment(env, environment(alias, prefix))
    before = git(gitops.remote, "rev-parse", "main").strip()

    processes = {}
    for env in aliases:
        worktree = clone(gitops, tmp_path / f"job-{env}")
        args = [*sync_args(registry, tmp_path / f"cache-{env}"), "-e", env]
        processes[env] = subprocess.Popen(
            [sys.executable, "-m", "generator", *args],
            cwd=worktree,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    outputs = {env: process.communicate(timeout=600) for env, process in processes.items()}
    for env, process in processes.items():
        assert process.returncode == 0, f"{env}: {outputs[env]}"
    tries = {env: re.findall(r"re-planned.* on try (\d+)", out) for env, (out, _) in outputs.items()}
    print(f"\nthree per-environment syncs at once; re-planned after a rejected push: {tries}")

    commits = git(gitops.remote, "rev-list", f"{before}..main").split()
    messages = [git(gitops.remote, "log", "-1", "--format=%B", commit) for commit in commits]
    per_commit = [{(m["env"], m["model"]) for m in CHANGE.finditer(text)} for text in messages]
    environments = sorted(tuple(sorted({env for env, _ in changes})) for changes in per_commit)
    assert environments == [("dev",), ("prod",), ("staging",)]  # one commit per environment
    landed = sorted(change for changes in per_commit for change in changes)
    assert landed == sorted((env, model) for env in aliases for model in models), "each change exactly once"
    assert git(gitops.remote, "merge-base", "--is-ancestor", before, "main") == ""
    assert not git(gitops.remote, "rev-list", "--min-parents=2", "main").strip(), "history stays linear"

    (tmp_path / "sequential").mkdir()
    sequential = make_gitops_repo(tmp_path / "sequential")
    for env, alias in aliases.items():
        sequential.write_environment(env, environment(alias, prefix))
    full = invoke([*sync_args(registry, tmp_path / "cache-full"), "--no-write-back"], cwd=sequential.worktree)
    assert full.code == 0, full.err
    for env in aliases:
        tree = f"main:rendered/{env}"
        assert git(gitops.remote, "rev-parse", tree) == git(sequential.remote, "rev-parse", tree), env
    assert not [f for f in gitops.remote_files() if f.startswith("rendered/argocd/")], (
        "-e leaves argocd/ alone"
    )

    for model in models:
        for env, version in (("dev", "3"), ("staging", "2"), ("prod", "1")):
            tags = registry.client.get_model_version(model, version).tags
            assert tags.get(f"model-gitops.{env}.state") == "deployed", (model, env, tags)


def test_human_commit_between_fetch_and_push_is_preserved(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, tmp_path: Path
) -> None:
    prefix = registry.unique("human")
    model = f"{prefix}-model"
    registry.create(model, 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", prefix))
    human = clone(gitops, tmp_path / "human")
    marker = tmp_path / "hook-fired"
    hook = gitops.worktree / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\n"
        "# A human pushes to main after this run fetched and planned, just before its push.\n"
        f'[ -e "{marker}" ] && exit 0\n'
        f'touch "{marker}"\n'
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n"
        f'cd "{human}" && git pull -q --ff-only && echo notes > NOTES.md && git add NOTES.md\n'
        'git commit -qm "human: release notes" && git push -q origin HEAD:main\n'
    )
    hook.chmod(0o755)

    result = invoke([*sync_args(registry, cache_dir), "--no-write-back"], cwd=gitops.worktree)
    assert result.code == 0, result.err
    assert marker.exists(), "the hook fired: the remote moved between fetch and push"
    assert "re-planned and pushed on try 2" in result.out
    log = gitops.remote_log()
    assert log[:2] == [f"deploy(dev): {model} 1", "human: release notes"]
    assert "NOTES.md" in gitops.remote_files()
    assert f"rendered/dev/{model}/seldondeployment.yaml" in gitops.remote_files()
    parent = git(gitops.remote, "rev-list", "--max-count=2", "main").split()[1]
    assert git(gitops.remote, "rev-parse", "main^").strip() == parent
    assert git(gitops.remote, "log", "-1", "--format=%s", parent).strip() == "human: release notes"
    tags = registry.client.get_model_version(model, "1").tags
    assert not [k for k in tags if k.startswith("model-gitops.")], "--no-write-back writes nothing"


def test_push_gives_up_after_the_configured_tries(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, tmp_path: Path
) -> None:
    prefix = registry.unique("busy")
    registry.create(f"{prefix}-model", 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", prefix))
    human = clone(gitops, tmp_path / "human")
    hook = gitops.worktree / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\n# Someone pushes before every one of this run's pushes.\n"
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n"
        f'cd "{human}" && git pull -q --ff-only && date +%s%N >> busy.txt && git add busy.txt\n'
        'git commit -qm "human: busy" && git push -q origin HEAD:main\n'
    )
    hook.chmod(0o755)
    result = invoke([*sync_args(registry, cache_dir), "--push-attempts", "2"], cwd=gitops.worktree)
    assert result.code == 1
    assert "moved while this run worked; gave up after 2 tries" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert gitops.remote_log()[0] == "human: busy", "nothing was forced over the human's commits"
    local = git(gitops.worktree, "rev-parse", "HEAD").strip()
    assert local == git(gitops.remote, "rev-parse", "main").strip(), "the checkout is left on the remote head"


def test_earlier_local_commits_are_never_rebased_when_the_remote_moves(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, tmp_path: Path
) -> None:
    prefix = registry.unique("earlier")
    model = f"{prefix}-model"
    registry.create(model, 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", prefix))
    (gitops.worktree / "NOTES.md").write_text("local, not pushed yet\n")
    git(gitops.worktree, "add", "NOTES.md")
    git(gitops.worktree, "commit", "-qm", "local: notes")
    human = clone(gitops, tmp_path / "human")
    hook = gitops.worktree / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\n# A human pushes to main just before this run's push.\n"
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n"
        f'cd "{human}" && git pull -q --ff-only && date +%s%N >> busy.txt && git add busy.txt\n'
        'git commit -qm "human: busy" && git push -q origin HEAD:main\n'
    )
    hook.chmod(0o755)
    result = invoke(sync_args(registry, cache_dir), cwd=gitops.worktree)
    assert result.code == 1
    assert result.err.strip() == (
        "error: origin/main moved while this run worked, and the local branch has 1 earlier commit(s) "
        "that are not on origin/main: bring them onto it yourself (e.g. `git pull --rebase`) and sync again"
    )
    assert gitops.remote_log()[0] == "human: busy"
    local = git(gitops.worktree, "log", "--format=%s", "-2").splitlines()
    assert local == [f"deploy(dev): {model} 1", "local: notes"], "nothing local was dropped or rewritten"
    tags = registry.client.get_model_version(model, "1").tags
    assert not [k for k in tags if k.startswith("model-gitops.")], "MLflow names no unpushed commit"
