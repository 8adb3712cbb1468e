"""Pre-deployment checks of a model version's artifacts, read through MLflow's artifact code.

Before anything is rendered, each newly deployed version's `MLmodel` file is read from where the
registry says the artifacts live (S3, GCS, the MLflow artifact proxy, a local store ...) and its
flavors are matched against the Seldon server that will serve it. Versions are deduplicated by
location, and a version already deployed in Git is not checked again.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from generator import timing, yamlio
from generator.errors import shorten

REQUIRED_FLAVOR = {
    "MLFLOW_SERVER": "python_function",
    "SKLEARN_SERVER": "sklearn",
    "XGBOOST_SERVER": "xgboost",
    "TENSORFLOW_SERVER": "tensorflow",
}


def check_model_files(tracking_uri: str, locations: dict[str, set[str]]) -> dict[str, str]:
    """`{storage uri: {implementation, ...}}` -> `{storage uri: problem}` for the ones that fail."""
    problems = {}
    for done, (uri, implementations) in enumerate(sorted(locations.items())):
        timing.progress("artifacts", done, len(locations))
        flavors, problem = _flavors(tracking_uri, uri)
        if problem:
            problems[uri] = problem
            continue
        for implementation in sorted(implementations):
            needed = REQUIRED_FLAVOR.get(implementation)
            if needed and needed not in flavors:
                have = ", ".join(sorted(flavors)) or "none"
                problems[uri] = (
                    f"{implementation} needs the {needed!r} flavor but the MLmodel file has {have}; "
                    "log the model with that flavor or choose another implementation"
                )
                break
    return problems


def _flavors(tracking_uri: str, uri: str) -> tuple[set[str], str | None]:
    import mlflow.artifacts

    with tempfile.TemporaryDirectory(prefix="model-gitops-mlmodel-") as directory:
        try:
            path = mlflow.artifacts.download_artifacts(
                artifact_uri=f"{uri.rstrip('/')}/MLmodel", dst_path=directory, tracking_uri=tracking_uri
            )
            text = Path(path).read_text("utf-8")
        except Exception as exc:  # noqa: BLE001 - any storage failure is this version's problem
            reason = shorten(" ".join(str(exc).split()), 160) or type(exc).__name__
            return set(), f"cannot read the MLmodel file at {uri} ({reason}); check the artifacts exist"
    try:
        document = yamlio.load(text)
    except (yamlio.YAMLError, RecursionError):  # RecursionError: nesting deeper than Python's stack
        return set(), f"the MLmodel file at {uri} is not valid YAML (or nested too deeply)"
    flavors = document.get("flavors") if isinstance(document, dict) else None
    if not isinstance(flavors, dict):
        return set(), f"the MLmodel file at {uri} lists no flavors"
    return {str(name) for name in flavors}, None
