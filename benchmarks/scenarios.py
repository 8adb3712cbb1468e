"""The measured scenarios for one registry size: full, naive full, no-op and alias-moved syncs.

Every sync runs in a fresh process (`benchmarks.runner`) against a counting proxy in front of a
real `mlflow server`, in a real Git clone. Tool calls are counted by small shims on PATH that log
and then exec the real kubectl, kubeconform and git. Each scenario checks its own outcome (a
commit or none, the same rendered tree for both readers) so a wrong result cannot pass as fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.proxy import CountingProxy
from benchmarks.seed import ENVIRONMENTS, Registry, runtime_block

ROOT = Path(__file__).resolve().parents[1]
SHIMMED = ("kubectl", "kubeconform", "git")
OPTIONAL_SHIMS = ("promtool",)
ENVIRONMENT_FILE = """namespace: models-{env}
alias: {alias}
models:
  include: ["*"]
storage:
  rewrites:
    - from: "mlflow-artifacts:/"
      to: "s3://mlflow-artifacts/"
"""
NO_MONITORING = """monitoring:
  podmonitor: {enabled: false}
  rules: {enabled: false}
  dashboard: {enabled: false}
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@dataclass
class Bench:
    """One registry size: a seeded server behind a proxy, a Git remote, a schema cache."""

    workdir: Path
    proxy: CountingProxy
    registry: Registry
    timeout: float
    monitoring: bool = True

    @property
    def cache(self) -> Path:
        return self.workdir / "cache"

    def prepare(self) -> None:
        remote, seed = self.workdir / "remote.git", self.workdir / "seed"
        subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(remote)], check=True)
        git(self.workdir, "clone", "-q", str(remote), str(seed))
        git(seed, "symbolic-ref", "HEAD", "refs/heads/main")
        for env, alias in ENVIRONMENTS.items():
            path = seed / "environments" / f"{env}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            extra = "" if self.monitoring else NO_MONITORING
            path.write_text(ENVIRONMENT_FILE.format(env=env, alias=alias) + runtime_block() + extra)
        git(seed, "add", "environments")
        git(seed, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-qm", "envs")
        git(seed, "push", "-q", "origin", "HEAD:main")
        _write_shims(self.workdir / "shims", self.workdir / "tool-calls.log")

    def forget_facts(self) -> None:
        """Empty the model facts cache, so the sync reads every version's artifacts again."""
        shutil.rmtree(self.cache / "model-facts", ignore_errors=True)

    def clone(self, label: str) -> Path:
        target = self.workdir / label
        git(self.workdir, "clone", "-q", str(self.workdir / "remote.git"), str(target))
        return target

    def sync(self, worktree: Path, reader: str = "batched") -> dict[str, Any]:
        """One sync in its own process; wall time, requests, tool calls, phases, peak RSS."""
        out = self.workdir / "last-run.json"
        log = self.workdir / "tool-calls.log"
        log.unlink(missing_ok=True)
        head = git(worktree, "rev-parse", "HEAD")
        args = [sys.executable, "-m", "benchmarks.runner", "--repo", str(worktree), "--reader", reader]
        args += ["--tracking-uri", self.proxy.url, "--cache-dir", str(self.cache), "--out", str(out)]
        self.proxy.take()
        begin = time.perf_counter()
        completed = run_bounded(args, self.environment(), self.timeout)
        wall = time.perf_counter() - begin
        requests = self.proxy.take()
        result = json.loads(out.read_text()) if out.is_file() else {}
        if completed.returncode != 0 or result.get("code") != 0:
            details = result.get("stderr") or f"{completed.stdout}\n{completed.stderr}"
            raise RuntimeError(f"sync failed ({reader}):\n{details}")
        out.unlink()
        result.update(
            wall_s=wall,
            requests=sum(requests.values()),
            requests_by_endpoint=dict(sorted(requests.items())),
            tool_calls=_tool_calls(log),
            commit=git(worktree, "rev-parse", "HEAD") != head,
        )
        return result

    def environment(self) -> dict[str, str]:
        """A sync process's environment: the counting shims on PATH, this checkout, a Git identity."""
        environment = dict(os.environ)
        environment["PATH"] = f"{self.workdir / 'shims'}{os.pathsep}{environment['PATH']}"
        environment["PYTHONPATH"] = str(ROOT)
        for role in ("AUTHOR", "COMMITTER"):
            environment.setdefault(f"GIT_{role}_NAME", "model-gitops bench")
            environment.setdefault(f"GIT_{role}_EMAIL", "bench@example.invalid")
        return environment


def run_scenarios(
    bench: Bench, runs: int, naive_runs: int, facts_kept_runs: int = 0
) -> dict[str, list[dict[str, Any]]]:
    """All scenarios for one size; each run's record, by scenario name.

    Every full sync reads every version's artifacts (the facts cache emptied first), as on a new
    machine or a CI runner without a kept cache; "full (facts kept)" is the same sync on a machine
    that has checked these versions before (webhook receiver, self-hosted runner).
    """
    results: dict[str, list[dict[str, Any]]] = {}
    bench.forget_facts()
    cold = bench.sync(bench.clone("full-cold"))
    _expect(cold["commit"], "the first sync into an empty rendered/ must commit")
    expected = _rendered(bench.workdir / "full-cold", len(bench.registry.names))
    results["full (cold cache)"] = [cold]
    results["full"] = []
    for index in range(runs):
        worktree = bench.clone(f"full-{index}")
        bench.forget_facts()
        results["full"].append(bench.sync(worktree))
        _expect(_rendered(worktree, len(bench.registry.names)) == expected, "full syncs must agree")
    for index in range(facts_kept_runs):
        worktree = bench.clone(f"full-facts-kept-{index}")
        results.setdefault("full (facts kept)", []).append(bench.sync(worktree))
        _expect(_rendered(worktree, len(bench.registry.names)) == expected, "full syncs must agree")
    for index in range(naive_runs):
        naive = bench.clone(f"naive-{index}")
        bench.forget_facts()
        results.setdefault("naive full", []).append(bench.sync(naive, reader="naive"))
        _expect(_rendered(naive, len(bench.registry.names)) == expected, "naive sync rendered other bytes")
    worktree = bench.workdir / "full-cold"
    results["no-op"] = [bench.sync(worktree) for _ in range(runs)]
    _expect(not any(r["commit"] for r in results["no-op"]), "a no-op sync must not commit")
    results["one alias moved"] = [_move_one_alias(bench, worktree, index) for index in range(runs)]
    return results


def _move_one_alias(bench: Bench, worktree: Path, index: int) -> dict[str, Any]:
    name = bench.registry.names[index % len(bench.registry.names)]
    bench.registry.client().set_registered_model_alias(name, "champion", "2")
    result = bench.sync(worktree)
    changed = git(worktree, "diff", "--name-only", "HEAD~1", "HEAD").splitlines()
    _expect(result["commit"] and len(changed) == 1, f"moving {name}@champion must change one file: {changed}")
    return result


def _rendered(worktree: Path, models: int) -> str:
    files = git(worktree, "ls-tree", "-r", "--name-only", "HEAD", "rendered").splitlines()
    deployments = [f for f in files if f.endswith("/seldondeployment.yaml")]
    _expect(len(deployments) == models * len(ENVIRONMENTS), f"{len(deployments)} SeldonDeployments rendered")
    return git(worktree, "rev-parse", "HEAD:rendered")


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"benchmark check failed: {message}")


def _write_shims(directory: Path, log: Path) -> None:
    """`kubectl`, `kubeconform` and `git` wrappers that log each call, then exec the real tool."""
    directory.mkdir(parents=True, exist_ok=True)
    for tool in (*SHIMMED, *OPTIONAL_SHIMS):
        real = shutil.which(tool)
        if real is None and tool in OPTIONAL_SHIMS:
            continue
        if real is None:
            raise RuntimeError(
                f"{tool} not found on PATH; run scripts/bootstrap.sh and source scripts/env.sh"
            )
        shim = directory / tool
        shim.write_text(f'#!/bin/sh\necho "{tool} $1" >> "{log}"\nexec "{real}" "$@"\n')
        shim.chmod(0o755)


def _tool_calls(log: Path) -> dict[str, int]:
    calls: dict[str, int] = {}
    for line in log.read_text().splitlines() if log.is_file() else []:
        calls[line] = calls.get(line, 0) + 1
    return dict(sorted(calls.items()))


def run_bounded(
    args: list[str], environment: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run a child in its own process group; on timeout kill the whole group."""
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise RuntimeError(f"a sync took longer than {timeout:.0f}s; stopped it") from None
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)
