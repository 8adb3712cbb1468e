"""Environments in parallel: three per-environment `sync --push` runs against one sequential sync.

Issue 15 (item 4): `sync.yml` runs one matrix job per environment (`sync -e ENV --push`), each
with the race-safe push. For each N this starts `mlflow server` (SQLite) on 127.0.0.1, registers
N models x 3 versions (each version with a logged model of its own, unless `--artifacts shared`)
and the dev/staging/champion aliases, seeds one bare remote holding environments/, and measures
on fresh copies of that remote:

- sequential: one full `sync --push` (every environment in one process);
- one at a time: `sync -e dev --push`, then `-e staging`, then `-e prod`, each in a fresh clone
  (the matrix when every job has a runner of its own and none overlaps another);
- concurrent: the three per-environment syncs started together, each in its own process and its
  own clone of the same remote (the matrix on one machine: the pushes race and re-plan).

Each sync is `benchmarks.runner` (the real command, phases timed). Printed: each sync's wall time,
the concurrent wall time, the push tries each needed and the MLflow requests of each scenario.
Verified (a wrong result stops the benchmark): every remote ends with each environment's rendered/
identical to the sequential sync's, every change (environment, model) landed exactly once, the
seeded commit is still there and history is linear. Every server it starts is stopped, every sync
has a timeout, and nothing is asserted about time.

    python -m benchmarks.parallel_envs --sizes 100,1000   (or: bash scripts/bench.sh parallel-envs)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.proxy import CountingProxy
from benchmarks.scenarios import ROOT, Bench, git, run_bounded
from benchmarks.seed import ENVIRONMENTS, seed
from generator import targets
from generator.registry import examples
from generator.validate import schemas
from tests.support.servers import mlflow_server

RESULTS = ROOT / "benchmarks" / "results"
CHANGE = re.compile(r"^(deploy|update|remove)\((?P<env>[a-z0-9-]+)\): (?P<model>\S+)", re.MULTILINE)
SEQUENTIAL, ONE_AT_A_TIME, CONCURRENT = "sequential", "one at a time", "concurrent"
SHOWN_PHASES = ("artifacts", "validate", "write+git", "write-back")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    examples.quiet_mlflow()
    sizes = [int(n) for n in args.sizes.split(",")]
    base = Path(tempfile.mkdtemp(prefix="model-gitops-parallel-envs-", dir=args.workdir))
    started = time.perf_counter()
    results: dict[int, dict[str, Any]] = {}
    try:
        for n in sizes:
            results[n] = measure(n, base / f"n{n}", args)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    document = {
        "machine": report.machine(),
        "parameters": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "total_s": round(time.perf_counter() - started, 1),
        "sizes": {str(n): results[n] for n in sorted(results)},
    }
    output = args.output or RESULTS / f"parallel-envs-{'-'.join(map(str, sizes))}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(
        f"\n{table(results)}\n\nmachine: {document['machine']}\ntotal {document['total_s']}s; JSON: {output}"
    )
    return 0


def measure(n: int, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Seed a fresh server with `n` models, then run the three scenarios `args.runs` times."""
    print(f"== N={n}: starting mlflow server, registering {n} models x {args.versions} versions", flush=True)
    server, url = mlflow_server(workdir / "mlflow")
    server.start()
    try:
        artifacts = workdir / "mlflow" / "artifacts" if args.artifacts == "distinct" else None
        registry = seed(url, workdir / "mlflow" / "mlflow.db", n, args.versions, "clone", artifacts)
        with CountingProxy(url) as proxy:
            bench = Bench(workdir, proxy, registry, args.timeout, args.monitoring == "on")
            bench.prepare()
            warm_schema_cache(bench.cache)
            runs = [one_run(bench, index, args.one_at_a_time) for index in range(args.runs)]
    finally:
        server.stop()
    return {"models": n, "versions_per_model": args.versions, "runs": runs, "median": medians(runs)}


def one_run(bench: Bench, index: int, one_at_a_time: bool) -> dict[str, Any]:
    """Every scenario once, each on a fresh copy of the seeded remote; checked against the first."""
    load_before = os.getloadavg()
    sequential_remote = fresh_remote(bench, f"sequential-{index}")
    sequential = timed(bench, lambda: [sync(bench, clone(sequential_remote, f"sequential-{index}"))])
    expected = landed(sequential_remote, bench)
    _expect(len(expected) == len(bench.registry.names) * len(ENVIRONMENTS), "one change per model and env")
    record: dict[str, Any] = {SEQUENTIAL: sequential}
    if one_at_a_time:
        remote = fresh_remote(bench, f"one-at-a-time-{index}")
        record[ONE_AT_A_TIME] = timed(
            bench, lambda: [sync(bench, clone(remote, f"one-{index}-{env}"), env) for env in ENVIRONMENTS]
        )
        record[ONE_AT_A_TIME]["verified"] = verify(bench, remote, sequential_remote, expected)
    remote = fresh_remote(bench, f"concurrent-{index}")
    worktrees = {env: clone(remote, f"concurrent-{index}-{env}") for env in ENVIRONMENTS}
    record[CONCURRENT] = timed(bench, lambda: concurrently(bench, worktrees))
    record[CONCURRENT]["verified"] = verify(bench, remote, sequential_remote, expected)
    record["load average before"] = [round(x, 2) for x in load_before]
    record["load average after"] = [round(x, 2) for x in os.getloadavg()]
    print(describe(len(bench.registry.names), index, record), flush=True)
    return record


