from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.gitrepo import workspace


def test_write_tree_adds_changes_and_deletes_only_managed(tmp_path: Path) -> None:
    workspace.write_tree(
        tmp_path, {"dev/a/x.yaml": b"1", "dev/b/x.yaml": b"2", "prod/a/x.yaml": b"3"}, ["dev", "prod"]
    )
    touched = workspace.write_tree(tmp_path, {"dev/a/x.yaml": b"1", "dev/c/x.yaml": b"4"}, ["dev"])
    assert touched == ["dev/b/x.yaml", "dev/c/x.yaml"]
    assert workspace.read_tree(tmp_path) == {
        "dev/a/x.yaml": b"1",
        "dev/c/x.yaml": b"4",
        "prod/a/x.yaml": b"3",
    }
    assert not (tmp_path / "dev" / "b").exists()


def test_nothing_to_do_touches_nothing(tmp_path: Path) -> None:
    workspace.write_tree(tmp_path, {"dev/a.yaml": b"1"}, ["dev"])
    assert workspace.write_tree(tmp_path, {"dev/a.yaml": b"1"}, ["dev"]) == []


def test_interrupted_before_journal_keeps_previous_state(tmp_path: Path) -> None:
    workspace.write_tree(tmp_path, {"dev/a.yaml": b"old"}, ["dev"])
    staged = workspace._stage(tmp_path / "dev" / "a.yaml", b"new")
    assert staged.is_file()
    assert workspace.read_tree(tmp_path) == {"dev/a.yaml": b"old"}
    assert not staged.exists()


def test_interrupted_after_journal_rolls_forward(tmp_path: Path) -> None:
    workspace.write_tree(tmp_path, {"dev/a.yaml": b"old", "dev/b.yaml": b"gone"}, ["dev"])
    staged = workspace._stage(tmp_path / "dev" / "a.yaml", b"new")
    journal = {"renames": {"dev/a.yaml": staged.name}, "deletions": ["dev/b.yaml"]}
    (tmp_path / workspace.JOURNAL).write_text(json.dumps(journal))
    assert workspace.read_tree(tmp_path) == {"dev/a.yaml": b"new"}
    assert not (tmp_path / workspace.JOURNAL).exists()


def test_files_this_run_read_are_compared_without_reading_them_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "rendered"
    workspace.write_tree(root, {"dev/a/x.yaml": b"a", "dev/b/x.yaml": b"b"}, ["dev"])
    known = workspace.read_tree(root)
    reads: list[Path] = []
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        reads.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    desired = {"dev/a/x.yaml": b"a", "dev/b/x.yaml": b"changed", "dev/c/x.yaml": b"c"}
    written = workspace.write_tree(root, desired, ["dev"], known=known)
    assert written == ["dev/b/x.yaml", "dev/c/x.yaml"] and reads == []
    assert workspace.read_tree(root) == desired


def test_emptied_directories_are_pruned_at_any_depth(tmp_path: Path) -> None:
    root = tmp_path / "rendered"
    workspace.write_tree(root, {"dev/a/deep/x.yaml": b"a", "dev/b/x.yaml": b"b"}, ["dev"])
    workspace.write_tree(root, {"dev/b/x.yaml": b"b"}, ["dev"])
    assert not (root / "dev" / "a").exists() and (root / "dev" / "b" / "x.yaml").is_file()
