"""The rollout rows of `status`: traffic, readings and offline metrics per predictor."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from generator.config.loader import parse_environment
from generator.model.readings import Readings
from generator.report.rollout import rollout_rows, rollout_table
from tests.support.rollouts import Runs, healthy, readings
from tests.support.snapshots import snapshot

AB = parse_environment(
    "namespace: p\nalias: champion\nstrategy: {type: ab, challenger: challenger, offline: [{metric: auc}]}\n",
    "p",
)


def test_ab_rows_show_readings_next_to_offline_metrics() -> None:
    runs = Runs({"prod": AB})
    snap = replace(
        snapshot({"fraud": {"champion": 1, "challenger": 2}}),
        run_metrics={"run-fraud-1": {"auc": 0.9}, "run-fraud-2": {"auc": 0.91}},
    )
    runs.run(snap)
    seen = readings("prod", "fraud", champion=healthy(requests=600, errors=6, p95=0.05))
    rows = rollout_rows({"prod": AB}, runs.current, snap, seen)
    started = "20 since 2026-01-05T09:00:00Z"
    assert rows == [
        ["prod", "fraud", "champion", "1", "80%", "2.00", "1%", "50 ms", "auc 0.9", started],
        ["prod", "fraud", "challenger", "2", "20%", "-", "-", "-", "auc 0.91", started],
    ]
    table = rollout_table(rows, Readings(unavailable="Prometheus is down"))
    assert table.splitlines()[0].split() == [
        "ENV",
        "MODEL",
        "PREDICTOR",
        "VERSION",
        "TRAFFIC",
        "REQ/S",
        "ERRORS",
        "P95",
        "OFFLINE",
        "STEP",
    ]
    assert table.splitlines()[-1] == "warning: Prometheus is down"


def test_nothing_in_progress_shows_nothing() -> None:
    runs = Runs({"prod": AB})
    snap = snapshot({"fraud": {"champion": 1}})
    runs.run(snap, after=timedelta(minutes=1))
    assert rollout_table(rollout_rows({"prod": AB}, runs.current, snap, Readings()), Readings()) == ""
