"""`webhook serve` and `webhook register` refuse impossible options with one line and exit 1."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Result, invoke
from tests.support.gitops import GitopsRepo

SECRET = "cli-test-secret-0123456789"


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL_GITOPS_WEBHOOK_SECRET", SECRET)


@pytest.fixture
def repo(gitops: GitopsRepo) -> Path:
    gitops.write_environment("prod", "namespace: models\nalias: champion\nmodels:\n  include: ['*']\n")
    return gitops.worktree


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        yield taken.getsockname()[1]


def one_line_error(done: Result) -> str:
    assert done.code == 1, (done.code, done.out, done.err)
    assert "Traceback" not in done.err and done.err.count("\n") == 1, done.err
    return done.err


def serve(repo: Path, cache: Path, *args: str) -> Result:
    """`webhook serve` in-process: every case here uses a busy port, so none can start serving."""
    return invoke(
        ["webhook", "serve", "--repo", str(repo), "--cache-dir", str(cache), "--no-catch-up", *args]
    )


def test_debounce_longer_than_max_wait_is_one_line(repo: Path, tmp_path: Path, busy_port: int) -> None:
    err = one_line_error(
        serve(repo, tmp_path, "--debounce", "10", "--max-wait", "5", "--port", str(busy_port))
    )
    assert "--debounce 10 is longer than --max-wait 5" in err


def test_a_port_in_use_is_one_line(repo: Path, tmp_path: Path, busy_port: int) -> None:
    err = one_line_error(serve(repo, tmp_path, "--port", str(busy_port)))
    assert f"cannot listen on 127.0.0.1:{busy_port}" in err and "in use" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--host", "no-such-host.invalid"], "cannot listen on no-such-host.invalid"),
        (["--host", "192.0.2.1"], "cannot listen on 192.0.2.1"),  # not this machine's address
        (["--event-type", ""], "is not a GitHub event type"),
    ],
)
def test_other_impossible_serve_options_are_one_line(
    repo: Path, tmp_path: Path, busy_port: int, args: list[str], expected: str
) -> None:
    assert expected in one_line_error(serve(repo, tmp_path, *args, "--port", str(busy_port)))


def test_a_secret_that_is_not_utf8_is_one_line(
    repo: Path, tmp_path: Path, busy_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODEL_GITOPS_WEBHOOK_SECRET", "\udcff" + SECRET)  # undecodable bytes
    assert "not valid UTF-8" in one_line_error(serve(repo, tmp_path, "--port", str(busy_port)))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--url", "http://[::1/webhook"], "is not an http(s) URL"),
        (["--url", "http://127.0.0.1:99999/webhook"], "is not an http(s) URL"),
        (["--url", "http://127.0.0.1:8787/webhook", "--tracking-uri", "not-a-uri"], "not-a-uri"),
    ],
)
def test_impossible_register_options_are_one_line(args: list[str], expected: str) -> None:
    base = ["webhook", "register", "--tracking-uri", "http://127.0.0.1:9"]
    assert expected in one_line_error(invoke(base + args))
