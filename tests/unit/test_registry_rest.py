"""The REST reader's answers, read as MLflow's client reads them (its settings: test_mlflow_http)."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest

from generator.model import RegisteredModel
from generator.registry import rest
from tests.support.cli import invoke
from tests.support.local_http import QuietHandler, serving


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


@pytest.mark.parametrize(
    "body",
    [
        "<html>sign in</html>",  # a proxy's login page, answered with 200
        {"registered_models": "not a list"},
        {"registered_models": [{"name": "m", "aliases": "not a list"}]},
        {
            "registered_models": [{"name": "m", "aliases": [{"alias": "dev", "version": "1"}]}],
            "model_versions": [3],
        },
    ],
)
def test_an_answer_not_shaped_as_mlflows_is_one_line_not_a_traceback(body: object, tmp_path: Path) -> None:
    kind = "application/json" if isinstance(body, dict) else "text/html"

    class NotMlflow(QuietHandler):
        def do_GET(self) -> None:
            self.answer(200, body, kind)

        do_POST = do_GET

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "dev.yaml").write_text("namespace: models-dev\nalias: dev\n")
    with serving(NotMlflow) as url:
        result = invoke(["plan", "--tracking-uri", url, "--cache-dir", str(tmp_path / "cache")], cwd=tmp_path)
    assert result.code == 1, result.err
    assert result.err.count("\n") == 1 and "MALFORMED_RESPONSE: the answer is not MLflow's" in result.err
