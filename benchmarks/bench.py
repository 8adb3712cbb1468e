"""Benchmark `model-gitops sync` against a real MLflow server holding N models.

For each N: start `mlflow server` (SQLite) on 127.0.0.1, register N models with several versions
and dev/staging/champion aliases, put a counting proxy in front of it, and measure (median of
several runs, each sync a fresh process): a full sync into an empty rendered/ (the first one with a
cold schema cache, reported apart), the same full sync with the naive registry reader, a no-op
sync, and a sync after one alias moved. Prints a table and the targets of issue 7 and writes JSON
to benchmarks/results/. Every server it starts is stopped; every sync has a timeout.

    python -m benchmarks.bench --sizes 100,1000,3000     (or: bash scripts/bench.sh)
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.proxy import CountingProxy
from benchmarks.scenarios import ENVIRONMENTS, Bench, run_scenarios
from benchmarks.seed import seed
from generator.registry import examples
from tests.support.servers import mlflow_server

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    examples.quiet_mlflow()
    sizes = [int(n) for n in args.sizes.split(",")]
    base = Path(tempfile.mkdtemp(prefix="model-gitops-bench-", dir=args.workdir))
    started = time.perf_counter()
    results: dict[int, dict[str, Any]] = {}
    try:
        for n in sizes:
            results[n] = measure(n, base / f"n{n}", args)
            print(report.table({n: results[n]}), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    rows = report.growth(results)
    document = {
        "machine": report.machine(),
        "parameters": {**vars(args), "environments": len(ENVIRONMENTS)},
        "total_s": round(time.perf_counter() - started, 1),
        "sizes": {str(n): results[n] for n in sorted(results)},
        "growth": rows,
    }
    variant = ("-monitoring-off" if args.monitoring == "off" else "") + (
        "-shared-artifacts" if args.artifacts == "shared" else ""
    )
    output = args.output or RESULTS / f"bench-{'-'.join(map(str, sizes))}{variant}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=1, sort_keys=True, default=str) + "\n")
    print(f"\n{report.table(results)}\n\n{report.targets_text(results, rows)}")
    print(f"\nmachine: {document['machine']}\ntotal {document['total_s']}s; JSON: {output}")
    return 0


def measure(n: int, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Seed a fresh server with `n` models and run every scenario against it."""
    print(f"== N={n}: starting mlflow server, registering {n} models x {args.versions} versions", flush=True)
    server, url = mlflow_server(workdir / "mlflow")
    server.start()
    try:
        begin = time.perf_counter()
        artifacts = workdir / "mlflow" / "artifacts" if args.artifacts == "distinct" else None
        registry = seed(url, workdir / "mlflow" / "mlflow.db", n, args.versions, args.seed, artifacts)
        seed_s = time.perf_counter() - begin
        print(f"   registered in {seed_s:.0f}s; measuring", flush=True)
        with CountingProxy(url) as proxy:
            bench = Bench(workdir, proxy, registry, args.timeout, args.monitoring == "on")
            bench.prepare()
            naive_runs = args.naive_runs if args.naive_runs is not None else args.runs
            naive_runs = naive_runs if n <= args.naive_up_to else 0
            facts_kept_runs = args.runs if args.facts_kept_runs is None else args.facts_kept_runs
            runs = run_scenarios(bench, args.runs, naive_runs, facts_kept_runs)
    finally:
        server.stop()
    size: dict[str, Any] = {
        "models": n,
        "versions_per_model": args.versions,
        "seed_s": round(seed_s, 1),
        "scenarios": {name: report.summarise(r) for name, r in runs.items()},
        "raw": runs,
    }
    size["kustomization_directories"] = len(
        list((workdir / "full-cold" / "rendered").glob("*/kustomization.yaml"))
    )
    size["targets"] = report.targets(size, size["kustomization_directories"])
    return size


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000", help="comma-separated model counts (default: 1000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario; the median is reported")
    parser.add_argument("--naive-runs", type=int, help="runs of the naive baseline (default: --runs)")
    parser.add_argument(
        "--naive-up-to",
        type=int,
        default=1000,
        help="measure the naive baseline only up to this many models (default: 1000; it is slow)",
    )
    parser.add_argument(
        "--facts-kept-runs",
        type=int,
        help="runs of a full sync with the model facts cache kept from the previous sync (default: --runs)",
    )
    parser.add_argument("--versions", type=int, default=3, help="versions per model (default: 3)")
    parser.add_argument(
        "--seed",
        choices=["clone", "api"],
        default="clone",
        help="register models through the API, or clone the first one's rows in SQLite (default, fast)",
    )
    parser.add_argument(
        "--artifacts",
        choices=["shared", "distinct"],
        default="distinct",
        help="each version has its own logged model (default: realistic for the artifact check), "
        "or all share one",
    )
    parser.add_argument(
        "--monitoring",
        choices=["on", "off"],
        default="on",
        help="monitoring at its defaults (on: one PodMonitor, PrometheusRule and dashboard per environment) "
        "or SeldonDeployments only",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before one sync is stopped")
    parser.add_argument("--workdir", help="where the temporary servers and clones live (default: $TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument(
        "--output", type=Path, help="JSON file (default: benchmarks/results/bench-<sizes>.json)"
    )
    return parser


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
