"""Medians, the targets of issue 7, the printed table and the machine description."""

from __future__ import annotations

import itertools
import os
import platform
import shutil
import statistics
import subprocess
from typing import Any

PHASES = ["state", "registry", "plan+render", "artifacts", "validate", "write+git", "write-back"]
FULL, NAIVE, NOOP, MOVED = "full", "naive full", "no-op", "one alias moved"


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every number over a scenario's runs (and the worst case where it matters)."""
    median = statistics.median
    return {
        "runs": len(runs),
        "wall_s": median(r["wall_s"] for r in runs),
        "sync_s": median(r["sync_s"] for r in runs),
        "startup_s": median(r["startup_s"] for r in runs),
        "phases": {p: median(r["phases"].get(p, 0.0) for r in runs) for p in _phases(runs)},
        "requests": max(r["requests"] for r in runs),
        "requests_by_endpoint": runs[-1]["requests_by_endpoint"],
        "tool_calls": runs[-1]["tool_calls"],
        "max_rss_mb": max(r["max_rss_mb"] for r in runs),
        "commits": sum(1 for r in runs if r["commit"]),
    }


def _phases(runs: list[dict[str, Any]]) -> list[str]:
    """The app's phases in pipeline order (known ones first, then any new ones the app added)."""
    seen = {p for r in runs for p in r["phases"]}
    return [p for p in PHASES if p in seen] + sorted(seen - set(PHASES))


def targets(size: dict[str, Any], roots: int) -> dict[str, dict[str, Any]]:
    """Issue 7's targets for one size: {name: {value, limit, met}}."""
    s = size["scenarios"]
    batched = [s[k] for k in s if k != NAIVE]
    speedup = s[NAIVE]["wall_s"] / s[FULL]["wall_s"] if NAIVE in s else None
    noop = s[NOOP]["wall_s"] / s[FULL]["wall_s"]
    requests = max(x["requests"] for x in batched)
    rss = max(x["max_rss_mb"] for x in batched)
    calls = s[FULL]["tool_calls"]
    per_env = max(calls.get("kubectl kustomize", 0), calls.get("kubeconform -strict", 0))
    return {
        "full sync vs naive (x faster)": {
            "value": "not measured" if speedup is None else round(speedup, 1),
            "limit": ">= 10",
            "met": None if speedup is None else speedup >= 10,
        },
        "MLflow requests per sync": {"value": requests, "limit": "<= 30", "met": requests <= 30},
        "no-op / full sync": {"value": round(noop, 3), "limit": "<= 0.25", "met": noop <= 0.25},
        "no-op commits": {"value": s[NOOP]["commits"], "limit": "0", "met": s[NOOP]["commits"] == 0},
        "kustomize/kubeconform runs per sync": {
            "value": per_env,
            "limit": f"<= {roots} (once per kustomization directory)",
            "met": per_env <= roots,
        },
        "peak RSS of the sync (MB)": {"value": round(rss), "limit": "<= 400", "met": rss <= 400},
    }


def growth(sizes: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """Full-sync time per size and how it grows from one size to the next."""
    ordered = sorted(sizes)
    rows = []
    for before, after in itertools.pairwise(ordered):
        t0, t1 = (sizes[n]["scenarios"][FULL]["wall_s"] for n in (before, after))
        ratio = t1 / t0
        rows.append(
            {
                "from": before,
                "to": after,
                "time_ratio": round(ratio, 2),
                "size_ratio": after / before,
                "linear_or_better": ratio <= (after / before) * 1.1,
            }
        )
    return rows


def table(sizes: dict[int, dict[str, Any]]) -> str:
    phases_seen = {p for n in sizes for s in sizes[n]["scenarios"].values() for p in s["phases"]}
    columns = [p for p in PHASES if p in phases_seen] + sorted(phases_seen - set(PHASES))
    header = ["N", "scenario", "wall s", "sync s", "requests", *columns, "RSS MB"]
    rows = [header]
    for n in sorted(sizes):
        for name, summary in sizes[n]["scenarios"].items():
            phases = [f"{summary['phases'].get(p, 0.0):.2f}" for p in columns]
            rows.append(
                [
                    str(n),
                    name,
                    f"{summary['wall_s']:.2f}",
                    f"{summary['sync_s']:.2f}",
                    str(summary["requests"]),
                    *phases,
                    f"{summary['max_rss_mb']:.0f}",
                ]
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |" for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def targets_text(sizes: dict[int, dict[str, Any]], rows: list[dict[str, Any]]) -> str:
    lines = []
    for n in sorted(sizes):
        for name, target in sizes[n]["targets"].items():
            mark = "n/a" if target["met"] is None else "met " if target["met"] else "MISSED"
            lines.append(f"N={n:<5} {mark:6} {name}: {target['value']} (target {target['limit']})")
    for row in rows:
        mark = "met " if row["linear_or_better"] else "MISSED"
        lines.append(
            f"growth {mark:6} full sync N={row['from']} -> {row['to']}: x{row['time_ratio']} "
            f"for x{row['size_ratio']:g} models"
        )
    return "\n".join(lines)


def machine() -> dict[str, str]:
    def command(*args: str) -> str:
        if shutil.which(args[0]) is None:
            return "n/a"
        done = subprocess.run(list(args), capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip()

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu
            )
    except OSError:
        pass
    import mlflow

    return {
        "nproc": command("nproc"),
        "cpu": cpu,
        "memory": command("free", "-h").splitlines()[1] if shutil.which("free") else "n/a",
        "python": platform.python_version(),
        "mlflow": mlflow.__version__,
        "kubectl": command("kubectl", "version", "--client").splitlines()[0],
        "kubeconform": command("kubeconform", "-v"),
        "git": command("git", "--version"),
        "load average (1, 5, 15 min) at the end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
