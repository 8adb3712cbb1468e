"""Commits follow the repository's Git configuration: SSH signing, identities, message template.

A throwaway ed25519 key is generated per test with ssh-keygen; `commit.gpgsign`, `gpg.format ssh`
and `user.signingkey` are set in the repository, and the commits model-gitops makes (on the
synced branch and on a pull-request branch) are verified with `git verify-commit` against an
allowed-signers file.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require
from tests.support.cli import invoke
from tests.support.fake_github import FakeGitHub
from tests.support.gitops import GitopsRepo, git
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

TOKEN = "ghs_signingTestToken"
TEMPLATE = "chore(models): {subject}\n\n{changes}\n\nEnvironments: {environments} ({count} changes)"


def environment(alias: str, namespace: str, prefix: str, extra: str = "") -> str:
    rewrites = '\nstorage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'
    return f"namespace: {namespace}\nalias: {alias}\nmodels:\n  include: ['{prefix}*']\n{rewrites}{extra}"


@pytest.fixture
def signing(gitops: GitopsRepo, tmp_path: Path) -> Iterator[Path]:
    """SSH commit signing in the repository's config with a throwaway key; yields the key."""
    key = tmp_path / "signing-key"
    subprocess.run(
        [require("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-C", "model-gitops-test", "-f", str(key)],
        check=True,
    )
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'bot@example.invalid namespaces="git" {key.with_suffix(".pub").read_text()}')
    for name, value in [
        ("gpg.format", "ssh"),
        ("user.signingkey", str(key)),
        ("commit.gpgsign", "true"),
        ("gpg.ssh.allowedSignersFile", str(allowed)),
    ]:
        git(gitops.worktree, "config", name, value)
    yield key


def verify(worktree: Path, commit: str) -> str:
    done = subprocess.run(
        ["git", "verify-commit", "--raw", commit], cwd=worktree, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_commits_are_signed_with_configured_identities_and_template(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, signing: Path
) -> None:
    prefix = registry.unique("signed")
    model = f"{prefix}-model"
    registry.create(model, 2, {"dev": 1, "champion": 2})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    gitops.write_environment(
        "prod", environment("champion", "models-prod", prefix, "delivery: pull-request\n")
    )
    github = FakeGitHub("acme/gitops", TOKEN, git_remote=gitops.remote).start()
    try:
        args = ["sync", "--push", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir)]
        args += [
            "--author",
            "ML Platform <ml@example.invalid>",
            "--committer",
            "Release Bot <bot@example.invalid>",
        ]
        args += ["--message-template", TEMPLATE, "--github-repository", "acme/gitops"]
        args += ["--github-api-url", github.url]
        result = invoke(args, cwd=gitops.worktree, env={"GITHUB_TOKEN": TOKEN})
    finally:
        github.stop()
    assert result.code == 0, result.err
    assert github.problems == [] and len(github.open_pulls()) == 1

    main = git(gitops.remote, "rev-parse", "main").strip()
    branch = git(gitops.remote, "rev-parse", "model-gitops/prod").strip()
    git(gitops.worktree, "fetch", "-q", "origin", "model-gitops/prod")
    for commit in (main, branch):
        verify(gitops.worktree, commit)
        shown = git(gitops.worktree, "log", "-1", "--show-signature", "--format=%an <%ae>|%cn <%ce>", commit)
        assert 'Good "git" signature for bot@example.invalid with ED25519 key' in shown
        assert "ML Platform <ml@example.invalid>|Release Bot <bot@example.invalid>" in shown

    message = git(gitops.remote, "log", "-1", "--format=%B", "main").strip()
    assert message == (
        f"chore(models): deploy(dev): {model} 1\n\ndeploy(dev): {model} 1\n\nEnvironments: dev (1 changes)"
    )
    proposal = git(gitops.remote, "log", "-1", "--format=%s", "model-gitops/prod").strip()
    assert proposal == f"chore(models): deploy(prod): {model} 2"


def test_unsigned_commits_fail_verification(gitops: GitopsRepo, signing: Path) -> None:
    """The check above can fail: a commit made without signing does not verify."""
    (gitops.worktree / "file.txt").write_text("unsigned\n")
    git(gitops.worktree, "add", "file.txt")
    git(gitops.worktree, "-c", "commit.gpgsign=false", "commit", "-qm", "unsigned")
    done = subprocess.run(["git", "verify-commit", "HEAD"], cwd=gitops.worktree, capture_output=True)
    assert done.returncode != 0


def test_a_bad_message_template_is_a_one_line_error(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("template")
    registry.create(f"{prefix}-m", 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    args = ["sync", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir)]
    result = invoke([*args, "--message-template", "deploy {model}"], cwd=gitops.worktree)
    assert result.code == 1
    assert result.err.strip() == (
        "error: commit message template: unknown placeholder {model}: "
        "use {subject}, {body}, {changes}, {environments}, {count}"
    )
    assert gitops.remote_log() == ["environment dev", "init"]


NO_IDENTITY = {
    "GIT_AUTHOR_NAME": "",
    "GIT_AUTHOR_EMAIL": "",
    "GIT_COMMITTER_NAME": "",
    "GIT_COMMITTER_EMAIL": "",
}


def test_a_commit_without_a_configured_identity_says_which_it_used(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, tmp_path: Path
) -> None:
    prefix = registry.unique("anonymous")
    registry.create(f"{prefix}-m", 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    git(gitops.worktree, "config", "--unset", "user.name")
    git(gitops.worktree, "config", "--unset", "user.email")
    home = tmp_path / "home"  # no ~/.gitconfig either
    home.mkdir()
    env = {**NO_IDENTITY, "HOME": str(home), "XDG_CONFIG_HOME": str(home)}
    result = invoke(
        ["sync", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir)], gitops.worktree, env
    )
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        "warning: no Git identity configured (user.name, user.email): committed as author and committer "
        "model-gitops <model-gitops@users.noreply.localhost>; set them with `git config` or pass --author "
        "and --committer"
    ]
    identity = "model-gitops <model-gitops@users.noreply.localhost>"
    shown = git(gitops.worktree, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip()
    assert shown == f"{identity}|{identity}"
