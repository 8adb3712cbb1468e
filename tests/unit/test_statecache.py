"""What rendered/'s serving documents said, remembered between runs: the same state without
parsing, a changed document parsed again, anything unreadable ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.app import statecache
from generator.render.state import current_state

GOLDEN = Path(__file__).parent.parent / "golden" / "render"


def tree() -> dict[str, bytes]:
    files = sorted(GOLDEN.glob("*/*/seldondeployment.yaml"))
    assert len(files) >= 3
    return {path.relative_to(GOLDEN).as_posix(): path.read_bytes() for path in files}


def remembered(cache: Path, files: dict[str, bytes], scoped: bool = False) -> tuple[object, int]:
    memo = statecache.load(cache)
    state = current_state(files, None, memo)
    statecache.save(cache, memo, scoped)
    return state, memo.parsed


def test_a_second_run_reads_the_same_state_without_parsing(tmp_path: Path) -> None:
    files = tree()
    first, parsed = remembered(tmp_path, files)
    assert parsed == len(files)
    second, parsed = remembered(tmp_path, files)
    assert parsed == 0 and second == first == current_state(files)


def test_a_changed_document_is_parsed_again(tmp_path: Path) -> None:
    files = tree()
    remembered(tmp_path, files)
    path = sorted(files)[0]
    files[path] = files[path].replace(b"model-gitops.io/version: '", b"model-gitops.io/version: '9")
    state, parsed = remembered(tmp_path, files)
    assert parsed == 1 and state == current_state(files)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"fingerprint": "old", "entries": {}}',
        "[]",
        '{"fingerprint": "FP", "entries": {"seldon-v1:x": [1, "2", {}, "", ""]}}',
        '{"fingerprint": "FP", "entries": {"seldon-v1:x": ["m", "2", {"a": 3}, "", ""]}}',
        '{"fingerprint": "FP", "entries": {"seldon-v1:x": ["too", "short"]}}',
    ],
)
def test_an_unreadable_or_foreign_cache_is_ignored(tmp_path: Path, content: str) -> None:
    (tmp_path / statecache.FILE).write_text(content.replace("FP", statecache.fingerprint()))
    files = tree()
    state, parsed = remembered(tmp_path, files)
    assert parsed == len(files) and state == current_state(files)


def test_a_full_run_keeps_only_what_it_used_and_a_scoped_run_adds(tmp_path: Path) -> None:
    files = tree()
    first, second = sorted(files)[:2]
    remembered(tmp_path, {first: files[first]})
    remembered(tmp_path, {second: files[second]}, scoped=True)
    assert len(entries(tmp_path)) == 2
    remembered(tmp_path, {second: files[second]})
    assert len(entries(tmp_path)) == 1


def test_an_unwritable_cache_directory_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    _, parsed = remembered(blocker / "cache", tree())
    assert parsed == len(tree())


def entries(cache: Path) -> dict[str, object]:
    return json.loads((cache / statecache.FILE).read_text())["entries"]
