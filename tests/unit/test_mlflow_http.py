"""MLflow's client environment read without MLflow, checked against what MLflow's own code reads."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from generator.errors import RegistryError
from generator.registry import mlflow_http, rest

TRACKING_URIS = ("http://mlflow.internal:5000", "https://MLflow.example.com/prefix/", "http://127.0.0.1")
ARTIFACT_URIS = (
    "mlflow-artifacts:/1/models/m-a/artifacts",
    "mlflow-artifacts:/1/m/",
    "mlflow-artifacts:/",
    "mlflow-artifacts:/api/2.0/mlflow-artifacts/artifacts",
    "mlflow-artifacts://elsewhere:5000/1/m",
    "mlflow-artifacts://mlflow.internal/0/run id/artifacts;v=1?q=1#f",
    "mlflow-artifacts:///1//m",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for variable in (
        *mlflow_http.NEEDS_MLFLOW,
        mlflow_http.WORKSPACE,
        mlflow_http.DATABRICKS_RUNTIME,
        "MLFLOW_TRACKING_TOKEN",
        "MLFLOW_TRACKING_USERNAME",
        "MLFLOW_TRACKING_PASSWORD",
        "MLFLOW_TRACKING_INSECURE_TLS",
        "MLFLOW_TRACKING_SERVER_CERT_PATH",
        "MLFLOW_TRACKING_CLIENT_CERT_PATH",
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR",
        "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER",
        "MLFLOW_HTTP_REQUEST_TIMEOUT",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_what_needs_mlflows_own_client(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not mlflow_http.needs_mlflow("http://mlflow:5000")
    assert mlflow_http.needs_mlflow("sqlite:///mlflow.db") and mlflow_http.needs_mlflow("databricks")
    monkeypatch.setenv("MLFLOW_TRACKING_AWS_SIGV4", "true")
    assert mlflow_http.needs_mlflow("http://mlflow:5000") and mlflow_http.needs_mlflow_auth()
    monkeypatch.delenv("MLFLOW_TRACKING_AWS_SIGV4")
    monkeypatch.setenv(mlflow_http.DATABRICKS_RUNTIME, "15.4")
    assert mlflow_http.needs_mlflow("http://mlflow:5000") and not mlflow_http.needs_mlflow_auth()
    monkeypatch.delenv(mlflow_http.DATABRICKS_RUNTIME)
    monkeypatch.setattr(mlflow_http, "_header_plugins", lambda: True)
    assert mlflow_http.needs_mlflow("http://mlflow:5000") and mlflow_http.mlflow_adds_headers()


def test_only_plain_http_registries_use_the_rest_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rest.usable("http://mlflow:5000") and rest.usable("https://mlflow.example.com/prefix")
    assert not rest.usable("sqlite:///mlflow.db") and not rest.usable("databricks")
    monkeypatch.setenv("MLFLOW_WORKSPACE", "team-a")
    assert not rest.usable("http://mlflow:5000")
    monkeypatch.delenv("MLFLOW_WORKSPACE")
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", "my-plugin")
    assert not rest.usable("http://mlflow:5000")


def test_basic_auth_wins_over_the_token_and_comes_from_the_credentials_file(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "t0k3n")
    assert mlflow_http.auth_header() == {"Authorization": "Bearer t0k3n"}
    stored = clean_environment / ".mlflow" / "credentials"
    stored.parent.mkdir()
    stored.write_text("[mlflow]\nmlflow_tracking_username = ci\nmlflow_tracking_password = from-file\n")
    expected = base64.b64encode(b"ci:from-file").decode()
    assert mlflow_http.auth_header() == {"Authorization": f"Basic {expected}"}
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "from-env")
    assert mlflow_http.auth_header() == {
        "Authorization": f"Basic {base64.b64encode(b'ci:from-env').decode()}"
    }


def test_credentials_and_default_headers_are_mlflows(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    from mlflow.tracking.request_header.registry import resolve_request_headers
    from mlflow.utils.credentials import get_default_host_creds
    from mlflow.utils.workspace_utils import WORKSPACE_HEADER_NAME

    stored = clean_environment / ".mlflow" / "credentials"
    stored.parent.mkdir()
    stored.write_text("[mlflow]\nmlflow_tracking_username = ci\nmlflow_tracking_password = pw\n")
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ann")
    creds = get_default_host_creds("http://mlflow:5000")
    assert mlflow_http.credentials() == (creds.username, creds.password)
    headers = mlflow_http.client_headers()
    assert {k: v for k, v in headers.items() if k != "Authorization"} == resolve_request_headers()
    assert mlflow_http.WORKSPACE_HEADER == WORKSPACE_HEADER_NAME


def test_tls_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import certifi

    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(variable, raising=False)
    assert mlflow_http.verify() is True
    assert mlflow_http.pool_tls() == {"cert_reqs": "CERT_REQUIRED", "ca_certs": certifi.where()}
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path))  # a folder of CA certificates
    assert mlflow_http.pool_tls() == {"cert_reqs": "CERT_REQUIRED", "ca_cert_dir": str(tmp_path)}
    monkeypatch.setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", "/etc/ca.pem")
    assert mlflow_http.verify() == "/etc/ca.pem"
    assert mlflow_http.pool_tls() == {"cert_reqs": "CERT_REQUIRED", "ca_certs": "/etc/ca.pem"}
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "true")
    with pytest.raises(RegistryError, match="both set"):
        mlflow_http.verify()
    monkeypatch.delenv("MLFLOW_TRACKING_SERVER_CERT_PATH")
    assert mlflow_http.verify() is False and mlflow_http.pool_tls() == {"cert_reqs": "CERT_NONE"}
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "yes please")
    with pytest.raises(RegistryError, match="not true or false"):
        mlflow_http.verify()
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "0")
    monkeypatch.setenv("MLFLOW_TRACKING_CLIENT_CERT_PATH", "/etc/client.pem")
    assert mlflow_http.pool_tls()["cert_file"] == "/etc/client.pem"
    reader = rest.RestReader("https://mlflow.example.com/")
    assert reader.session.verify is True and reader.session.cert == "/etc/client.pem"
    assert reader.base == "https://mlflow.example.com/api/2.0/mlflow"


def test_insecure_tls_is_not_overridden_by_a_ca_bundle_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """requests lets REQUESTS_CA_BUNDLE replace a session's `verify`; MLflow passes it per request."""
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "true")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))
    reader = rest.RestReader("https://mlflow.example.com/")
    sent: dict[str, object] = {}

    def send(request: object, **kwargs: object) -> object:
        sent.update(kwargs)
        raise OSError("not sent")

    monkeypatch.setattr(reader.session, "send", send)
    with pytest.raises(OSError, match="not sent"):
        reader.get_registered_model("m")
    assert sent["verify"] is False


