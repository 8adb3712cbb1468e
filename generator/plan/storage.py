"""Where the cluster reads a model version's artifacts from (Seldon's `modelUri`).

Pure: the registry layer has already resolved `runs:/`, `models:/` and friends to the storage
location MLflow recorded; this module applies the configured rewrites (RE2 patterns, so matching
time stays linear in the source whatever the pattern) and refuses locations a Seldon storage
initializer cannot read.
"""

from __future__ import annotations

from generator.config import Rewrite
from generator.config.rewrite_regex import rewrite as apply_rewrite
from generator.errors import ModelRejected

CLUSTER_SCHEMES = ("s3://", "gs://", "pvc://", "azureblob:")


def model_uri(storage_uri: str, rewrites: list[Rewrite], label: str) -> str:
    """The rewritten location, or `ModelRejected` naming the model (`label`) and the fix."""
    uri = storage_uri
    for rewrite in rewrites:
        rewritten = apply_rewrite(rewrite.from_, rewrite.to, uri)
        if rewritten is not None:
            uri = rewritten
            break
    if not uri.startswith(CLUSTER_SCHEMES):
        raise ModelRejected(
            f"{label}: artifact location {uri!r} cannot be read by the cluster",
            "store artifacts in s3://, gs://, pvc:// or azureblob:, "
            "or add a storage.rewrites entry mapping this location",
        )
    return uri.rstrip("/")
