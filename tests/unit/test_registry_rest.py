"""The REST reader's answers, read as MLflow's client reads them (its settings: test_mlflow_http)."""

from __future__ import annotations

import math

import pytest

from generator.model import RegisteredModel
from generator.registry import rest


def test_answers_are_read_as_mlflows_client_reads_them() -> None:
    version = rest._model_version({"name": "m", "version": "2", "tags": [{"key": "k", "value": "v"}]})
    assert version == rest.ModelVersion("m", "2", "", None, "PENDING_REGISTRATION", {"k": "v"})
    run = rest._run({"info": {"run_id": "r"}, "data": {"metrics": [{"key": "auc", "value": "NaN"}]}})
    assert run.info.run_id == "r" and run.info.artifact_uri is None and math.isnan(run.data.metrics["auc"])
    model = rest._registered_model({"name": "m", "aliases": [{"alias": "dev", "version": "2"}]})
    assert model == RegisteredModel("m", {"dev": "2"}, {})


class Answer:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self.content = status, body
        self.text = body.decode()

    def json(self) -> object:
        import json

        return json.loads(self.content)


def test_error_answers_keep_mlflows_error_code_or_the_status() -> None:
    with pytest.raises(rest.RestError) as raised:
        rest._answer(Answer(404, b'{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no model m"}'))
    assert raised.value.error_code == rest.ABSENT and raised.value.status == 404
    with pytest.raises(rest.RestError, match="HTTP 403: <html>forbidden</html>"):
        rest._answer(Answer(403, b"<html>forbidden</html>"))
    assert rest._answer(Answer(200, b"")) == {}
