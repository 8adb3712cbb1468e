"""rendered/ on disk never reads or writes through a link, a special file or a foreign journal."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from generator.errors import GitError
from generator.gitrepo import workspace


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    directory = tmp_path / "outside"
    (directory / "model").mkdir(parents=True)
    (directory / "model" / "seldondeployment.yaml").write_text("precious\n")
    return directory


def untouched(outside: Path) -> bool:
    return (outside / "model" / "seldondeployment.yaml").read_text() == "precious\n" and sorted(
        p.relative_to(outside).as_posix() for p in outside.rglob("*")
    ) == ["model", "model/seldondeployment.yaml"]


@pytest.mark.parametrize(
    ("link", "target"),
    [
        ("dev", "."),
        ("dev/model", "model"),
        ("dev/model/seldondeployment.yaml", "model/seldondeployment.yaml"),
    ],
)
def test_links_are_refused_when_writing_and_reading(
    tmp_path: Path, outside: Path, link: str, target: str
) -> None:
    root = tmp_path / "rendered"
    (root / link).parent.mkdir(parents=True, exist_ok=True)
    (root / link).symlink_to(outside / target)
    with pytest.raises(GitError, match=re.escape(f"{link} is a symbolic link (to {outside / target})")):
        workspace.write_tree(root, {"dev/model/seldondeployment.yaml": b"mine\n"}, ["dev"])
    with pytest.raises(GitError, match="is a symbolic link"):
        workspace.read_tree(root)
    assert untouched(outside)


def test_rendered_itself_may_not_be_a_link(tmp_path: Path, outside: Path) -> None:
    (tmp_path / "rendered").symlink_to(outside)
    with pytest.raises(GitError, match="rendered is a symbolic link"):
        workspace.write_tree(tmp_path / "rendered", {"model/seldondeployment.yaml": b"mine\n"}, ["model"])
    with pytest.raises(GitError, match="rendered is a symbolic link"):
        workspace.read_tree(tmp_path / "rendered")
    assert untouched(outside)


def test_a_dangling_link_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "rendered" / "dev").mkdir(parents=True)
    (tmp_path / "rendered" / "dev" / "gone").symlink_to(tmp_path / "nowhere")
    with pytest.raises(GitError, match="dev/gone is a symbolic link"):
        workspace.read_tree(tmp_path / "rendered")


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    (tmp_path / "dev").mkdir()
    os.mkfifo(tmp_path / "dev" / "pipe")
    with pytest.raises(GitError, match="dev/pipe is not a regular file or directory"):
        workspace.read_tree(tmp_path)


@pytest.mark.parametrize(
    "journal",
    [
        {"renames": {}, "deletions": ["../outside/model/seldondeployment.yaml"]},
        {"renames": {}, "deletions": ["/etc/hostname"]},
        {"renames": {"../outside/model/seldondeployment.yaml": ".model-gitops-x"}, "deletions": []},
        {"renames": {"dev/a.yaml": "../../outside/model/seldondeployment.yaml"}, "deletions": []},
        ["not", "a", "journal"],
    ],
)
def test_a_journal_naming_paths_outside_is_refused(tmp_path: Path, outside: Path, journal: object) -> None:
    root = tmp_path / "rendered"
    root.mkdir()
    (root / workspace.JOURNAL).write_text(json.dumps(journal))
    with pytest.raises(GitError, match="is not a journal model-gitops wrote"):
        workspace.read_tree(root)
    assert untouched(outside)


def test_an_unreadable_journal_is_refused_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / workspace.JOURNAL).write_text("{not json")
    with pytest.raises(GitError, match="is not a journal model-gitops wrote"):
        workspace.read_tree(tmp_path)
