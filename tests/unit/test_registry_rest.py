"""The REST reader's settings, read from MLflow's client environment variables as MLflow reads them."""

from __future__ import annotations

import base64
import math
from pathlib import Path

import pytest

from generator.errors import RegistryError
from generator.registry import rest


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for variable in (
        *rest.NEEDS_MLFLOW,
        "MLFLOW_TRACKING_TOKEN",
        "MLFLOW_TRACKING_USERNAME",
        "MLFLOW_TRACKING_PASSWORD",
        "MLFLOW_TRACKING_INSECURE_TLS",
        "MLFLOW_TRACKING_SERVER_CERT_PATH",
        "MLFLOW_TRACKING_CLIENT_CERT_PATH",
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR",
        "MLFLOW_HTTP_REQUEST_TIMEOUT",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_only_plain_http_registries_use_the_rest_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rest.usable("http://mlflow:5000") and rest.usable("https://mlflow.example.com/prefix")
    assert not rest.usable("sqlite:///mlflow.db") and not rest.usable("databricks")
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", "my-plugin")
    assert not rest.usable("http://mlflow:5000")


def test_basic_auth_wins_over_the_token_and_comes_from_the_credentials_file(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "t0k3n")
    assert rest._auth_header() == {"Authorization": "Bearer t0k3n"}
    stored = clean_environment / ".mlflow" / "credentials"
    stored.parent.mkdir()
    stored.write_text("[mlflow]\nmlflow_tracking_username = ci\nmlflow_tracking_password = from-file\n")
    expected = base64.b64encode(b"ci:from-file").decode()
    assert rest._auth_header() == {"Authorization": f"Basic {expected}"}
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "from-env")
    assert rest._auth_header() == {"Authorization": f"Basic {base64.b64encode(b'ci:from-env').decode()}"}


def test_tls_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rest._verify() is True
    monkeypatch.setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", "/etc/ca.pem")
    assert rest._verify() == "/etc/ca.pem"
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "true")
    with pytest.raises(RegistryError, match="both set"):
        rest._verify()
    monkeypatch.delenv("MLFLOW_TRACKING_SERVER_CERT_PATH")
    assert rest._verify() is False
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "yes please")
    with pytest.raises(RegistryError, match="not true or false"):
        rest._verify()
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "0")
    monkeypatch.setenv("MLFLOW_TRACKING_CLIENT_CERT_PATH", "/etc/client.pem")
    reader = rest.RestReader("https://mlflow.example.com/")
    assert reader.session.verify is True and reader.session.cert == "/etc/client.pem"
    assert reader.base == "https://mlflow.example.com/api/2.0/mlflow"


def test_retries_follow_mlflows_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "3")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    retry = rest._retry()
    assert (retry.total, retry.status, retry.backoff_factor) == (3, 3, 1.0)
    assert 500 in retry.status_forcelist and 429 in retry.status_forcelist
    assert retry.allowed_methods is None  # POST searches are retried too


def test_answers_are_read_as_mlflows_client_reads_them() -> None:
    version = rest._model_version({"name": "m", "version": "2", "tags": [{"key": "k", "value": "v"}]})
    assert version == rest.ModelVersion("m", "2", "", None, "PENDING_REGISTRATION", {"k": "v"})
    run = rest._run({"info": {"run_id": "r"}, "data": {"metrics": [{"key": "auc", "value": "NaN"}]}})
    assert run.info.run_id == "r" and run.info.artifact_uri is None and math.isnan(run.data.metrics["auc"])
    model = rest._registered_model({"name": "m", "aliases": [{"alias": "dev", "version": "2"}]})
    assert model == rest.RegisteredModel("m", {"dev": "2"}, {})


class Answer:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self.content = status, body
        self.text = body.decode()

    def json(self) -> object:
        import json

        return json.loads(self.content)


def test_error_answers_keep_mlflows_error_code_or_the_status() -> None:
    with pytest.raises(rest.RestError) as raised:
        rest._answer(Answer(404, b'{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no model m"}'))
    assert raised.value.error_code == rest.ABSENT and raised.value.status == 404
    with pytest.raises(rest.RestError, match="HTTP 403: <html>forbidden</html>"):
        rest._answer(Answer(403, b"<html>forbidden</html>"))
    assert rest._answer(Answer(200, b"")) == {}
