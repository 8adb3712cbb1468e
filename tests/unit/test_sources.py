"""`compute` reads the outside world only through the `Sources` it is given (the test seam)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from generator.app import job
from generator.app.sources import LiveSources, aliases, needs_run_metrics
from generator.config import EnvironmentConfig
from generator.config.settings import Settings
from generator.model import CurrentState, Snapshot
from generator.model.readings import NO_READINGS, Readings
from tests.support.snapshots import snapshot

ENVIRONMENT = """\
namespace: models-dev
alias: dev
seldon: {protocol: v2, implementation: MLFLOW_SERVER}
"""


@dataclass
class RecordingSources:
    """Serves a fixed snapshot and clock; records what the run asked for."""

    served: Snapshot
    asked: list[str] = field(default_factory=list)
    models: list[list[str]] = field(default_factory=list)

    def snapshot(
        self, environments: dict[str, EnvironmentConfig], current: CurrentState, models: Collection[str] = ()
    ) -> Snapshot:
        self.asked.append(f"snapshot:{','.join(sorted(environments))}")
        self.models.append(sorted(models))
        return self.served

    def readings(
        self, environments: dict[str, EnvironmentConfig], current: CurrentState, include_ab: bool = False
    ) -> Readings:
        self.asked.append("readings")
        return NO_READINGS

    def now(self) -> datetime:
        self.asked.append("now")
        return datetime(2026, 1, 1, tzinfo=UTC)


def test_compute_plans_from_the_sources_it_is_given(tmp_path: Path) -> None:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "dev.yaml").write_text(ENVIRONMENT)
    sources = RecordingSources(snapshot({"fraud-detector": {"dev": 2}}))
    settings = Settings(repo=str(tmp_path), tracking_uri="http://127.0.0.1:9/unused", check_artifacts=False)

    computed = job.compute(settings, tmp_path, validate=False, sources=sources)

    assert sources.asked == ["snapshot:dev", "readings", "now"]
    assert [(c.environment, c.model, c.to_version) for c in computed.plan.changes] == [
        ("dev", "fraud-detector", "2")
    ]
    assert "dev/fraud-detector/seldondeployment.yaml" in computed.changed


def write_environments(root: Path, **texts: str) -> None:
    (root / "environments").mkdir()
    for name, text in texts.items():
        (root / "environments" / f"{name}.yaml").write_text(text)


def test_a_scoped_run_asks_only_for_its_models_and_plans_only_them(tmp_path: Path) -> None:
    write_environments(tmp_path, dev=ENVIRONMENT)
    sources = RecordingSources(snapshot({"fraud-detector": {"dev": 2}, "churn": {"dev": 1}}))
    settings = Settings(tracking_uri="http://127.0.0.1:9/unused", check_artifacts=False, models=["churn"])

    computed = job.compute(settings, tmp_path, validate=False, sources=sources)

    assert sources.models == [["churn"]]
    assert [c.model for c in computed.plan.changes] == ["churn"]  # whatever else the source returned


def test_an_environment_delivered_by_pull_request_is_never_scoped(tmp_path: Path) -> None:
    reviewed = ENVIRONMENT.replace("models-dev", "models-prod") + "delivery: pull-request\n"
    write_environments(tmp_path, dev=ENVIRONMENT, prod=reviewed)
    sources = RecordingSources(snapshot({"fraud-detector": {"dev": 2}, "churn": {"dev": 1}}))
    settings = Settings(tracking_uri="http://127.0.0.1:9/unused", check_artifacts=False, models=["churn"])

    computed = job.compute(settings, tmp_path, validate=False, sources=sources)

    assert sources.models == [[]]
    assert sorted({c.model for c in computed.plan.changes}) == ["churn", "fraud-detector"]
    assert any("prod delivered by pull request, planned whole" in w for w in computed.plan.warnings)
    scoped_to_dev = Settings(
        tracking_uri="http://127.0.0.1:9/unused", check_artifacts=False, models=["churn"], only=["dev"]
    )
    job.compute(scoped_to_dev, tmp_path, validate=False, sources=sources)
    assert sources.models[-1] == ["churn"]


def test_live_sources_use_the_fixed_clock_of_the_settings() -> None:
    fixed = datetime(2030, 5, 6, 7, 8, tzinfo=UTC)
    assert LiveSources(Settings(now=fixed)).now() == fixed
    assert LiveSources(Settings()).now().tzinfo is not None


def test_aliases_include_ab_challengers_and_run_metrics_follow_offline_gates() -> None:
    plain = EnvironmentConfig.model_validate({"namespace": "n", "alias": "staging"})
    ab = EnvironmentConfig.model_validate(
        {
            "namespace": "n",
            "alias": "champion",
            "strategy": {
                "type": "ab",
                "challenger": "challenger",
                "offline": [{"metric": "auc", "max_drop": 0.1}],
            },
        }
    )
    assert aliases({"a": plain, "b": ab}) == {"staging", "champion", "challenger"}
    assert not needs_run_metrics({"a": plain})
    assert needs_run_metrics({"a": plain, "b": ab})
