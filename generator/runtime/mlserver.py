"""Run one model in a real MLServer on 127.0.0.1 and ask it to answer.

MLServer is started from the profile's venv with its MLflow runtime (`mlserver_mlflow.MLflowRuntime`)
pointing at the downloaded model, every port (HTTP, gRPC, metrics) on a free 127.0.0.1 port, in a
process group of its own. The model passes only when `/v2/models/<name>/ready` answers 200 and,
when there is a request, `/v2/models/<name>/infer` answers 200 with outputs. MLServer's exit code
means nothing (it exits 0 when a model fails to load): a failure is explained by the last exception
line of its log. The server and its children are always stopped, also on Ctrl-C; on Linux the
server is also killed if this process is killed outright.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNTIME = "mlserver_mlflow.MLflowRuntime"
PR_SET_PDEATHSIG = 1
EXCEPTION_LINE = re.compile(r"^\s*(?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*(?:Error|Exception|Exit)\b:? .*")
DROPPED_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1", "HF_HUB_OFFLINE": "1"}


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed for MLServer to get the model ready, for one request, and to stop."""

    start: float = 180.0
    request: float = 60.0
    stop: float = 10.0


@dataclass(frozen=True)
class Served:
    """Whether the model answered, and what was seen (or the failure, with MLServer's own words)."""

    passed: bool
    detail: str


def serve(
    venv: Path,
    model_dir: Path,
    name: str,
    request: dict[str, Any] | None,
    workdir: Path,
    timeouts: Timeouts = Timeouts(),
) -> Served:
    """Start MLServer on the model in `model_dir`, check it, stop it."""
    ports = _free_ports(3)
    _write_settings(workdir, model_dir, name, ports)
    log = workdir / "mlserver.log"
    base = f"http://127.0.0.1:{ports[0]}/v2/models/{name}"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(venv / "bin" / "mlserver"), "start", str(workdir)],
            cwd=workdir,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_environment(venv),
            start_new_session=True,
            preexec_fn=_die_with_parent,  # only a prctl call: safe between fork and exec
        )
    try:
        problem = _wait_ready(process, f"{base}/ready", log, timeouts.start)
        if problem:
            return Served(False, problem)
        if request is None:
            return Served(True, "ready (no input example: not asked to predict)")
        return _infer(f"{base}/infer", request, log, timeouts.request)
    finally:
        stop(process, timeouts.stop)


def _die_with_parent() -> None:
    """Linux: MLServer gets SIGKILL if this process is killed outright (OOM, SIGKILL), when no
    `finally` can run."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _write_settings(workdir: Path, model_dir: Path, name: str, ports: list[int]) -> None:
    http, grpc, metrics = ports
    settings = {
        "host": "127.0.0.1",
        "http_port": http,
        "grpc_port": grpc,
        "metrics_port": metrics,
        "parallel_workers": 0,
        "environments_dir": str(workdir / "environments"),
    }
    (workdir / "settings.json").write_text(json.dumps(settings, indent=1), "utf-8")
    folder = workdir / "models" / name
    folder.mkdir(parents=True, exist_ok=True)
    model = {"name": name, "implementation": RUNTIME, "parameters": {"uri": str(model_dir)}}
    (folder / "model-settings.json").write_text(json.dumps(model, indent=1), "utf-8")


def _environment(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_VARIABLES}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    return {**env, **QUIET}


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> str:
    """ "" once the model is ready, else why it is not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"MLServer exited (code {process.returncode}) without the model ready: {failure(log)}"
        status, _ = _http(url, None, 2.0)
        if status == 200:
            return ""
        time.sleep(0.3)
    return f"the model was not ready after {timeout:.0f} s: {failure(log)}"


def _infer(url: str, request: dict[str, Any], log: Path, timeout: float) -> Served:
    status, body = _http(url, request, timeout)
    if status is None:
        return Served(False, f"no answer to the input example within {timeout:.0f} s: {failure(log)}")
    try:
        answer = json.loads(body)
    except ValueError:
        answer = {}
    outputs = answer.get("outputs") if isinstance(answer, dict) else None
    if status == 200 and isinstance(outputs, list) and outputs:
        return Served(True, f"ready, answered the input example ({_outputs(outputs)})")
    error = answer.get("error") if isinstance(answer, dict) else None
    said = " ".join(str(error or _exception(body) or failure(log)).split())
    return Served(False, f"infer answered HTTP {status}: {said[:300]}")


def _exception(text: str) -> str:
    """The last exception line of a traceback answered as the body ("" when there is none)."""
    found = [line.strip() for line in text.splitlines() if EXCEPTION_LINE.match(line)]
    return found[-1] if found else ""


def _outputs(outputs: list[Any]) -> str:
    shown = [f"{o.get('name')} {o.get('datatype')} {o.get('shape')}" for o in outputs if isinstance(o, dict)]
    return ", ".join(shown)


def _http(url: str, payload: dict[str, Any] | None, timeout: float) -> tuple[int | None, str]:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http://127.0.0.1 only
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return None, ""


def failure(log: Path, limit: int = 300) -> str:
    """The last exception line of MLServer's log (`TypeError: ...`), else its last line."""
    try:
        lines = [line.strip() for line in log.read_text("utf-8", "replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    found = [line for line in lines if EXCEPTION_LINE.match(line)]
    chosen = found[-1] if found else (lines[-1] if lines else "MLServer printed nothing")
    return chosen[:limit]


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Stop MLServer and every process of its group: SIGTERM, then SIGKILL after `grace` seconds."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
