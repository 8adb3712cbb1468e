"""Model facts read straight from a stand-in of MLflow's artifact proxy (127.0.0.1): one GET per
file, MLflow's credentials and retries, 404 as "absent", MLflow's code kept when its auth is needed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from generator.model.runtime import ModelFacts
from generator.registry import mlflow_http, proxied
from generator.registry.artifacts import read_model_facts
from tests.support.artifact_proxy import ROOT, ArtifactProxy, artifact_proxy
from tests.support.local_http import QuietHandler, serving

MLMODEL = """\
flavors:
  python_function: {loader_module: mlflow.sklearn, python_version: 3.11.7}
  sklearn: {pickled_model: model.pkl, sklearn_version: 1.9.1}
mlflow_version: 3.17.2
"""


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ArtifactProxy]:
    for name in ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", "0")
    with artifact_proxy() as state:
        yield state


def test_a_version_behind_the_proxy_costs_one_get_per_file(proxy: ArtifactProxy) -> None:
    proxy.files[f"{ROOT}/1/models/m-a/artifacts/MLmodel"] = MLMODEL
    proxy.files[f"{ROOT}/1/models/m-a/artifacts/requirements.txt"] = "mlflow==3.17.2\nnumpy==2.4.6\n"
    uri = "mlflow-artifacts:/1/models/m-a/artifacts"

    facts = read_model_facts(proxy.url, {uri})[uri]

    assert facts == ModelFacts(
        flavors={
            "python_function": {"loader_module": "mlflow.sklearn", "python_version": "3.11.7"},
            "sklearn": {"pickled_model": "model.pkl", "sklearn_version": "1.9.1"},
        },
        mlflow_version="3.17.2",
        python="3.11.7",
        requirements={"mlflow": "3.17.2", "numpy": "2.4.6"},
    )
    assert proxy.paths() == [f"{ROOT}/1/models/m-a/artifacts/{n}" for n in ("MLmodel", "requirements.txt")]
    assert all(headers["User-Agent"].startswith("mlflow-python-client") for _, headers in proxy.seen)


def test_absent_optional_files_are_absent_and_a_missing_mlmodel_says_so(proxy: ArtifactProxy) -> None:
    proxy.files[f"{ROOT}/0/run/artifacts/model/MLmodel"] = "flavors: {sklearn: {}}\n"
    present, missing = "mlflow-artifacts:/0/run/artifacts/model", "mlflow-artifacts:/0/gone/artifacts"

    found = read_model_facts(proxy.url, {present, missing})

    assert found[present] == ModelFacts(flavors={"sklearn": {}})
    assert found[missing] == (
        f"cannot read the MLmodel file at {missing} (MLmodel does not exist (HTTP 404)); "
        "check the artifacts exist"
    )
    asked = [path.rsplit("/", 1)[1] for path in proxy.paths() if "/run/" in path]
    assert asked == ["MLmodel", "conda.yaml", "python_env.yaml", "requirements.txt"]


def test_credentials_are_mlflows_and_a_path_prefix_is_kept(
    proxy: ArtifactProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy.files[f"/mlflow{ROOT}/1/m/MLmodel"] = "flavors: {sklearn: {}}\n"
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "t0ken")
    assert isinstance(
        read_model_facts(f"{proxy.url}/mlflow", {"mlflow-artifacts:/1/m"})["mlflow-artifacts:/1/m"],
        ModelFacts,
    )
    assert {headers["Authorization"] for _, headers in proxy.seen} == {"Bearer t0ken"}

    proxy.seen.clear()
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ann")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "pw")
    read_model_facts(f"{proxy.url}/mlflow", {"mlflow-artifacts:/1/m"})
    assert {headers["Authorization"] for _, headers in proxy.seen} == {"Basic YW5uOnB3"}


def test_transient_answers_are_retried_and_lasting_ones_reported(
    proxy: ArtifactProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    mlmodel = f"{ROOT}/1/m/MLmodel"
    proxy.files[mlmodel] = "flavors: {sklearn: {}}\n"
    proxy.failures[mlmodel] = [503, 500]
    assert read_model_facts(proxy.url, {"mlflow-artifacts:/1/m"})["mlflow-artifacts:/1/m"] == ModelFacts(
        flavors={"sklearn": {}}
    )
    assert [path for path, _ in proxy.seen].count(mlmodel) == 3

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    proxy.failures[mlmodel] = [500, 500, 500]
    problem = read_model_facts(proxy.url, {"mlflow-artifacts:/1/m"})["mlflow-artifacts:/1/m"]
    assert problem == (
        "cannot read the MLmodel file at mlflow-artifacts:/1/m (GET MLmodel answered HTTP 500 "
        "Internal Server Error); check the artifacts exist"
    )


def test_no_answer_is_this_versions_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", "0")
    with serving(QuietHandler) as url:
        pass  # stopped: nothing listens on the port any more
    uri = "mlflow-artifacts:/1/m"
    problem = read_model_facts(url, {uri}, workers=2)[uri]
    assert isinstance(problem, str) and problem.startswith(
        f"cannot read the MLmodel file at {uri} (GET MLmodel"
    )


def test_auth_only_mlflow_performs_keeps_mlflows_code(monkeypatch: pytest.MonkeyPatch) -> None:
    assert proxied.proxy_for("http://127.0.0.1:5000", 4) is not None
    assert proxied.proxy_for("sqlite:///mlflow.db", 4) is None
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", "some_plugin")
    assert proxied.proxy_for("http://127.0.0.1:5000", 4) is None


def test_header_plugins_and_the_workspace_are_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_WORKSPACE", "team-a")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "t0ken")
    plain = proxied._headers()
    assert plain["X-MLFLOW-WORKSPACE"] == "team-a" and plain["Authorization"] == "Bearer t0ken"
    monkeypatch.setattr(mlflow_http, "_header_plugins", lambda: True)  # resolved by MLflow's own code
    monkeypatch.setattr(proxied, "_plugin_headers", lambda: {"X-Plugin": "1", "Authorization": "no"})
    assert proxied._headers() == {
        "X-Plugin": "1",
        "Authorization": "Bearer t0ken",
        "X-MLFLOW-WORKSPACE": "team-a",
    }


def test_the_environments_http_proxy_is_honoured_unless_no_proxy_exempts_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    assert mlflow_http.environment_proxy("http://mlflow.internal:5000") == "http://proxy.internal:3128"
    monkeypatch.setenv("NO_PROXY", "mlflow.internal")
    assert mlflow_http.environment_proxy("http://mlflow.internal:5000") is None


def test_only_locations_on_the_tracking_server_are_read_directly() -> None:
    reader = proxied.proxy_for("http://MLflow.internal:5000/prefix", 4)
    assert reader is not None
    assert reader.serves("mlflow-artifacts:/1/models/m-a/artifacts")
    assert reader.serves("mlflow-artifacts://mlflow.internal:5000/1/m")
    assert reader.serves("http://mlflow.internal:5000/prefix/api/2.0/mlflow-artifacts/artifacts/1/m")
    assert not reader.serves("mlflow-artifacts://elsewhere:5000/1/m")
    assert not reader.serves("https://mlflow.internal/1/m")  # another port: another origin
    assert not reader.serves("https://attacker.example/m")
    assert not reader.serves("s3://bucket/m")
    assert reader.file_url("mlflow-artifacts:/1/m", "MLmodel") == (
        "http://MLflow.internal:5000/prefix/api/2.0/mlflow-artifacts/artifacts/1/m/MLmodel"
    )