def timed(bench: Bench, syncs: Any) -> dict[str, Any]:
    """Run `syncs()` (a list of sync records); their records, the wall time and MLflow requests."""
    bench.proxy.take()
    begin = time.perf_counter()
    records = syncs()
    return {
        "wall_s": time.perf_counter() - begin,
        "requests": sum(bench.proxy.take().values()),
        "syncs": records,
    }


def concurrently(bench: Bench, worktrees: dict[str, Path]) -> list[dict[str, Any]]:
    """The per-environment syncs in processes of their own, released together."""
    barrier = threading.Barrier(len(worktrees))

    def one(env: str) -> dict[str, Any]:
        barrier.wait()
        return sync(bench, worktrees[env], env)

    with ThreadPoolExecutor(len(worktrees)) as pool:
        return list(pool.map(one, worktrees))


def sync(bench: Bench, worktree: Path, env: str | None = None) -> dict[str, Any]:
    """One `sync --push` (of `env` only, if given) in its own process; its runner record."""
    out = worktree.parent / f"{worktree.name}.json"
    args = [sys.executable, "-m", "benchmarks.runner", "--repo", str(worktree), "--push"]
    args += ["--tracking-uri", bench.proxy.url, "--cache-dir", str(bench.cache), "--out", str(out)]
    args += ["--env", env] if env else []
    begin = time.perf_counter()
    completed = run_bounded(args, bench.environment(), bench.timeout)
    wall = time.perf_counter() - begin
    result = json.loads(out.read_text()) if out.is_file() else {}
    if completed.returncode != 0 or result.get("code") != 0:
        details = result.get("stderr") or f"{completed.stdout}\n{completed.stderr}"
        raise RuntimeError(f"sync --push {env or '(all environments)'} failed:\n{details}")
    return {**result, "environment": env or "all", "wall_s": wall}


def verify(bench: Bench, remote: Path, reference: Path, expected: list[tuple[str, str]]) -> str:
    """Check `remote` against the sequential sync's; what was verified, in words.

    Each environment's rendered/<env> must be the same tree. `rendered/argocd` (the Applications
    of all environments) is written only by runs of every environment (`-e` leaves it alone), so
    it is compared only when `remote` has it.
    """
    ours, theirs = _top_level(remote), _top_level(reference)
    for name in sorted(theirs):
        if name in ENVIRONMENTS or name in ours:
            _expect(ours.get(name) == theirs[name], f"rendered/{name} differs from the sequential sync's")
    _expect(set(ours) <= set(theirs), f"rendered/ has more than the sequential sync's: {sorted(ours)}")
    changes = landed(remote, bench)
    _expect(len(changes) == len(set(changes)), "a change landed twice")
    _expect(sorted(changes) == sorted(expected), "a change is missing or unexpected")
    seeded = git(bench.workdir / "remote.git", "rev-parse", "main")
    ancestry = subprocess.run(["git", "merge-base", "--is-ancestor", seeded, "main"], cwd=remote, check=False)
    _expect(ancestry.returncode == 0, "the seeded commit is lost")
    _expect(not git(remote, "rev-list", "--min-parents=2", "main"), "history is not linear")
    commits = len(git(remote, "rev-list", f"{seeded}..main").splitlines())
    same = f"rendered/{{{','.join(sorted(ours))}}} identical to the sequential sync's"
    return f"{same}; {len(changes)} changes each once; {commits} commits, linear"


def _top_level(remote: Path) -> dict[str, str]:
    """rendered/'s top-level entries on main: {name: tree id}."""
    entries = git(remote, "ls-tree", "main:rendered").splitlines()
    return {line.split("\t", 1)[1]: line.split()[2] for line in entries}


def landed(remote: Path, bench: Bench) -> list[tuple[str, str]]:
    """Every (environment, model) change in the commits on top of the seed, once per commit."""
    seeded = git(bench.workdir / "remote.git", "rev-parse", "main")
    messages = git(remote, "log", "--format=%B%x00", f"{seeded}..main").split("\x00")
    per_commit = [{(m["env"], m["model"]) for m in CHANGE.finditer(text)} for text in messages]
    return [change for changes in per_commit for change in changes]


def fresh_remote(bench: Bench, name: str) -> Path:
    """A bare copy of the seeded remote (environments/ only, no rendered/)."""
    remote = bench.workdir / f"{name}.git"
    git(bench.workdir, "clone", "-q", "--bare", str(bench.workdir / "remote.git"), str(remote))
    return remote


