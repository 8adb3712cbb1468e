"""Start real servers on 127.0.0.1 for the tests and stop them, children included."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

# How long a server may take to answer its health check: MLflow's server needs over 90 s on a
# loaded 2-core machine (it returns as soon as the server is up).
STARTUP_SECONDS = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} server exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up in {timeout}s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server and every process it spawned (mlflow server has workers)."""
    if process.poll() is not None:
        return
    try:
        family = [process.pid] + [c.pid for c in psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = [process.pid]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    for pid in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


class Server:
    """A server process in its own process group, logging to a file."""

    def __init__(self, args: list[str], workdir: Path, health: str, env: dict[str, str] | None = None):
        self.log = workdir / "server.log"
        self.workdir = workdir
        self.args = args
        self.health = health
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.args,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            env=self.env,
            start_new_session=True,
        )
        try:
            wait_http(self.health, self.process, self.log, timeout=STARTUP_SECONDS)
        except BaseException:
            stop(self.process)  # a server that did not come up is not left running
            raise
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


def mlflow_server(
    workdir: Path, artifact_root: str | None = None, env: dict[str, str] | None = None
) -> tuple[Server, str]:
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--backend-store-uri",
        f"sqlite:///{workdir / 'mlflow.db'}",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    if artifact_root:
        args += ["--default-artifact-root", artifact_root, "--no-serve-artifacts"]
    else:
        args += ["--artifacts-destination", (workdir / "artifacts").as_uri()]
    url = f"http://127.0.0.1:{port}"
    # No job-execution workers (huey): the tests run no MLflow jobs, and each worker costs memory.
    quiet = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", **(env or {})}
    return Server(args, workdir, f"{url}/health", quiet), url


def prometheus_server(
    workdir: Path,
    targets: list[str],
    scrape_interval: str = "1s",
    rule_files: list[Path] | None = None,
    jobs: str = "",
) -> tuple[Server, str]:
    """Prometheus scraping `targets` at `/prometheus` (job `seldon`), plus `jobs`: more
    `scrape_configs` entries as YAML text (each starting with `  - job_name:`)."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "prometheus.yml"
    quoted = ", ".join(f"'{t}'" for t in targets)
    rules = "".join(f"  - '{path}'\n" for path in rule_files or [])
    config.write_text(
        f"global:\n  scrape_interval: {scrape_interval}\n  evaluation_interval: {scrape_interval}\n"
        + (f"rule_files:\n{rules}" if rules else "")
        + f"scrape_configs:\n  - job_name: seldon\n    metrics_path: /prometheus\n"
        f"    static_configs:\n      - targets: [{quoted}]\n" + jobs
    )
    args = [
        "prometheus",
        f"--config.file={config}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=1h",
    ]
    url = f"http://127.0.0.1:{port}"
    return Server(args, workdir, f"{url}/-/ready"), url


def moto_server(workdir: Path) -> tuple[Server, str]:
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    url = f"http://127.0.0.1:{port}"
    return Server(args, workdir, f"{url}/moto-api/"), url
