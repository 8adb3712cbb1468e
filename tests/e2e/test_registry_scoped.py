"""`read_snapshot(..., names=...)`: a read scoped to named models, against a real `mlflow server`
(requests counted through a proxy) and an in-process SQLite store."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.registry import examples, read_snapshot
from generator.registry.reader import DIRECT_LOOKUPS
from tests.support.proxy import FaultProxy
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

ALIASES = {"dev", "champion"}
ODD_NAMES = ("quote's", 'double"quote', "back\\slash", "snake 🐍 \U0001f9ea", "both'\"\\")


@pytest.fixture(scope="module")
def prefix(registry: TestRegistry) -> str:
    """Models `<prefix>-a` (dev and champion), `-b` (dev), `-bare` (no alias), odd names (dev)."""
    stem = registry.unique("scoped")
    registry.create(f"{stem}-a", 3, {"dev": 3, "champion": 1})
    registry.create(f"{stem}-b", 2, {"dev": 2})
    registry.create(f"{stem}-bare", 1)
    for odd in ODD_NAMES:
        registry.create(f"{stem}-{odd}", 1, {"dev": 1})
    return stem


def endpoints(proxy: FaultProxy) -> Counter[str]:
    """The API endpoints requested through `proxy` (ids in paths folded)."""
    found: Counter[str] = Counter()
    for path in proxy.requests:
        endpoint = urlsplit(path).path.removeprefix("/api/2.0/mlflow/")
        found["logged-models/{id}" if endpoint.startswith("logged-models/m-") else endpoint] += 1
    return found


def test_scoped_read_returns_exactly_the_named_models(registry: TestRegistry, prefix: str) -> None:
    named = [f"{prefix}-a", f"{prefix}-bare", f"{prefix}-missing", *(f"{prefix}-{odd}" for odd in ODD_NAMES)]
    scoped = read_snapshot(registry.url, ALIASES, names=named)
    everything = read_snapshot(registry.url, ALIASES, lambda name: name.startswith(prefix))
    expected = [f"{prefix}-a", *(f"{prefix}-{odd}" for odd in ODD_NAMES)]
    assert sorted(scoped.models) == sorted(expected)
    assert scoped.models == {name: everything.models[name] for name in expected}
    assert scoped.versions == {key: v for key, v in everything.versions.items() if key[0] in expected}
    assert set(scoped.versions) >= {(f"{prefix}-a", "3"), (f"{prefix}-a", "1")}
    assert all(v.storage_uri != v.source for v in scoped.versions.values())  # models:/ resolved


def test_wanted_and_deployed_still_apply(registry: TestRegistry, prefix: str) -> None:
    names = [f"{prefix}-a", f"{prefix}-b"]
    snapshot = read_snapshot(
        registry.url,
        {"dev"},
        lambda name: not name.endswith("-b"),
        deployed=[(f"{prefix}-a", "2"), (f"{prefix}-b", "1")],
        names=names,
    )
    assert list(snapshot.models) == [f"{prefix}-a"]
    assert set(snapshot.versions) == {(f"{prefix}-a", "3"), (f"{prefix}-a", "2")}


def test_unknown_or_empty_names_read_nothing(registry: TestRegistry) -> None:
    snapshot = read_snapshot(registry.url, ALIASES, names=["no-such-model-anywhere", ""])
    assert snapshot.models == {} and snapshot.versions == {}


def test_scoped_requests_do_not_depend_on_the_other_models(registry: TestRegistry, prefix: str) -> None:
    named = [f"{prefix}-a", f"{prefix}-missing"]
    with FaultProxy(registry.url) as proxy:
        read_snapshot(proxy.url, ALIASES, names=named)
        before = endpoints(proxy)
        for index in range(3):
            registry.create(f"{prefix}-other{index}", 1, {"dev": 1, "champion": 1})
        proxy.requests.clear()
        read_snapshot(proxy.url, ALIASES, names=named)
        after = endpoints(proxy)
    assert before == after
    # One GET per name, one version search, one GET per logged model: no search of every model,
    # version or experiment, the paged reads that grow with the registry.
    assert before == {"registered-models/get": 2, "model-versions/search": 1, "logged-models/{id}": 1}


def test_many_names_fall_back_to_one_search_of_the_registry(registry: TestRegistry, prefix: str) -> None:
    named = [f"{prefix}-{index}" for index in range(DIRECT_LOOKUPS)] + [f"{prefix}-a", f"{prefix}-b"]
    with FaultProxy(registry.url) as proxy:
        snapshot = read_snapshot(proxy.url, ALIASES, names=named)
        requested = endpoints(proxy)
    assert sorted(snapshot.models) == [f"{prefix}-a", f"{prefix}-b"]
    assert requested["registered-models/get"] == 0 and requested["registered-models/search"] >= 1


def test_scoped_read_of_a_sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    base = tmp_path_factory.mktemp("scoped-sqlite")
    uri = f"sqlite:///{base / 'mlflow.db'}"
    examples.seed(uri, [examples.ExampleModel("base", 1)], artifact_location=(base / "artifacts").as_uri())
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.set_registered_model_alias("base", "dev", "1")
    logged = client.get_model_version("base", "1")
    odd = "it's \\ 🐍"
    client.create_registered_model(odd)
    source = str(logged.source)
    model_id = source.split("/")[1]
    client.create_model_version(odd, source, run_id=logged.run_id, model_id=model_id)
    client.set_registered_model_alias(odd, "dev", "1")
    scoped = read_snapshot(uri, {"dev"}, names=[odd, "absent"])
    everything = read_snapshot(uri, {"dev"})
    assert list(scoped.models) == [odd]
    assert scoped.versions == {(odd, "1"): everything.versions[(odd, "1")]}


def test_remembered_locations_spare_the_lookups_and_read_the_same(
    registry: TestRegistry, prefix: str, tmp_path: Path
) -> None:
    wanted = lambda name: name.startswith(prefix)  # noqa: E731
    with FaultProxy(registry.url) as proxy:
        first = read_snapshot(proxy.url, ALIASES, wanted, cache_dir=tmp_path)
        assert endpoints(proxy)["logged-models/{id}"] == 1  # every version shares one logged model
        proxy.requests.clear()
        again = read_snapshot(proxy.url, ALIASES, wanted, cache_dir=tmp_path)
        assert "logged-models/{id}" not in endpoints(proxy)
    assert again.versions == first.versions
    assert again.versions == read_snapshot(registry.url, ALIASES, wanted).versions
    assert len(list((tmp_path / "registry-locations").iterdir())) == 1
