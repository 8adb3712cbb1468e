"""A GitOps repository for tests: a bare remote and a working clone with environments/.

Environments written here declare the runtime of this test environment (`seldon.runtime`: this
Python, this MLflow, scikit-learn, numpy ... as the example models record them), as a real
repository serving MLflow 3 models must; `runtime=False` keeps Seldon's default image.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import yamlio
from generator.registry.examples import example_runtime

TEST_IMAGE = "ghcr.io/model-gitops-tests/mlserver-mlflow:1.7.1"


def test_runtime() -> dict[str, Any]:
    """The runtime that serves what this test environment logs."""
    return example_runtime(TEST_IMAGE)


def with_runtime(text: str) -> str:
    """`text` with the test runtime added to `seldon`, unless it declares one or is not a mapping
    of Seldon settings (files that test errors are kept as written)."""
    try:
        document = yamlio.load(text)
    except yamlio.YAMLError:
        return text
    seldon = document.get("seldon", {}) if isinstance(document, dict) else None
    if not isinstance(seldon, dict) or "runtime" in seldon or "namespace" not in document:
        return text
    document["seldon"] = {**seldon, "runtime": test_runtime()}
    return yamlio.dump(document)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@dataclass
class GitopsRepo:
    remote: Path
    worktree: Path

    def write_environment(self, name: str, text: str, runtime: bool = True) -> None:
        path = self.worktree / "environments" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(with_runtime(text) if runtime else text)
        git(self.worktree, "add", str(path))
        git(self.worktree, "commit", "-qm", f"environment {name}")
        git(self.worktree, "push", "-q", "origin", "HEAD:main")

    def remote_log(self) -> list[str]:
        return git(self.remote, "log", "--format=%s", "main").splitlines()

    def remote_files(self) -> list[str]:
        return git(self.remote, "ls-tree", "-r", "--name-only", "main").splitlines()

    def remote_show(self, path: str) -> str:
        return git(self.remote, "show", f"main:{path}")


def make_gitops_repo(base: Path) -> GitopsRepo:
    remote = base / "remote.git"
    worktree = base / "gitops"
    git(base, "init", "-q", "--bare", "--initial-branch=main", str(remote))
    git(base, "clone", "-q", str(remote), str(worktree))
    git(worktree, "symbolic-ref", "HEAD", "refs/heads/main")
    git(worktree, "config", "user.name", "Test Runner")
    git(worktree, "config", "user.email", "tests@example.invalid")
    (worktree / "README.md").write_text("gitops\n")
    git(worktree, "add", "README.md")
    git(worktree, "commit", "-qm", "init")
    git(worktree, "push", "-q", "origin", "HEAD:main")
    return GitopsRepo(remote, worktree)


def refuse_pushes(remote: Path, times: int, said: str) -> Path:
    """A real pre-receive hook on `remote` that refuses the next `times` pushes, printing `said`.

    Returns the file counting the refusals. Pushes after those are accepted.
    """
    count = remote / "refused-pushes"
    count.write_text("")
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\n"
        "cat >/dev/null\n"
        f'if [ "$(wc -c < "{count}")" -lt {times} ]; then\n'
        f'  printf x >> "{count}"\n'
        f"  printf '%s\\n' {_shell_quote(said)} >&2\n"
        "  exit 1\n"
        "fi\n"
    )
    hook.chmod(0o755)
    return count


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def head(repo: Path, ref: str = "HEAD") -> str:
    return git(repo, "rev-parse", ref).strip()
