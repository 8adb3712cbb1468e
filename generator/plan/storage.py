"""Where the cluster reads a model version's artifacts from (Seldon's `modelUri`).

Pure: the registry layer has already resolved `runs:/`, `models:/` and friends to the storage
location MLflow recorded; this module applies the configured rewrites (RE2 patterns, so matching
time stays linear in the source whatever the pattern) and refuses locations a Seldon storage
initializer cannot read.
"""

from __future__ import annotations

from generator.config import Rewrite
from generator.config.rewrite_regex import rewrite as apply_rewrite
from generator.errors import ModelRejected, credentials_in, redact
from generator.model import ModelVersion

CLUSTER_SCHEMES = ("s3://", "gs://", "pvc://", "azureblob:")


def check_source(version: ModelVersion, label: str) -> None:
    """`ModelRejected` when the version's source or artifact location carries credentials.

    Such a source would be written to Git (the `source` annotation, `modelUri`) for everyone who
    can read the repository; the message names the model and version (`label`), never the secret.
    """
    for what, location in (("source", version.source), ("artifact location", version.storage_uri)):
        kind = credentials_in(location)
        if kind:
            raise ModelRejected(
                f"{label}: the version's {what} {redact(location)!r} carries credentials ({kind})",
                "register the version without them and give the cluster access through "
                "seldon.env_secret_ref_name",
            )


def model_uri(storage_uri: str, rewrites: list[Rewrite], label: str) -> str:
    """The rewritten location, or `ModelRejected` naming the model (`label`) and the fix."""
    uri = storage_uri
    for rewrite in rewrites:
        rewritten = apply_rewrite(rewrite.from_, rewrite.to, uri)
        if rewritten is not None:
            uri = rewritten
            break
    kind = credentials_in(uri)
    if kind:
        raise ModelRejected(
            f"{label}: the rewritten artifact location {redact(uri)!r} carries credentials ({kind})",
            "storage.rewrites must not put credentials in modelUri; use seldon.env_secret_ref_name",
        )
    if not uri.startswith(CLUSTER_SCHEMES):
        raise ModelRejected(
            f"{label}: artifact location {uri!r} cannot be read by the cluster",
            "store artifacts in s3://, gs://, pvc:// or azureblob:, "
            "or add a storage.rewrites entry mapping this location",
        )
    return uri.rstrip("/")
