"""The serve check's parts that need no MLServer: interpreters, venv cache, candidates, reports,
MLServer's log excerpt and process-group stop. Real processes, real `uv`, real pyenv layouts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from generator.config.loader import parse_environment
from generator.errors import ConfigError
from generator.model import CurrentState, Deployed
from generator.model.runtime import RuntimeProfile
from generator.plan.gates import SERVE_TAG
from generator.runtime import candidates, servecheck_report
from generator.runtime.interpreters import find_python
from generator.runtime.mlserver import failure, stop
from generator.runtime.servecheck import FAILED, PASSED, SKIPPED, Candidate, Options, Result, check
from generator.runtime.venvs import READY, ensure_venv, requirements, venv_key
from tests.support.snapshots import snapshot, version

PROFILE = RuntimeProfile("mlserver-1.7.1-py3.11", None, "3.11", {"mlflow": "3.17.2", "numpy": "<2"}, "1.7.1")
HERE = f"{sys.version_info.major}.{sys.version_info.minor}"


def test_requirements_pin_mlserver_its_mlflow_runtime_and_uvloop_on_311() -> None:
    assert requirements(PROFILE) == [
        "mlflow==3.17.2",
        "mlserver-mlflow==1.7.1",
        "mlserver==1.7.1",
        "numpy<2",
        "uvloop<0.22",
    ]
    older = RuntimeProfile("p", None, "3.10", {"uvloop": "0.21.0"}, "1.7.1")
    assert "uvloop==0.21.0" in requirements(older) and "uvloop<0.22" not in requirements(older)


def test_this_python_is_found_and_an_absent_one_is_not(tmp_path: Path) -> None:
    found = find_python(HERE)
    assert found is not None and found.version.startswith(HERE + ".")
    assert find_python("3.5", pyenv_root=tmp_path, path=str(tmp_path)) is None
    assert find_python("three") is None


def test_a_pyenv_entry_that_does_not_run_is_not_taken(tmp_path: Path) -> None:
    broken = tmp_path / "versions" / "3.99.1" / "bin" / "python3.99"
    broken.parent.mkdir(parents=True)
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    assert find_python("3.99", pyenv_root=tmp_path, path=str(tmp_path)) is None


def test_concurrent_runs_build_one_venv_atomically(tmp_path: Path) -> None:
    interpreter = find_python(HERE)
    assert interpreter is not None
    bare = RuntimeProfile("bare", None, HERE, {}, None)
    results: list[tuple[Path, bool]] = []
    threads = [
        threading.Thread(target=lambda: results.append(ensure_venv(bare, interpreter, tmp_path)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    venvs = tmp_path / "serve-check" / "venvs"
    assert len({path for path, _ in results}) == 1
    assert sorted(reused for _, reused in results) == [False, True, True]
    path = results[0][0]
    assert path.name == f"py{interpreter.version}-{venv_key(interpreter, [])}"
    assert (path / READY).is_file() and (path / "bin" / "python").exists()
    assert [p.name for p in venvs.iterdir() if p.name.startswith(".building")] == []


def test_a_half_built_venv_without_its_marker_is_rebuilt(tmp_path: Path) -> None:
    interpreter = find_python(HERE)
    assert interpreter is not None
    bare = RuntimeProfile("bare", None, HERE, {}, None)
    half = tmp_path / "serve-check" / "venvs" / f"py{interpreter.version}-{venv_key(interpreter, [])}"
    half.mkdir(parents=True)
    (half / "junk").write_text("interrupted")
    path, reused = ensure_venv(bare, interpreter, tmp_path)
    assert path == half and not reused and not (path / "junk").exists() and (path / READY).is_file()


def candidate(env: str = "prod", profile: RuntimeProfile = PROFILE) -> Candidate:
    return Candidate(env, "fraud", "3", "s3://models/fraud/3", profile)


def no_download(uri: str, destination: Path) -> Path:
    raise AssertionError("a skipped candidate is never downloaded")


def test_skipped_without_the_python_or_without_mlserver(tmp_path: Path) -> None:
    options = Options(tmp_path, find=lambda _: None)
    not_mlserver = RuntimeProfile("seldon-mlflowserver-1.18.2", "seldonio/mlflowserver:1.18.2", "3.8")
    results = list(check([candidate(), candidate("dev", not_mlserver)], no_download, options))
    assert [(r.outcome, r.detail) for r in results] == [
        (SKIPPED, "no Python 3.11 here"),
        (SKIPPED, "runtime seldon-mlflowserver-1.18.2 is not an MLServer: nothing to start here"),
    ]


def test_same_version_and_runtime_in_two_environments_run_once(tmp_path: Path) -> None:
    calls: list[str] = []

    def find(version: str) -> None:
        calls.append(version)

    results = list(check([candidate("dev"), candidate("prod")], no_download, Options(tmp_path, find=find)))
    assert calls == ["3.11"]
    assert results[1].candidate.environment == "prod" and results[1].outcome == SKIPPED
    assert results[1].notes == ("same version and runtime as dev: not run again",)


def test_lines_markdown_and_tag_value() -> None:
    passed = Result(candidate(), PASSED, "ready, answered the input example (output-1 INT64 [2, 1])", 21.34)
    skipped = Result(candidate("dev"), SKIPPED, "no Python 3.11 here", 0.01)
    failed = Result(
        candidate("qa"), FAILED, "MLServer exited (code 0): TypeError: a | b <x>", 9.0, ("venv cached",)
    )
    assert servecheck_report.line(skipped) == (
        "dev: fraud 3 on mlserver-1.7.1-py3.11: skipped: no Python 3.11 here (0.0 s)"
    )
    assert servecheck_report.line(failed).endswith("TypeError: a | b <x> (9.0 s; venv cached)")
    assert (
        passed.tag_value
        == "passed (mlserver-1.7.1-py3.11, 21 s): ready, answered the input example (output-1 INT64 [2, 1])"
    )
    text = servecheck_report.markdown([passed, skipped, failed])
    row = "| `qa` | `fraud` | `3` | `mlserver-1.7.1-py3.11` | :x: failed | 9.0 s | "
    row += "MLServer exited \\(code 0\\): "
    assert row + "TypeError: a \\| b \\<x\\>; venv cached |" in text
    assert text.endswith("serve-check: 1 passed, 1 failed, 1 skipped\n")
    assert servecheck_report.markdown([]) == "### Serve check\n\nNothing to check.\n"


def test_targets_and_candidates_from_aliases_diffs_and_the_gate() -> None:
    assert candidates.parse_targets(["fraud", "Price_Forecaster.v2@12"]) == [
        ("fraud", None),
        ("Price_Forecaster.v2", "12"),
    ]
    with pytest.raises(ConfigError):
        candidates.parse_targets(["@3"])
    prod = parse_environment(
        "namespace: p\nalias: champion\nstrategy: {offline: [{serve: true}]}\n", "prod.yaml"
    )
    dev = parse_environment("namespace: d\nalias: dev\n", "dev.yaml")
    registry = snapshot({"fraud": {"champion": 3, "dev": 2}, "churn": {"champion": 1}}, 3)
    environments = {"prod": prod, "dev": dev}
    assert candidates.named(environments, registry, []) == [
        ("dev", "fraud", "2"),
        ("prod", "churn", "1"),
        ("prod", "fraud", "3"),
    ]
    assert candidates.named(environments, registry, [("fraud", "1")]) == [
        ("dev", "fraud", "1"),
        ("prod", "fraud", "1"),
    ]
    before = CurrentState({"prod": {"fraud": Deployed("fraud", "2", "fraud")}})
    after = CurrentState(
        {
            "prod": {
                "fraud": Deployed(
                    "fraud",
                    "2",
                    "fraud",
                    {"model-gitops.io/rollout-candidate": "3", "model-gitops.io/rollout-strategy": "canary"},
                ),
                "churn": Deployed("churn", "1", "churn"),
            }
        }
    )
    assert candidates.changed(before, after) == [("prod", "churn", "1"), ("prod", "fraud", "3")]
    tagged = {
        **registry.versions,
        ("churn", "1"): version("churn", 1, tags={SERVE_TAG: "passed (p, 1 s): ok"}),
    }
    gated = candidates.gated(
        environments, type(registry)(registry.tracking_uri, registry.models, tagged), before
    )
    assert gated == [("prod", "fraud", "3")]  # churn has a result; dev has no serve gate


def test_the_log_excerpt_is_the_loaders_exception(tmp_path: Path) -> None:
    log = tmp_path / "mlserver.log"
    log.write_text(
        "2026 [mlserver] INFO - HTTP server running\nTraceback (most recent call last):\n"
        '  File "x.py", line 3, in load\n'
        "mlflow.exceptions.MlflowException: Unrecognized serialization format: skops. Please specify ...\n"
        "INFO:     Shutting down\n"
    )
    assert (
        failure(log)
        == "mlflow.exceptions.MlflowException: Unrecognized serialization format: skops. Please specify ..."
    )
    log.write_text("TypeError: code expected at most 16 arguments, got 18\n")
    assert failure(log) == "TypeError: code expected at most 16 arguments, got 18"
    log.write_text("just a line\n")
    assert failure(log) == "just a line"


def test_stop_ends_the_whole_process_group() -> None:
    process = subprocess.Popen(
        ["sh", "-c", "sleep 300 & sleep 300 & wait"], start_new_session=True, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while len(psutil.Process(process.pid).children()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    children = [c.pid for c in psutil.Process(process.pid).children()]
    assert len(children) == 2
    stop(process, grace=5)
    time.sleep(0.2)
    for pid in children:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert process.returncode is not None and os.getpgid(os.getpid()) != process.pid


def fake_venv(tmp_path: Path, script: str) -> Path:
    """A venv whose `mlserver` is a shell script (MLServer's process behaviour, without MLServer)."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    mlserver = venv / "bin" / "mlserver"
    mlserver.write_text("#!/bin/sh\n" + script)
    mlserver.chmod(0o755)
    return venv


def test_an_mlserver_that_exits_0_after_a_failed_load_is_a_failure_with_its_error(tmp_path: Path) -> None:
    from generator.runtime.mlserver import Timeouts, serve

    venv = fake_venv(
        tmp_path,
        "echo 'INFO - HTTP server running'\necho \"TypeError: __init__() got an unexpected keyword "
        "argument 'required'\"\necho 'INFO:     Shutting down'\nexit 0\n",
    )
    (tmp_path / "work").mkdir()
    served = serve(venv, tmp_path / "model", "fraud", None, tmp_path / "work", Timeouts(start=60, stop=5))
    assert not served.passed
    assert served.detail == (
        "MLServer exited (code 0) without the model ready: "
        "TypeError: __init__() got an unexpected keyword argument 'required'"
    )
    settings = (tmp_path / "work" / "models" / "fraud" / "model-settings.json").read_text()
    assert '"implementation": "mlserver_mlflow.MLflowRuntime"' in settings


def test_ctrl_c_stops_mlserver_and_its_children(tmp_path: Path) -> None:
    marker = tmp_path / "pgid"
    venv = fake_venv(tmp_path, f"sleep 300 &\nsleep 300 &\necho $$ > {marker}\nwait\n")
    (tmp_path / "work").mkdir()
    code = (
        "from pathlib import Path\nfrom generator.runtime.mlserver import Timeouts, serve\n"
        f"serve(Path('{venv}'), Path('{tmp_path}'), 'm', None, Path('{tmp_path / 'work'}'), "
        "Timeouts(start=120))\n"
    )
    runner = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (marker.is_file() and marker.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.1)
    group = int(marker.read_text())
    members = [p.pid for p in psutil.process_iter() if _pgid(p.pid) == group]
    assert len(members) == 3  # the server and its two children
    runner.send_signal(signal.SIGINT)
    runner.wait(timeout=60)
    assert _gone(members, group, within=10) == []


def _gone(pids: list[int], group: int, within: float) -> list[int]:
    """The pids still running in `group` after up to `within` seconds (zombies count as ended)."""
    deadline = time.monotonic() + within
    while True:
        alive = [pid for pid in pids if _pgid(pid) == group and not _zombie(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_mlserver_dies_with_a_killed_check(tmp_path: Path) -> None:
    """SIGKILL (the OOM killer) runs no `finally`: the server must not outlive the check."""
    marker = tmp_path / "pid"
    venv = fake_venv(tmp_path, f"echo $$ > {marker}\nexec sleep 300\n")
    (tmp_path / "work").mkdir()
    code = (
        "from pathlib import Path\nfrom generator.runtime.mlserver import Timeouts, serve\n"
        f"serve(Path('{venv}'), Path('{tmp_path}'), 'm', None, Path('{tmp_path / 'work'}'), "
        "Timeouts(start=120))\n"
    )
    runner = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (marker.is_file() and marker.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.1)
    server = int(marker.read_text())
    runner.kill()
    runner.wait(timeout=30)
    assert _gone([server], server, within=10) == []
