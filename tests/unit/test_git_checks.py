"""Git edges on real repositories: conversions refused, dirt found, refusals quoted, resets named."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import gitrepo
from generator.errors import GitError
from generator.gitrepo.status import uncommitted
from tests.support.gitops import GitopsRepo, git, head, make_gitops_repo, refuse_pushes

MANIFEST = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"


@pytest.fixture
def gitops(tmp_path: Path) -> GitopsRepo:
    return make_gitops_repo(tmp_path)


def repo_of(gitops: GitopsRepo):  # type: ignore[no-untyped-def]
    return gitrepo.open_worktree(str(gitops.worktree), gitops.worktree / ".cache")


def attributes(gitops: GitopsRepo, text: str) -> None:
    (gitops.worktree / ".gitattributes").write_text(text)
    git(gitops.worktree, "add", ".gitattributes")
    git(gitops.worktree, "commit", "-qm", "attributes")


def write_manifest(gitops: GitopsRepo) -> None:
    (gitops.worktree / "rendered" / "dev").mkdir(parents=True, exist_ok=True)
    (gitops.worktree / "rendered" / "dev" / "x.yaml").write_bytes(MANIFEST)


@pytest.mark.parametrize(
    ("text", "config", "reason"),
    [
        ("rendered/** filter=scrub\n", {"filter.scrub.clean": "sed -e s/x/y/"}, "filter=scrub"),
        ("*.yaml filter=lfs\n", {}, "filter=lfs"),
        ("*.yaml eol=crlf\n", {}, "eol=crlf"),
        ("rendered/** ident\n", {}, "(ident,"),
        ("*.yaml working-tree-encoding=ISO-8859-1\n", {}, "working-tree-encoding=ISO-8859-1"),
        ("", {"core.autocrlf": "true"}, "core.autocrlf=true or core.eol=crlf"),
        ("* text=auto\n", {"core.eol": "crlf"}, "core.autocrlf=true or core.eol=crlf"),
    ],
)
def test_conversions_on_rendered_are_refused_and_nothing_is_committed(
    gitops: GitopsRepo, text: str, config: dict[str, str], reason: str
) -> None:
    if text:
        attributes(gitops, text)
    for key, value in config.items():
        git(gitops.worktree, "config", key, value)
    before = head(gitops.worktree)
    write_manifest(gitops)
    with pytest.raises(GitError, match=r"refusing to commit rendered/dev/x\.yaml") as raised:
        gitrepo.commit_paths(repo_of(gitops), ["rendered/dev"], "deploy\n", None)
    assert reason in raised.value.one_line()
    assert "end .gitattributes with `rendered/dev/** -filter" in raised.value.one_line()
    assert head(gitops.worktree) == before
    assert git(gitops.worktree, "diff", "--cached", "--name-only") == ""


@pytest.mark.parametrize(
    ("text", "config"),
    [
        ("* text=auto\n", {}),
        ("*.yaml text eol=lf\n", {}),
        ("rendered/** -text\n", {"core.autocrlf": "true"}),
        ("*.yaml filter=scrub\nrendered/** -filter\n", {"filter.scrub.clean": "sed -e s/x/y/"}),
    ],
)
def test_attributes_that_keep_bytes_as_they_are_are_accepted(
    gitops: GitopsRepo, text: str, config: dict[str, str]
) -> None:
    attributes(gitops, text)
    for key, value in config.items():
        git(gitops.worktree, "config", key, value)
    write_manifest(gitops)
    commit = gitrepo.commit_paths(repo_of(gitops), ["rendered/dev"], "deploy\n", None)
    assert commit is not None
    assert git(gitops.worktree, "cat-file", "blob", f"{commit}:rendered/dev/x.yaml").encode() == MANIFEST


def test_uncommitted_lists_edited_new_deleted_renamed_and_ignored_files(gitops: GitopsRepo) -> None:
    environments = gitops.worktree / "environments"
    for name in ("a", "b", "c", "d"):
        gitops.write_environment(name, f"namespace: {name}\nalias: {name}\n")
    (gitops.worktree / ".gitignore").write_text("environments/local.yaml\n")
    git(gitops.worktree, "add", ".gitignore")
    git(gitops.worktree, "commit", "-qm", "ignore")
    repo = repo_of(gitops)
    assert uncommitted(repo, "environments") == []
    (environments / "a.yaml").write_text("namespace: edited\nalias: a\n")
    (environments / "b.yaml").unlink()
    git(gitops.worktree, "mv", "environments/c.yaml", "environments/e.yaml")
    (environments / "new.yaml").write_text("namespace: n\nalias: n\n")
    (environments / "local.yaml").write_text("namespace: l\nalias: l\n")
    assert uncommitted(repo, "environments") == [
        "environments/a.yaml",
        "environments/b.yaml",
        "environments/c.yaml",
        "environments/e.yaml",
        "environments/local.yaml",
        "environments/new.yaml",
    ]


def test_resetting_rendered_names_what_it_throws_away(gitops: GitopsRepo) -> None:
    write_manifest(gitops)
    repo = repo_of(gitops)
    gitrepo.commit_paths(repo, ["rendered/dev"], "deploy\n", None)
    (gitops.worktree / "rendered" / "dev" / "x.yaml").write_text("edited\n")
    (gitops.worktree / "rendered" / "dev" / "notes.md").write_text("mine\n")
    (gitops.worktree / "rendered" / "prod" / "m").mkdir(parents=True)
    (gitops.worktree / "rendered" / "prod" / "m" / "a.yaml").write_text("left by a killed run\n")
    (gitops.worktree / "rendered" / "dev" / ".model-gitops-x.yaml.123").write_text("the tool's own\n")
    removed, reverted = gitrepo.discard_uncommitted(repo, ["rendered"])
    assert removed == ["rendered/dev/notes.md", "rendered/prod/"]
    assert reverted == ["rendered/dev/x.yaml"]
    assert git(gitops.worktree, "status", "--porcelain", "--", "rendered") == ""


def test_a_refused_push_names_the_remote_reason_bounded_and_redacted(gitops: GitopsRepo) -> None:
    said = "\n".join(
        ["rejected: non-fast-forward is not what this is"]
        + [f"line {n} " + "x" * 300 for n in range(8)]
        + ["see https://ci.example/freeze?token=hunter22secret"]
    )
    refuse_pushes(gitops.remote, 1, said)
    (gitops.worktree / "f").write_text("1\n")
    git(gitops.worktree, "add", "f")
    git(gitops.worktree, "commit", "-qm", "f")
    repo = repo_of(gitops)
    with pytest.raises(GitError) as raised:
        gitrepo.push(repo, "origin", "main")
    assert not isinstance(raised.value, gitrepo.PushRejected), "a hook's refusal is not a race"
    message = raised.value.one_line()
    assert message.startswith("git push to origin/main failed (pre-receive hook declined; the remote said: ")
    assert "line 7" in message and "line 3" not in message, "the last lines, bounded"
    assert "x" * 150 not in message
    assert message.count("...") == 4
    assert "see https://ci.example/freeze?token=***" in message
    assert "hunter22secret" not in message
    assert gitrepo.unpushed(repo, "origin", "main") == 1
    gitrepo.push(repo, "origin", "main")  # the hook accepts the second push
    assert gitrepo.unpushed(repo, "origin", "main") == 0
    assert head(gitops.remote, "main") == head(gitops.worktree)
