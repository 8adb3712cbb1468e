"""The persistent facts cache: a version read once is not downloaded again; failures are not kept;
a corrupt, foreign or unwritable cache is ignored; the cache stays bounded."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.model.runtime import ModelFacts
from generator.registry import factcache
from generator.registry.artifacts import read_model_facts
from generator.registry.factcache import FactCache
from tests.support.artifact_proxy import ROOT, ArtifactProxy, artifact_proxy

URI = "mlflow-artifacts:/1/models/m-a/artifacts"
MLMODEL = "flavors:\n  python_function: {python_version: 3.11.7}\n  sklearn: {sklearn_version: 1.9.1}\n"


@pytest.fixture
def proxy() -> Iterator[ArtifactProxy]:
    with artifact_proxy() as state:
        yield state


def serve_one_version(proxy: ArtifactProxy) -> None:
    proxy.files[f"{ROOT}/1/models/m-a/artifacts/MLmodel"] = MLMODEL
    proxy.files[f"{ROOT}/1/models/m-a/artifacts/requirements.txt"] = "numpy==2.4.6\n"


def test_a_version_read_once_is_not_downloaded_again(proxy: ArtifactProxy, tmp_path: Path) -> None:
    serve_one_version(proxy)
    first = read_model_facts(proxy.url, {URI}, cache_dir=tmp_path)
    asked = len(proxy.seen)

    second = read_model_facts(proxy.url, {URI}, cache_dir=tmp_path)

    assert isinstance(first[URI], ModelFacts) and second == first
    assert asked == 2 and len(proxy.seen) == asked
    assert len(list((tmp_path / "model-facts").glob("*.json"))) == 1


def test_failures_are_read_again(proxy: ArtifactProxy, tmp_path: Path) -> None:
    assert isinstance(read_model_facts(proxy.url, {URI}, cache_dir=tmp_path)[URI], str)
    serve_one_version(proxy)  # uploaded since
    assert isinstance(read_model_facts(proxy.url, {URI}, cache_dir=tmp_path)[URI], ModelFacts)


CORRUPT = ["{not json", '{"format": 2, "entries": {}}', "[]", '{"format": 1, "entries": []}', "", "\x00\xff"]


@pytest.mark.parametrize("content", CORRUPT)
def test_a_corrupt_or_foreign_cache_file_is_ignored(
    proxy: ArtifactProxy, tmp_path: Path, content: str
) -> None:
    serve_one_version(proxy)
    expected = read_model_facts(proxy.url, {URI}, cache_dir=tmp_path)
    (shard,) = (tmp_path / "model-facts").glob("*.json")
    shard.write_bytes(content.encode("latin-1"))  # "\x00\xff": not UTF-8

    assert read_model_facts(proxy.url, {URI}, cache_dir=tmp_path) == expected
    assert len(proxy.seen) == 4  # read again, and kept again
    assert read_model_facts(proxy.url, {URI}, cache_dir=tmp_path) == expected and len(proxy.seen) == 4


def test_wrongly_typed_facts_in_a_cache_file_are_ignored(tmp_path: Path) -> None:
    cache = FactCache(tmp_path, "http://mlflow")
    cache.keep({URI: ModelFacts(flavors={"sklearn": {}}, python="3.11")})
    (shard,) = tmp_path.glob("*.json")
    shard.write_text(shard.read_text().replace('"3.11"', "3.11"))
    assert cache.known({URI}) == {}


def test_an_unwritable_cache_directory_only_means_nothing_is_kept(
    proxy: ArtifactProxy, tmp_path: Path
) -> None:
    serve_one_version(proxy)
    (tmp_path / "model-facts").write_text("a file where the directory should be")
    assert isinstance(read_model_facts(proxy.url, {URI}, cache_dir=tmp_path)[URI], ModelFacts)
    assert isinstance(read_model_facts(proxy.url, {URI}, cache_dir=tmp_path)[URI], ModelFacts)
    assert len(proxy.seen) == 4


def test_facts_json_cannot_carry_exactly_are_not_kept(tmp_path: Path) -> None:
    cache = FactCache(tmp_path, "http://mlflow")
    dated = ModelFacts(flavors={"sklearn": {"saved": datetime.date(2026, 1, 1)}})
    cache.keep({URI: dated, "s3://bucket/m": ModelFacts(flavors={"sklearn": {"v": (1, 2)}})})
    assert cache.known({URI, "s3://bucket/m"}) == {}


def test_locations_relative_to_a_server_are_kept_per_server(tmp_path: Path) -> None:
    facts = ModelFacts(flavors={"sklearn": {}})
    FactCache(tmp_path, "http://one:5000").keep({URI: facts, "s3://bucket/m": facts})
    other = FactCache(tmp_path, "http://two:5000")
    assert other.known({URI, "s3://bucket/m"}) == {"s3://bucket/m": facts}


def test_the_cache_keeps_at_most_its_limit_the_oldest_dropped_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = FactCache(tmp_path, "http://mlflow", limit=2 * factcache.SHARDS)  # 2 per shard
    same_shard = [uri for uri in (f"s3://bucket/{n}" for n in range(2000)) if cache._key(uri)[:2] == "00"]
    facts = ModelFacts(flavors={"sklearn": {}})
    for second, uri in enumerate(same_shard[:3]):
        monkeypatch.setattr(factcache.time, "time", lambda second=second: 1_000_000.0 + second)
        cache.keep({uri: facts})
    assert set(cache.known(set(same_shard[:3]))) == set(same_shard[1:3])
    assert len(list(tmp_path.glob("*.json"))) == 1
