"""Run metrics for the offline gate: the latest value of every metric of the given runs.

Batched like the rest of the reader: one paged search of experiments, then `search_runs` with
`attributes.run_id IN (...)` in chunks over all of them, so the number of requests does not grow
with the number of versions. Runs that no longer exist are simply absent.
"""

from __future__ import annotations

from typing import Any

from generator.registry.reader import PAGE, RegistryReader, _chunks, _pages, _quote


def read_run_metrics(reader: RegistryReader, run_ids: set[str]) -> dict[str, dict[str, float]]:
    """run id -> metric name -> latest value, for the runs of `run_ids` that exist."""
    if not run_ids:
        return {}
    client = reader.api  # MLflow's REST API for http(s) registries, else its client
    experiments = reader.experiment_ids()
    found: dict[str, dict[str, float]] = {}
    for chunk in _chunks(sorted(run_ids), _quote):
        query = f"attributes.run_id IN ({', '.join(_quote(i) for i in chunk)})"
        for run in _pages(client.search_runs, experiments, query, max_results=PAGE):
            found[run.info.run_id] = _metrics(run)
    return found


def _metrics(run: Any) -> dict[str, float]:
    return {str(name): float(value) for name, value in sorted((run.data.metrics or {}).items())}
