from __future__ import annotations

import pytest

from generator.config import Rewrite
from generator.errors import ModelRejected
from generator.plan.storage import model_uri


@pytest.mark.parametrize("uri", ["s3://b/m", "gs://b/m", "pvc://claim/m", "azureblob://c/m"])
def test_cluster_locations_pass_through(uri: str) -> None:
    assert model_uri(uri, [], "dev: m version 1") == uri


def test_first_matching_rewrite_applies() -> None:
    rewrites = [
        Rewrite.model_validate({"from": "mlflow-artifacts:/", "to": "s3://artifacts/"}),
        Rewrite.model_validate({"from": "mlflow-artifacts:/x", "to": "gs://never/"}),
    ]
    assert model_uri("mlflow-artifacts:/1/models/m-1/artifacts", rewrites, "l") == (
        "s3://artifacts/1/models/m-1/artifacts"
    )


@pytest.mark.parametrize("uri", ["file:///tmp/m", "mlflow-artifacts:/1/m", "http://x/m", "/abs/path"])
def test_unreadable_locations_are_rejected_with_the_fix(uri: str) -> None:
    with pytest.raises(ModelRejected) as caught:
        model_uri(uri, [], "prod: fraud version 8")
    message = caught.value.one_line()
    assert "prod: fraud version 8" in message and "storage.rewrites" in message