def clone(remote: Path, name: str) -> Path:
    target = remote.parent / name
    git(remote.parent, "clone", "-q", str(remote), str(target))
    return target


def warm_schema_cache(cache: Path) -> None:
    """Convert the CRDs once, so no timed sync pays for it (or races another to write it)."""
    crds = os.environ.get("MODEL_GITOPS_CRDS", "").split()
    schemas.generate(
        crds or [crd for target in targets.TARGETS.values() for crd in targets.crds(target)], cache
    )


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per scenario its median wall time and most requests; per sync its median wall time and
    phases, the tries of every run and its peak RSS."""
    summary: dict[str, Any] = {}
    for scenario in (SEQUENTIAL, ONE_AT_A_TIME, CONCURRENT):
        present = [run[scenario] for run in runs if scenario in run]
        if not present:
            continue
        syncs: dict[str, list[dict[str, Any]]] = {s["environment"]: [] for s in present[0]["syncs"]}
        for record in present:
            for one in record["syncs"]:
                syncs[one["environment"]].append(one)
        summary[scenario] = {
            "wall_s": round(statistics.median(r["wall_s"] for r in present), 2),
            "requests": max(r["requests"] for r in present),
            "syncs": {env: _sync_medians(records) for env, records in syncs.items()},
        }
    return summary


def _sync_medians(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "wall_s": round(statistics.median(s["wall_s"] for s in records), 2),
        "phases": {
            phase: round(statistics.median(s["phases"].get(phase, 0.0) for s in records), 2)
            for phase in SHOWN_PHASES
        },
        "attempts": [s["attempts"] for s in records],
        "max_rss_mb": round(max(s["max_rss_mb"] for s in records)),
    }


def describe(n: int, index: int, record: dict[str, Any]) -> str:
    """One run's numbers and what was verified, as printed lines."""
    lines = [f"   N={n} run {index + 1} (load average before {record['load average before']}):"]
    for scenario in (SEQUENTIAL, ONE_AT_A_TIME, CONCURRENT):
        if scenario not in record:
            continue
        result = record[scenario]
        lines.append(f"     {scenario}: wall {result['wall_s']:.1f}s, {result['requests']} MLflow requests")
        for one in result["syncs"]:
            phases = ", ".join(f"{p} {one['phases'].get(p, 0.0):.1f}s" for p in SHOWN_PHASES)
            lines.append(
                f"       {one['environment']:8} {one['wall_s']:6.1f}s  {_tries(one['attempts']):8} ({phases})"
            )
        if "verified" in result:
            lines.append(f"       verified: {result['verified']}")
    return "\n".join(lines)


def table(results: dict[int, dict[str, Any]]) -> str:
    """Medians over the runs as a Markdown table."""
    phases = " | ".join(f"{p} (s)" for p in SHOWN_PHASES)
    rows = [
        f"| N | scenario | sync | wall (s) | push tries (each run) | {phases} | peak RSS (MB) |",
        "| ---: | --- | --- | ---: | ---: | " + "---: | " * len(SHOWN_PHASES) + "---: |",
    ]
    for n, size in sorted(results.items()):
        for scenario, summary in size["median"].items():
            for env, one in summary["syncs"].items():
                command = f"`sync {'' if env == 'all' else f'-e {env} '}--push`"
                timings = " | ".join(f"{one['phases'][p]:.1f}" for p in SHOWN_PHASES)
                tries = ", ".join(map(str, one["attempts"]))
                rows.append(
                    f"| {n} | {scenario} | {command} | {one['wall_s']:.1f} | {tries} | {timings} | "
                    f"{one['max_rss_mb']} |"
                )
            if len(summary["syncs"]) > 1:
                blank = " |" * len(SHOWN_PHASES)
                rows.append(f"| {n} | {scenario} | all three (wall) | {summary['wall_s']:.1f} | |{blank} |")
    return "\n".join(rows)


def _tries(attempts: int) -> str:
    return "1 try" if attempts == 1 else f"{attempts} tries"


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"benchmark check failed: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100", help="comma-separated model counts (default: 100)")
    parser.add_argument(
        "--runs", type=int, default=1, help="runs of every scenario; medians reported (default: 1)"
    )
    parser.add_argument("--versions", type=int, default=3, help="versions per model (default: 3)")
    parser.add_argument(
        "--artifacts",
        choices=["shared", "distinct"],
        default="distinct",
        help="each version has its own logged model (default), or all share one",
    )
    parser.add_argument(
        "--monitoring", choices=["on", "off"], default="on", help="per-model monitoring (default: on)"
    )
    parser.add_argument(
        "--no-one-at-a-time",
        dest="one_at_a_time",
        action="store_false",
        help="skip the per-environment syncs run one after another",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before one sync is stopped")
    parser.add_argument(
        "--workdir", help="where the temporary server and repositories live (default: $TMPDIR)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument(
        "--output", type=Path, help="JSON file (default: benchmarks/results/parallel-envs-<sizes>.json)"
    )
    return parser


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
