"""Where the cluster reads a model version's artifacts from (Seldon's `modelUri`).

Pure: the registry layer has already resolved `runs:/`, `models:/` and friends to the storage
location MLflow recorded; this module applies the configured rewrites and refuses locations a
Seldon storage initializer cannot read.
"""

from __future__ import annotations

import re

from generator.config import Rewrite
from generator.errors import ModelRejected

CLUSTER_SCHEMES = ("s3://", "gs://", "pvc://", "azureblob:")


def model_uri(storage_uri: str, rewrites: list[Rewrite], label: str) -> str:
    """The rewritten location, or `ModelRejected` naming the model (`label`) and the fix."""
    uri = storage_uri
    for rewrite in rewrites:
        rewritten, count = re.subn(f"^(?:{rewrite.from_})", rewrite.to, uri, count=1)
        if count:
            uri = rewritten
            break
    if not uri.startswith(CLUSTER_SCHEMES):
        raise ModelRejected(
            f"{label}: artifact location {uri!r} cannot be read by the cluster",
            "store artifacts in s3://, gs://, pvc:// or azureblob:, "
            "or add a storage.rewrites entry mapping this location",
        )
    return uri.rstrip("/")
