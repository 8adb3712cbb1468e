"""Write-back to MLflow: tags on model versions (deployment state, rollbacks).

Batched per version; failures are translated like reads (`RegistryError` naming the URI).
"""

from __future__ import annotations

from generator.registry.reader import RegistryReader, translate_errors


def tag_versions(tracking_uri: str, tags: dict[tuple[str, str], dict[str, str]]) -> None:
    """Set `tags[(model, version)]` on each model version (existing tags with other keys stay)."""
    if not tags:
        return
    client = RegistryReader(tracking_uri).client
    with translate_errors(tracking_uri):
        for (model, version), values in sorted(tags.items()):
            for key, value in sorted(values.items()):
                client.set_model_version_tag(model, version, key, value)
