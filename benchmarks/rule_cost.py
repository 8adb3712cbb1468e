"""Rule-evaluation cost of the alerts per model against one rule group per environment (issue 15).

Serves synthetic Seldon Core v1 executor metrics for N deployments on 127.0.0.1
(`tests.support.seldon_exporter`: the histogram `seldon_api_executor_server_requests_seconds`
with namespace, deployment_name, predictor_name, predictor_version, service, method and code;
predictor `default` everywhere, `canary` on a fraction; counters grow on every scrape), and runs
a real Prometheus (Debian's `prometheus`) scraping it, with scrape and evaluation interval
`--interval`. First it scrapes without rules for `--warmup` seconds, so that every range of the
rules is full. Then, for each variant of `benchmarks.rule_variants` (and `none`, no rules: what
scraping alone costs), Prometheus is started on the same data directory with that rule file, left
to evaluate every group twice, and watched for `--window` seconds through its own `/metrics`:

- groups and rules (`prometheus_rule_group_rules`);
- the summed `prometheus_rule_group_last_duration_seconds` of all groups, read once per
  evaluation interval (median over those cycles), and the longest group's;
- rule evaluation seconds per minute (`prometheus_rule_evaluation_duration_seconds_sum` delta);
- the process's CPU seconds per minute (`process_cpu_seconds_total` delta), its RSS and Go heap,
  and the CPU less scraping alone's per evaluation of every group (the table's `rule CPU s/cycle`:
  the comparable cost, as groups that fall behind miss iterations and then burn less per minute);
- missed iterations (of those scheduled) and failed evaluations (both should stay 0);
- the active alerts (name, deployment, predictor, version): `per-model`, `exclusion` and
  `group-left` must agree exactly; `per-environment` (no overrides) agrees on every other model.

`--rounds R` runs the variants R times round-robin and reports medians. Every server is
stopped on exit, Ctrl-C or error; every wait is bounded, and `--budget` stops starting variants
once spent. Writes benchmarks/results/rule-cost-<N>.json. Nothing is asserted about time.

    python -m benchmarks.rule_cost --models 1000    (or: bash scripts/bench.sh rule-cost --models 1000)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from benchmarks import rule_variants
from benchmarks.rule_variants import EXCLUSION, GROUP_LEFT, PER_ENVIRONMENT, PER_MODEL
from tests.support.seldon_exporter import SeldonExporter, Traffic
from tests.support.servers import prometheus_server

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
NAMESPACE = "models-prod"
NONE = "none"
VARIANTS = (NONE, PER_MODEL, PER_ENVIRONMENT, EXCLUSION, GROUP_LEFT)
TITLES = {
    NONE: "none (scrape only)",
    PER_MODEL: "per-model",
    PER_ENVIRONMENT: "per-environment",
    EXCLUSION: "per-environment + {k} overrides (exclusion)",
    GROUP_LEFT: "per-environment + {k} overrides (group_left)",
}
SETTLE_ITERATIONS = 2
SETTLE_TIMEOUT = 180.0
HTTP_TIMEOUT = 30.0
Snapshot = dict[str, Any]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    if shutil.which("prometheus") is None:
        raise SystemExit("prometheus not found: apt-get install prometheus (scripts/bootstrap.sh dev does)")
    variants = [v for v in args.variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        raise SystemExit(f"unknown variants {sorted(unknown)}; known: {', '.join(VARIANTS)}")
    workdir = Path(tempfile.mkdtemp(prefix="model-gitops-rule-cost-", dir=args.workdir))
    try:
        document = run(args, variants, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    output = args.output or RESULTS / f"rule-cost-{args.models}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"\n{table(document)}\n\n{machine_line(document)}\nJSON: {output}")
    return 0


def run(args: argparse.Namespace, variants: list[str], workdir: Path) -> dict[str, Any]:
    """Serve the fleet's metrics, then measure every variant `args.rounds` times."""
    started = time.monotonic()
    models = model_names(args.models)
    overrides = override_thresholds(models, args.overrides)
    rules = {"no_traffic_for": args.no_traffic_for}
    files = {v: write_rules(workdir, v, models, overrides, rules) for v in variants}
    exporter = SeldonExporter()
    for index, model in enumerate(models):
        for predictor, traffic in fleet_traffic(index, model in overrides, args.canary_every):
            exporter.set(NAMESPACE, model, predictor, traffic)
    target = exporter.start()
    load_before = os.getloadavg()
    measured: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    try:
        warm_up(workdir, target, args)
        for round_index in range(args.rounds):
            for variant in variants:
                if time.monotonic() - started > args.budget:
                    print(
                        f"budget of {args.budget:.0f}s spent: not starting {variant}, round {round_index + 1}"
                    )
                    continue
                print(f"== round {round_index + 1}/{args.rounds}: {variant}", flush=True)
                result = measure(variant, files[variant], workdir, target, args)
                print(f"   {describe(result)}", flush=True)
                measured[variant].append(result)
    finally:
        exporter.stop()
    return {
        "models": args.models,
        "overrides": len(overrides),
        "series": series_count(exporter),
        "parameters": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine(load_before),
        "total_s": round(time.monotonic() - started, 1),
        "variants": {v: summarise(runs) for v, runs in measured.items() if runs},
        "alerts_agree": alerts_agree(measured, overrides),
        "rule_file_kb": {v: round(path.stat().st_size / 1024) if path else 0 for v, path in files.items()},
    }


