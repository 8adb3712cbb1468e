"""Each command's --help shows exactly the options it reads.

Every command runs for real (MLflow server, Git remote with a pull-request environment, a held
canary candidate, a push that races a human) with a `Settings` that records which of its fields
the run reads. The options `--help` lists are then compared with the fields read: an option shown
but never read, or a field read that no shown option sets, fails the test.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from generator.cli import commands, rollout
from generator.cli import options as cli_options
from generator.cli.main import cli
from tests.support.cli import invoke
from tests.support.fake_github import FakeGitHub
from tests.support.gitops import GitopsRepo, git
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e
TOKEN = "ghs_optionsTestToken"
REWRITES = '\nstorage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'
# Option -> the Settings fields it sets. Options not listed are the command's own parameters.
FIELDS = {
    "--repo": {"repo"},
    "--rendered": {"rendered_dir"},
    "--cache-dir": {"cache_dir", "validation.cache_dir"},
    "--environments": {"environments_dir"},
    "--env": {"only"},
    "--model": {"models"},
    "--tracking-uri": {"tracking_uri"},
    "--kubectl": {"validation.kubectl"},
    "--kubeconform": {"validation.kubeconform"},
    "--promtool": {"validation.promtool"},
    "--schema-location": {"validation.schema_locations"},
    "--crd": {"validation.crds"},
    "--kubernetes-version": {"validation.kubernetes_version"},
    "--repo-url": {"argocd_repo_url"},
    "--target-revision": {"argocd_revision"},
    "--remote": {"remote"},
    "--allow-prune": {"allow_prune"},
    "--skip-artifact-check": {"check_artifacts"},
    "--artifact-workers": {"artifact_workers"},
    "--prometheus-url": {"prometheus_url"},
    "--now": {"now"},
    "--author": {"author"},
    "--push": {"push"},
    "--branch": {"branch"},
    "--committer": {"delivery.committer"},
    "--message-template": {"delivery.message_template"},
    "--push-attempts": {"delivery.push_attempts"},
    "--write-back": {"delivery.write_back"},
    "--github-repository": {"delivery.github_repository"},
    "--github-api-url": {"delivery.github_api_url"},
    "--gitlab-api-url": {"delivery.gitlab_api_url"},
    "--mlflow-ui-url": {"delivery.mlflow_ui_url"},
    "--summary": {"delivery.summary_file"},
}
INTERNAL = {"delivery.backoff_seconds", "delivery.backoff_cap_seconds"}  # no option: fixed
OWN = {  # each command's own parameters (not Settings): read by its function directly
    "plan": {"--diff", "--detailed-exitcode", "--check", "--format"},
    "release-hold": set(),
    "right-size": {
        "--window",
        "--resolution",
        "--target-utilization",
        "--headroom",
        "--min-change",
        "--max-cpu",
        "--write",
        "--pull-request",
    },
}


def shown_options(*command: str) -> set[str]:
    """The long option names `model-gitops COMMAND --help` lists."""
    result = invoke([*command, "--help"])
    assert result.code == 0, result.err
    options = set()
    for line in result.out.split("Options:")[1].splitlines():
        match = re.match(r"^  (?:-\w, )?(--[a-z-]+)", line)
        if match and match.group(1) != "--help":
            options.add(match.group(1))
    return options


def _recording(value: Any, prefix: str, seen: set[str]) -> Any:
    """A copy of the dataclass `value` that adds every field read to `seen` (nested too)."""
    names = {field.name for field in dataclasses.fields(value)}
    nested = {name for name in names if dataclasses.is_dataclass(getattr(value, name))}

    def read(self: Any, name: str) -> Any:
        if name in names - nested:  # a nested group records its own fields
            seen.add(prefix + name)
        return object.__getattribute__(self, name)

    recorded = type(f"Recorded{type(value).__name__}", (type(value),), {"__getattribute__": read})
    values = {}
    for name in names:
        item = getattr(value, name)
        values[name] = _recording(item, f"{name}.", seen) if dataclasses.is_dataclass(item) else item
    return recorded(**values)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """Settings fields read by the commands run in the test."""
    seen: set[str] = set()
    original = cli_options.build_settings

    def build(**values: Any) -> Any:
        return _recording(original(**values), "", seen)

    for module in (commands, rollout):
        monkeypatch.setattr(module, "build_settings", build)
    yield seen


def check(command: str, read: set[str]) -> None:
    shown = shown_options(command)
    own = OWN.get(command, set())
    unknown = shown - own - set(FIELDS)
    assert not unknown, f"{command}: options neither mapped to settings nor own: {unknown}"
    unread = {option for option in shown - own if not FIELDS[option] & read}
    assert not unread, f"{command} --help shows options it never reads: {sorted(unread)}"
    settable = set().union(*(FIELDS[option] for option in shown - own)) | INTERNAL
    hidden = read - settable
    assert not hidden, f"{command} reads settings no option it shows sets: {sorted(hidden)}"


def run(reads: set[str], args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    reads.clear()
    result = invoke(args, cwd=cwd, env=env)
    assert result.code in (0, 2), result.out + result.err
    return result.out


def race_once(gitops: GitopsRepo, human: Path, marker: Path) -> None:
    """A human pushes to main just before the next run's first push (the run retries)."""
    hook = gitops.worktree / ".git" / "hooks" / "pre-push"
    hook.write_text(
        f'#!/bin/sh\n[ -e "{marker}" ] && exit 0\ntouch "{marker}"\n'
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n"
        f'cd "{human}" && git pull -q --ff-only && date > NOTES.md && git add NOTES.md\n'
        'git commit -qm "human: notes" && git push -q origin HEAD:main\n'
    )
    hook.chmod(0o755)


