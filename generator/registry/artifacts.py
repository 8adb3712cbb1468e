"""Pre-deployment reads of a model version's own files.

Before anything is rendered, each newly deployed version's `MLmodel` file is read from where the
registry says the artifacts live (S3, GCS, the MLflow artifact proxy, a local store ...), with the
environment it was saved in: `requirements.txt` (else `conda.yaml`'s pip list) and the saving
Python (`MLmodel`, else `python_env.yaml`). `generator.plan.compat` judges them against the
runtime that will serve the version. Versions are deduplicated by location.

Locations behind MLflow's artifact proxy (`mlflow-artifacts:`, http(s)) are read with one pooled
GET per file (`generator.registry.proxied`); every other store through MLflow's artifact code.
Facts already read can be kept between runs (`generator.registry.factcache`).
"""

from __future__ import annotations

import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator import timing, yamlio
from generator.errors import shorten
from generator.model.runtime import ModelFacts, normalised
from generator.registry.factcache import FOLDER, FactCache
from generator.registry.proxied import SCHEMES, ArtifactProxy, proxy_for

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:==\s*([^\s;,#]+))?")


def read_model_facts(
    tracking_uri: str, uris: set[str], workers: int = 16, cache_dir: Path | None = None
) -> dict[str, ModelFacts | str]:
    """`{storage uri: facts}`, or a one-line problem for a version whose MLmodel cannot be read.

    Up to `workers` versions are read at once (each read is a few small downloads: the time is
    the storage's, for the artifact proxy the tracking server's CPU per request, see
    docs/performance.md "Artifact check throughput"). With `cache_dir`, facts read by an earlier
    run are reused and new ones kept (`generator.registry.factcache`): only failures and versions
    never seen are read.
    """
    cache = FactCache(cache_dir / FOLDER, tracking_uri) if cache_dir is not None else None
    found: dict[str, ModelFacts | str] = dict(cache.known(uris)) if cache is not None else {}
    missing = sorted(uris - set(found))
    if missing:
        proxy = _proxy(tracking_uri, workers, missing)
        try:
            found.update(_read_all(tracking_uri, missing, workers, proxy))
        finally:
            if proxy is not None:
                proxy.close()
    if cache is not None:
        cache.keep({uri: facts for uri in missing if isinstance(facts := found[uri], ModelFacts)})
    return found


def _read_all(
    tracking_uri: str, ordered: list[str], workers: int, proxy: ArtifactProxy | None
) -> dict[str, ModelFacts | str]:
    found: dict[str, ModelFacts | str] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(ordered)))) as pool:
        read = pool.map(lambda uri: _read(tracking_uri, uri, proxy), ordered)
        for done, (uri, facts) in enumerate(zip(ordered, read, strict=True)):
            timing.progress("artifacts", done, len(ordered))
            found[uri] = facts
    return found


def _proxy(tracking_uri: str, workers: int, uris: list[str]) -> ArtifactProxy | None:
    """The artifact proxy reader when any of `uris` is served by it (and MLflow's auth allows)."""
    if not any(urlsplit(uri).scheme in SCHEMES for uri in uris):
        return None
    return proxy_for(tracking_uri, workers)


def _read(tracking_uri: str, uri: str, proxy: ArtifactProxy | None) -> ModelFacts | str:
    folder = uri.rstrip("/")
    if proxy is not None and proxy.serves(folder):
        return _facts(_ProxiedFolder(proxy, folder))
    with tempfile.TemporaryDirectory(prefix="model-gitops-mlmodel-") as directory:
        return _facts(_Folder(tracking_uri, folder, Path(directory)))


class _Folder:
    """A version's artifact folder, read one named file at a time: one request per file.

    MLflow's `download_artifacts` first lists a path to learn whether it is a directory (a
    second request per file); the folder's artifact repository is resolved once (a `models:/`
    or `runs:/` URI costs its lookup once) and asked for each file by name."""

    def __init__(self, tracking_uri: str, uri: str, directory: Path) -> None:
        self.tracking_uri, self.uri, self.directory = tracking_uri, uri, directory
        self._repository: Any = None

    def text(self, name: str) -> str:
        local = self.directory / name
        try:
            self._resolved()._download_file(remote_file_path=name, local_path=str(local))
        except (AttributeError, TypeError):  # an MLflow without the private call: list, then get
            return _download(self.tracking_uri, f"{self.uri}/{name}", self.directory)
        return local.read_text("utf-8")

    def _resolved(self) -> Any:
        if self._repository is None:
            from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

            self._repository = get_artifact_repository(artifact_uri=self.uri, tracking_uri=self.tracking_uri)
        return self._repository


