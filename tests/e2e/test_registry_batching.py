"""The registry reader's request shapes against a real MLflow store (SQLite, in-process)."""

from __future__ import annotations

import pytest

from generator.registry import examples, read_snapshot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Four models with three versions each (m3 has no champion), all pointing at one logged model."""
    base = tmp_path_factory.mktemp("registry")
    uri = f"sqlite:///{base / 'mlflow.db'}"
    examples.seed(uri, [examples.ExampleModel("base", 1)], artifact_location=(base / "artifacts").as_uri())
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    logged = client.get_model_version("base", "1")
    for index in range(4):
        name = f"m{index}"
        client.create_registered_model(name)
        for _ in range(3):
            model_id = logged.source.split("/", 1)[1]
            client.create_model_version(name, logged.source, run_id=logged.run_id, model_id=model_id)
        client.set_registered_model_alias(name, "dev", "3")
        if index != 3:
            client.set_registered_model_alias(name, "champion", "1")
    return uri


@pytest.fixture
def version_searches(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The filter of every `search_model_versions` call the reader makes (the calls still happen)."""
    import mlflow

    calls: list[object] = []
    original = mlflow.MlflowClient.search_model_versions

    def recording(self, filter_string=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(filter_string)
        return original(self, filter_string, *args, **kwargs)

    monkeypatch.setattr(mlflow.MlflowClient, "search_model_versions", recording)
    return calls


def test_most_models_wanted_reads_all_versions_in_one_search(
    store: str, version_searches: list[object]
) -> None:
    snapshot = read_snapshot(store, {"dev", "champion"})
    assert version_searches == [None]
    assert sorted(snapshot.models) == ["m0", "m1", "m2", "m3"]
    assert snapshot.aliased("m2", "champion").version == "1"  # type: ignore[union-attr]
    assert snapshot.aliased("m3", "champion") is None
    assert set(snapshot.versions) == {(f"m{i}", "3") for i in range(4)} | {(f"m{i}", "1") for i in range(3)}
    assert all(v.storage_uri.startswith("file://") for v in snapshot.versions.values())


def test_few_models_wanted_are_searched_by_name_with_the_same_result(
    store: str, version_searches: list[object]
) -> None:
    everything = read_snapshot(store, {"dev", "champion"})
    version_searches.clear()
    one = read_snapshot(store, {"dev", "champion"}, lambda name: name == "m1")
    assert version_searches == ["name IN ('m1')"]
    assert one.versions == {key: v for key, v in everything.versions.items() if key[0] == "m1"}


def test_deployed_versions_are_read_along(store: str) -> None:
    snapshot = read_snapshot(store, {"dev"}, deployed=[("m0", "2"), ("unknown", "1")])
    assert ("m0", "2") in snapshot.versions
    assert not any(name == "unknown" for name, _ in snapshot.versions)