def model_names(count: int) -> list[str]:
    return [f"model-{index:04d}" for index in range(count)]


def override_thresholds(models: list[str], count: int) -> dict[str, dict[str, float]]:
    """`count` models spread over the fleet, each with an error-ratio threshold of its own among
    0.0205, 0.0215, ... 0.0295 (the default: 0.05) and a p95 threshold of 0.5 s (default 1 s).
    Every one is below the 3% these models fail, and none equals it (an alert on the boundary
    would come and go with rounding)."""
    if count <= 0:
        return {}
    step = max(1, len(models) // count)
    chosen = [models[min(len(models) - 1, k * step + step // 2)] for k in range(count)]
    return {
        model: {"error_ratio": round(0.0205 + (k % 10) * 0.001, 4), "latency_p95_seconds": 0.5}
        for k, model in enumerate(chosen)
    }


def fleet_traffic(index: int, overridden: bool, canary_every: int) -> list[tuple[str, Traffic]]:
    """What deployment `index` serves per scrape. Overridden models fail 3% of requests in 0.6 s
    (their own thresholds fire, the defaults would not); a few others breach the defaults
    (errors, latency, a worse canary), so each variant has the same handful of active alerts."""
    version = str(1 + index % 5)
    requests = 100 + index % 50
    errors, latency = 0, 0.02 + (index % 10) * 0.01
    if overridden:
        requests, errors, latency = 100, 3, 0.6
    elif index % 97 == 1:
        errors = requests // 10
    elif index % 89 == 2:
        latency = 2.0
    found = [("default", Traffic(version, requests, errors, latency))]
    if canary_every and index % canary_every == 0:
        worse = index % (canary_every * 9) == 0
        canary = Traffic(str(int(version) + 1), 20, 4 if worse else 0, latency * (4 if worse else 1))
        found.append(("canary", canary))
    return found


def series_count(exporter: SeldonExporter) -> int:
    """Series the exporter serves: one per histogram line (buckets, +Inf, sum, count)."""
    buckets = len(next(iter(exporter.counters.values())).buckets) if exporter.counters else 0
    return len(exporter.counters) * (buckets + 3)


def write_rules(
    workdir: Path, variant: str, models: list[str], overrides: Any, rules: dict[str, object]
) -> Path | None:
    """The variant's rule file (JSON is YAML to Prometheus); None for `none`."""
    if variant == NONE:
        return None
    groups = rule_variants.variant_groups(variant, NAMESPACE, models, overrides, rules)
    path = workdir / f"{variant}.rules.json"
    path.write_text(json.dumps({"groups": groups}))
    return path


def warm_up(workdir: Path, target: str, args: argparse.Namespace) -> None:
    """Scrape without rules for `args.warmup` seconds, so that every rule's range is full of
    samples before any variant is measured (a range still filling up makes the later variants
    dearer)."""
    print(f"== warm-up: scraping {args.models} deployments for {args.warmup:.0f}s", flush=True)
    server, url = prometheus_server(workdir / "prometheus", [target], f"{args.interval}s")
    server.start()
    try:
        time.sleep(args.warmup)
        snapshot(url)
    finally:
        server.stop()


def measure(
    variant: str, rules: Path | None, workdir: Path, target: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Start Prometheus with `rules` on the shared data directory, settle, watch one window."""
    interval = f"{args.interval}s"
    server, url = prometheus_server(workdir / "prometheus", [target], interval, [rules] if rules else None)
    server.start()
    try:
        settle(url, expect_groups=rules is not None)
        return watch(url, args.interval, args.window)
    finally:
        server.stop()


def settle(url: str, expect_groups: bool) -> None:
    """Wait (bounded) until every group has run `SETTLE_ITERATIONS` times and a scrape landed."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        now = snapshot(url)
        iterations = now["iterations"].values()
        scraped = now["samples_scraped"] > 0
        if scraped and (not expect_groups or (iterations and min(iterations) >= SETTLE_ITERATIONS)):
            return
        time.sleep(1)
    raise RuntimeError(f"Prometheus at {url} did not evaluate every group within {SETTLE_TIMEOUT:.0f}s")


def watch(url: str, interval: float, window: float) -> dict[str, Any]:
    """Read Prometheus's own metrics once per evaluation interval for `window` seconds."""
    first = snapshot(url)
    cycles: list[Snapshot] = []
    deadline = first["at"] + window
    while time.monotonic() < deadline:
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
        cycles.append(snapshot(url))
    last = cycles[-1]
    elapsed = last["at"] - first["at"]

    def per_minute(key: str) -> float:
        return (last[key] - first[key]) / elapsed * 60

    sums = [sum(c["last_duration"].values()) for c in cycles]
    evaluations = last["eval_count"] - first["eval_count"]
    rules = int(sum(last["rules"].values()))
    missed = last["missed"] - first["missed"]
    scheduled = sum(last["iterations"].values()) - sum(first["iterations"].values())
    return {
        "groups": len(last["rules"]),
        "rules": rules,
        "evaluations_per_min": per_minute("eval_count"),
        "evaluated_share": 1 - missed / scheduled if scheduled else 0.0,
        "cycle_eval_s": statistics.median(sums),
        "longest_group_s": statistics.median(max(c["last_duration"].values(), default=0.0) for c in cycles),
        "rule_eval_s_per_min": per_minute("eval_sum"),
        "mean_rule_eval_ms": (last["eval_sum"] - first["eval_sum"]) / evaluations * 1000
        if evaluations
        else 0.0,
        "cpu_s_per_min": per_minute("cpu"),
        "rss_mb": last["rss"] / 2**20,
        "heap_mb": last["heap"] / 2**20,
        "missed": int(missed),
        "failures": int(last["failures"] - first["failures"]),
        "cycles": len(cycles),
        "window_s": elapsed,
        "load_1m": os.getloadavg()[0],
        "alerts": sorted(active_alerts(url)),
    }


def snapshot(url: str) -> Snapshot:
    """The numbers this benchmark reads from Prometheus's `/metrics`, with the time read."""
    text = _get(f"{url}/metrics").decode()
    found: Snapshot = {"at": time.monotonic(), "last_duration": {}, "rules": {}, "iterations": {}}
    found.update(cpu=0.0, rss=0.0, heap=0.0, eval_sum=0.0, eval_count=0.0, missed=0.0, failures=0.0)
    found["samples_scraped"] = 0.0
    singles = {
        "process_cpu_seconds_total": "cpu",
        "process_resident_memory_bytes": "rss",
        "go_memstats_heap_inuse_bytes": "heap",
        "prometheus_rule_evaluation_duration_seconds_sum": "eval_sum",
        "prometheus_rule_evaluation_duration_seconds_count": "eval_count",
        "prometheus_tsdb_head_samples_appended_total": "samples_scraped",
    }
    summed = {
        "prometheus_rule_group_iterations_missed_total": "missed",
        "prometheus_rule_evaluation_failures_total": "failures",
    }
    per_group = {
        "prometheus_rule_group_last_duration_seconds": "last_duration",
        "prometheus_rule_group_rules": "rules",
        "prometheus_rule_group_iterations_total": "iterations",
    }
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in singles:
                found[singles[sample.name]] += sample.value
            elif sample.name in summed:
                found[summed[sample.name]] += sample.value
            elif sample.name in per_group:
                found[per_group[sample.name]][sample.labels["rule_group"]] = sample.value
    return found


def active_alerts(url: str) -> set[tuple[str, str, str, str]]:
    """(alert, deployment, predictor, version) of every pending or firing alert."""
    alerts = json.loads(_get(f"{url}/api/v1/alerts"))["data"]["alerts"]
    keys = ("alertname", "deployment_name", "predictor_name", "predictor_version")
    return {tuple(a["labels"].get(k, "") for k in keys) for a in alerts}  # type: ignore[misc]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as response:  # noqa: S310 - http://127.0.0.1 only
        return bytes(response.read())


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over rounds (the alerts of the last round)."""
    numbers = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    summary: dict[str, Any] = {k: statistics.median(r[k] for r in runs) for k in numbers}
    summary.update(runs=len(runs), alerts=runs[-1]["alerts"], each=[{k: r[k] for k in numbers} for r in runs])
    return summary


def alerts_agree(measured: dict[str, list[dict[str, Any]]], overrides: dict[str, Any]) -> dict[str, Any]:
    """Whether the variants raise the same alerts as the reference (`per-model`, else
    `exclusion`): exactly for the ones that honour overrides, and on every model without an
    override for `per-environment`."""
    last = {v: {tuple(a) for a in runs[-1]["alerts"]} for v, runs in measured.items() if runs and v != NONE}
    name = next((v for v in (PER_MODEL, EXCLUSION) if v in last), None)
    if name is None:
        return {}
    reference = last[name]
    verdict: dict[str, Any] = {"reference": name, "active_alerts": len(reference)}
    for variant, alerts in last.items():
        if variant == PER_ENVIRONMENT:
            verdict[variant] = _without(alerts, overrides) == _without(reference, overrides)
        elif variant != name:
            verdict[variant] = alerts == reference
    return verdict


def _without(alerts: set[Any], models: dict[str, Any]) -> set[Any]:
    """The alerts not about one of `models`."""
    return {alert for alert in alerts if alert[1] not in models}


def describe(result: dict[str, Any]) -> str:
    return (
        f"{result['groups']} groups, {result['rules']} rules, {result['cycle_eval_s']:.3f}s eval/cycle, "
        f"{result['cpu_s_per_min']:.1f} CPU s/min, RSS {result['rss_mb']:.0f} MB, "
        f"{len(result['alerts'])} alerts, missed {result['missed']}, failures {result['failures']}, "
        f"load {result['load_1m']:.1f}"
    )


def table(document: dict[str, Any]) -> str:
    """The variants side by side. `rule CPU s/cycle`: Prometheus's CPU net of scraping alone
    (`none`) per evaluation of every rule once, what a full cycle costs even when iterations are
    missed (then CPU per minute undercounts the demand)."""
    header = [
        "variant", "groups", "rules", "evaluated", "eval s/cycle (sum, median)", "CPU s/min",
        "rule CPU s/cycle", "RSS MB", "missed", "alerts", "load", "runs",
    ]  # fmt: skip
    rows = [header]
    k = document["overrides"]
    scraping = document["variants"].get(NONE, {}).get("cpu_s_per_min")
    for variant, s in document["variants"].items():
        rows.append(
            [
                TITLES[variant].format(k=k),
                str(s["groups"]),
                str(s["rules"]),
                f"{s['evaluated_share']:.0%}" if s["rules"] else "n/a",
                f"{s['cycle_eval_s']:.3f}",
                f"{s['cpu_s_per_min']:.1f}",
                rule_cpu_per_cycle(s, scraping, document["parameters"]["interval"]),
                f"{s['rss_mb']:.0f}",
                str(s["missed"]),
                str(len(s["alerts"])),
                f"{s['load_1m']:.1f}",
                str(s["runs"]),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def rule_cpu_per_cycle(summary: dict[str, Any], scraping: float | None, interval: float) -> str:
    """CPU seconds, net of scraping, per evaluation of every group once (the iterations done:
    those scheduled less the missed ones)."""
    if scraping is None or not summary["rules"] or not summary["evaluated_share"]:
        return "n/a"
    cycles_per_min = 60 / interval * summary["evaluated_share"]
    return f"{(summary['cpu_s_per_min'] - scraping) / cycles_per_min:.2f}"


def machine(load_before: tuple[float, float, float]) -> dict[str, Any]:
    version = subprocess.run(["prometheus", "--version"], capture_output=True, text=True, check=False)
    return {
        "nproc": os.cpu_count(),
        "prometheus": (version.stdout or version.stderr).splitlines()[0]
        if version.returncode == 0
        else "n/a",
        "load average before": [round(x, 2) for x in load_before],
        "load average after": [round(x, 2) for x in os.getloadavg()],
    }


def machine_line(document: dict[str, Any]) -> str:
    m = document["machine"]
    return (
        f"{document['models']} deployments, {document['series']} series, {document['overrides']} overrides; "
        f"alerts agree: {document['alerts_agree']}; rule files (KB): {document['rule_file_kb']}\n"
        f"{m['prometheus']}; {m['nproc']} CPUs; load average (1, 5, 15 min) before "
        f"{m['load average before']}, after {m['load average after']}; total {document['total_s']}s"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.rule_cost", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--models", type=int, default=1000, help="deployments in the namespace (default 1000)"
    )
    parser.add_argument("--overrides", type=int, default=10, help="models with thresholds of their own")
    parser.add_argument("--canary-every", type=int, default=5, help="every k-th deployment has a canary")
    parser.add_argument("--interval", type=int, default=5, help="scrape and evaluation interval, seconds")
    parser.add_argument("--window", type=float, default=45, help="seconds watched per variant")
    parser.add_argument("--rounds", type=int, default=1, help="times each variant is measured (medians)")
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help=f"comma-separated: {', '.join(VARIANTS)}"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=330,
        help="seconds of scraping before measuring (default: 5m rules window + 30s)",
    )
    parser.add_argument(
        "--no-traffic-for",
        default="5m",
        help="the environment's no_traffic_for (product default 30m; 5m: every range full after the warm-up)",
    )
    parser.add_argument(
        "--budget", type=float, default=1800, help="no variant starts after this many seconds"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="where the temporary directory goes")
    parser.add_argument("--output", type=Path, default=None, help="JSON file (default benchmarks/results/)")
    parser.add_argument("--keep", action="store_true", help="keep the rule files and Prometheus data")
    return parser


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