class _ProxiedFolder:
    """A version's artifact folder behind MLflow's artifact proxy: one pooled GET per file."""

    def __init__(self, proxy: ArtifactProxy, uri: str) -> None:
        self.proxy, self.uri = proxy, uri

    def text(self, name: str) -> str:
        return self.proxy.text(self.uri, name)


def _facts(folder: _Folder | _ProxiedFolder) -> ModelFacts | str:
    uri = folder.uri
    try:
        text = folder.text("MLmodel")
    except Exception as exc:  # noqa: BLE001 - any storage failure is this version's problem
        reason = shorten(" ".join(str(exc).split()), 160) or type(exc).__name__
        return f"cannot read the MLmodel file at {uri} ({reason}); check the artifacts exist"
    document = _yaml(text)
    if document is None:
        return f"the MLmodel file at {uri} is not valid YAML (or nested too deeply)"
    flavors = document.get("flavors")
    if not isinstance(flavors, dict) or not flavors:
        return f"the MLmodel file at {uri} lists no flavors"
    pyfunc = flavors.get("python_function")
    python = str(pyfunc.get("python_version") or "") if isinstance(pyfunc, dict) else ""
    requirements = _optional(folder, "requirements.txt")
    conda = _yaml(_optional(folder, "conda.yaml")) if requirements is None else None
    if not python:
        python = str((_yaml(_optional(folder, "python_env.yaml")) or {}).get("python") or "")
    return ModelFacts(
        flavors={str(k): dict(v) if isinstance(v, dict) else {} for k, v in flavors.items()},
        mlflow_version=str(document.get("mlflow_version") or ""),
        python=python or _conda_python(conda),
        requirements=pins(requirements.splitlines() if requirements is not None else _conda_pip(conda)),
        signature_required=_signature_required(document.get("signature")),
    )


def pins(lines: list[str]) -> dict[str, str]:
    """`name==version` lines -> `{normalised name: version}` ("" when not pinned exactly)."""
    found = {}
    for line in lines:
        if line.strip().startswith(("#", "-")):
            continue
        match = PIN.match(line)
        if match:
            found[normalised(match.group(1))] = match.group(2) or ""
    return found


def _signature_required(signature: Any) -> bool:
    """MLflow >= 2.10 writes `"required": ...` on every column of a signature."""
    if not isinstance(signature, dict):
        return False
    return any('"required"' in str(signature.get(part) or "") for part in ("inputs", "outputs"))


def _conda_python(conda: Any) -> str:
    for item in _conda_dependencies(conda):
        if isinstance(item, str) and item.replace(" ", "").startswith("python="):
            return item.replace(" ", "").split("=", 1)[1]
    return ""


def _conda_pip(conda: Any) -> list[str]:
    for item in _conda_dependencies(conda):
        if isinstance(item, dict) and isinstance(item.get("pip"), list):
            return [str(line) for line in item["pip"]]
    return []


def _conda_dependencies(conda: Any) -> list[Any]:
    dependencies = conda.get("dependencies") if isinstance(conda, dict) else None
    return dependencies if isinstance(dependencies, list) else []


def _yaml(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        document = yamlio.load(text)
    except (yamlio.YAMLError, RecursionError):  # RecursionError: nesting deeper than Python's stack
        return None
    return document if isinstance(document, dict) else {}


def _optional(folder: _Folder | _ProxiedFolder, name: str) -> str | None:
    """The file's text, or None when it is absent or unreadable (older models lack some)."""
    try:
        return folder.text(name)
    except Exception:  # noqa: BLE001 - an optional file: its absence only skips rules
        return None


def _download(tracking_uri: str, uri: str, directory: Path) -> str:
    import mlflow.artifacts

    path = mlflow.artifacts.download_artifacts(
        artifact_uri=uri, dst_path=str(directory), tracking_uri=tracking_uri
    )
    return Path(path).read_text("utf-8")