def test_every_command_shows_exactly_the_options_it_reads(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, tmp_path: Path, reads: set[str]
) -> None:
    prefix = registry.unique("opts")
    model = f"{prefix}-model"
    registry.create(model, 2, {"dev": 1, "champion": 1})
    canary = "strategy: {type: canary, offline: [{metric: not_logged}]}\n"  # a new version is held
    include = f"models:\n  include: ['{prefix}*']\n{REWRITES}"
    gitops.write_environment("dev", f"namespace: models-dev\nalias: dev\n{include}{canary}")
    gitops.write_environment(
        "prod", f"namespace: models-prod\nalias: champion\n{include}delivery: pull-request\n"
    )
    human = tmp_path / "human"
    git(tmp_path, "clone", "-q", str(gitops.remote), str(human))
    race_once(gitops, human, tmp_path / "raced")
    github = FakeGitHub("acme/gitops", TOKEN, git_remote=gitops.remote).start()
    shared = ["--tracking-uri", registry.url, "--cache-dir", str(cache_dir)]
    try:
        sync = [
            "sync",
            "--push",
            *shared,
            "--github-repository",
            "acme/gitops",
            "--github-api-url",
            github.url,
        ]
        sync += ["--summary", str(tmp_path / "summary.md")]
        environment = {"GITHUB_TOKEN": TOKEN}
        run(reads, sync, gitops.worktree, environment)
        assert (tmp_path / "raced").exists(), "the first push raced a human and was retried"
        registry.set_alias(model, "dev", 2)
        out = run(reads, sync, gitops.worktree, environment)
        assert "hold(dev)" in out
        check("sync", reads)
    finally:
        github.stop()
    run(reads, ["plan", *shared], gitops.worktree)
    check("plan", reads)
    run(reads, ["render", *shared], gitops.worktree)
    check("render", reads)
    git(gitops.worktree, "checkout", "--", ".")
    run(reads, ["validate", "--cache-dir", str(cache_dir)], gitops.worktree)
    check("validate", reads)
    out = run(reads, ["status", *shared], gitops.worktree)
    assert re.search(rf"{model}\s+1 \(2 held\)", out), out
    assert f"held: dev/{model} 2: the candidate's run has no metric not_logged" in out
    check("status", reads)
    run(reads, ["release-hold", model, "--push", "--cache-dir", str(cache_dir)], gitops.worktree)
    check("release-hold", reads)


def test_options_are_in_groups_and_help_lists_the_ones_described() -> None:
    """`status` has no validation tools, `validate` no registry; `--now` is shown where it applies."""
    assert "--kubeconform" not in shown_options("status")
    assert not {"--tracking-uri", "--allow-prune", "--environments"} & shown_options("validate")
    for command in ("plan", "render", "sync"):
        assert "--now" in shown_options(command)
    assert "--now" not in shown_options("status")
    assert shown_options("demo") == {"--dir", "--environments", "--target", "--cache-dir"} | {
        "--kubectl",
        "--kubeconform",
        "--promtool",
        "--schema-location",
        "--crd",
        "--kubernetes-version",
    }


def test_an_option_no_settings_read_is_a_bug() -> None:
    with pytest.raises(TypeError, match="options no settings read: colour"):
        cli_options.build_settings(colour="blue")


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


def test_every_shown_option_of_every_command_is_mapped_or_its_own() -> None:
    """Commands not run above still only show options this test knows what they set.

    (`webhook serve` shows what `sync --push` reads, through `common_options`, plus its own.)
    """
    own: dict[tuple[str, ...], set[str]] = {
        ("demo",): {"--dir", "--environments", "--target"},
        ("crd-schema",): {"--output"},
        ("health",): {"--argocd-url", "--no-tag"},
        ("webhook", "register"): {"--url", "--name", "--event", "--tracking-uri"},
        ("serve-check",): {
            "--build-timeout",
            "--changed-since",
            "--format",
            "--gate",
            "--mlserver",
            "--package",
            "--python",
            "--request-timeout",
            "--runtime-name",
            "--start-timeout",
            "--tag",
        },
    }
    for command in _commands(cli):
        if command == ("webhook", "serve"):
            continue
        shown = shown_options(*command)
        assert shown - set(FIELDS) - own.get(command, set()) - OWN.get(command[0], set()) == set(), command
