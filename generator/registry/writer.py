"""Write-back to MLflow: tags on model versions (deployment state, rollbacks).

MLflow has no batch endpoint for model-version tags, so the calls run on a small thread pool
(bounded, `WRITERS` at a time); the first write-back of a large registry then costs seconds, and
later runs only write what changed. Failures are translated like reads (`RegistryError`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from generator.registry.reader import RegistryReader, translate_errors

WRITERS = 8


def tag_versions(tracking_uri: str, tags: dict[tuple[str, str], dict[str, str]]) -> None:
    """Set `tags[(model, version)]` on each model version (existing tags with other keys stay)."""
    calls = [
        (model, version, key, value)
        for (model, version), values in sorted(tags.items())
        for key, value in sorted(values.items())
    ]
    if not calls:
        return
    client = RegistryReader(tracking_uri).client
    with translate_errors(tracking_uri), ThreadPoolExecutor(max_workers=min(WRITERS, len(calls))) as pool:
        futures = [pool.submit(client.set_model_version_tag, *call) for call in calls]
        for future in futures:
            future.result()


def set_aliases(tracking_uri: str, aliases: dict[tuple[str, str], str]) -> None:
    """Point `model@alias` at `version` for each `(model, alias): version`."""
    if not aliases:
        return
    client = RegistryReader(tracking_uri).client
    with translate_errors(tracking_uri):
        for (model, alias), version in sorted(aliases.items()):
            client.set_registered_model_alias(model, alias, version)