def test_retries_follow_mlflows_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "3")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "7")
    retry = mlflow_http.retry()
    assert (retry.total, retry.status, retry.backoff_factor, retry.raise_on_status) == (3, 3, 1.0, True)
    assert 500 in retry.status_forcelist and 429 in retry.status_forcelist
    assert retry.allowed_methods is None  # POST searches are retried too
    assert mlflow_http.retry(raise_on_status=False).raise_on_status is False
    assert mlflow_http.timeout() == 7.0


@pytest.mark.parametrize("tracking_uri", TRACKING_URIS)
@pytest.mark.parametrize("artifact_uri", ARTIFACT_URIS)
def test_mlflow_artifacts_uris_resolve_as_mlflow_resolves_them(artifact_uri: str, tracking_uri: str) -> None:
    from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository

    expected = MlflowArtifactsRepository.resolve_uri(artifact_uri, tracking_uri)
    assert mlflow_http.artifacts_url(artifact_uri, tracking_uri) == expected


@pytest.mark.parametrize(
    ("artifact_uri", "tracking_uri"),
    [("mlflow-artifacts://5000/1/m", "http://mlflow:5000"), ("mlflow-artifacts:/1/m", "sqlite:///m.db")],
)
def test_mlflow_artifacts_uris_mlflow_refuses_are_refused(artifact_uri: str, tracking_uri: str) -> None:
    from mlflow.exceptions import MlflowException
    from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository

    with pytest.raises(MlflowException):
        MlflowArtifactsRepository.resolve_uri(artifact_uri, tracking_uri)
    with pytest.raises(ValueError):
        mlflow_http.artifacts_url(artifact_uri, tracking_uri)
