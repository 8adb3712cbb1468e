"""Fetch what the serve check needs from MLflow: named versions and a model's whole directory.

Downloads go through MLflow's artifact code (`mlflow.artifacts.download_artifacts`), so every store
MLflow reads (the artifact proxy, S3, GCS, a local path ...) works with MLflow's own credentials.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from generator.errors import RegistryError
from generator.model import ModelVersion
from generator.registry.reader import RegistryReader, _version, translate_errors


def read_versions(tracking_uri: str, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ModelVersion]:
    """The versions named by (model, version) pairs, with their storage location resolved."""
    from mlflow.exceptions import MlflowException

    reader = RegistryReader(tracking_uri)
    found = {}
    with translate_errors(tracking_uri):
        for model, version in sorted(set(pairs)):
            try:
                found[(model, version)] = _version(reader.client.get_model_version(model, version))
            except MlflowException as exc:
                if "RESOURCE_DOES_NOT_EXIST" not in str(exc.error_code):
                    raise
                raise RegistryError(
                    f"{model} has no version {version} in the registry", "check the name and the version"
                ) from None
        return reader.resolve_storage(found)


def download_model(tracking_uri: str, uri: str, destination: Path) -> Path:
    """Download the model directory at `uri` into `destination`; the local directory."""
    import mlflow.artifacts

    try:
        path = mlflow.artifacts.download_artifacts(
            artifact_uri=uri, dst_path=str(destination), tracking_uri=tracking_uri
        )
    except Exception as exc:  # noqa: BLE001 - any storage failure is this version's problem
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise RegistryError(
            f"cannot download the model at {uri} ({reason})", "check the artifacts exist"
        ) from None
    return Path(path)
