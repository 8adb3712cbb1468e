"""The registry read over MLflow's REST API (http(s) URIs) against the `MlflowClient` path: the
same Snapshot from a real `mlflow server`, the same one-line errors, and no `import mlflow`."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from generator.errors import RegistryError
from generator.registry import read_snapshot, rest
from generator.registry.reader import RegistryReader
from tests.support.local_http import QuietHandler, serving
from tests.support.proxy import FaultProxy
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

ALIASES = {"dev", "staging", "champion"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prefix(registry: TestRegistry) -> str:
    """Models with tags, an odd name, a `runs:/` source and a plain storage source."""
    stem = registry.unique("rest")
    client = registry.client
    registry.create(f"{stem}-a", 3, {"dev": 3, "staging": 2, "champion": 1})
    client.set_registered_model_tag(f"{stem}-a", "model-gitops.replicas", "3")
    client.set_model_version_tag(f"{stem}-a", "2", "team", "ünïcode 🐍")
    registry.create(f"{stem}-quote's \\ 🐍", 1, {"dev": 1})
    registry.create(f"{stem}-runs", 2, {"dev": 2}, source=f"runs:/{registry.run_id}/model")
    registry.create(f"{stem}-path", 1, {"dev": 1}, source="s3://bucket/models/m")
    return stem


def both_paths(monkeypatch: pytest.MonkeyPatch, **kwargs: object) -> tuple[object, object]:
    """The snapshot over the REST API, then through `MlflowClient`, with the same arguments."""
    over_rest = read_snapshot(**kwargs)  # type: ignore[arg-type]
    with monkeypatch.context() as patched:
        patched.setattr(rest, "usable", lambda uri: False)
        through_mlflow = read_snapshot(**kwargs)  # type: ignore[arg-type]
    return over_rest, through_mlflow


def test_rest_and_mlflow_client_read_equal_snapshots(
    registry: TestRegistry, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wanted = lambda name: name.startswith(prefix)  # noqa: E731
    deployed = [(f"{prefix}-runs", "1"), (f"{prefix}-a", "9")]
    over_rest, through_mlflow = both_paths(
        monkeypatch,
        tracking_uri=registry.url,
        aliases=ALIASES,
        wanted=wanted,
        deployed=deployed,
        run_metrics=True,
    )
    assert over_rest == through_mlflow
    assert len(over_rest.models) == 4 and len(over_rest.versions) == 7  # type: ignore[attr-defined]


def test_rest_and_mlflow_client_read_equal_scoped_snapshots(
    registry: TestRegistry, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"{prefix}-a", f"{prefix}-quote's \\ 🐍", f"{prefix}-missing"]
    over_rest, through_mlflow = both_paths(
        monkeypatch, tracking_uri=registry.url, aliases=ALIASES, names=names
    )
    assert over_rest == through_mlflow
    assert sorted(over_rest.models) == sorted(names[:2])  # type: ignore[attr-defined]


def test_a_whole_registry_read_imports_no_mlflow(registry: TestRegistry, prefix: str) -> None:
    script = (
        "import sys; from generator.registry import read_snapshot; "
        f"snapshot = read_snapshot({registry.url!r}, {{'dev'}}, lambda n: n.startswith({prefix!r})); "
        "print(len(snapshot.models), 'mlflow' in sys.modules)"
    )
    assert printed_by(script) == ["4", "False"]


def test_an_artifact_check_imports_no_mlflow(registry: TestRegistry) -> None:
    """One version's MLmodel and environment, read from the server's artifact proxy."""
    model_id = registry.source.split("/", 1)[1]
    location = registry.client.get_logged_model(model_id).artifact_location
    assert location.startswith("mlflow-artifacts:/")
    script = (
        "import sys; from generator.registry.artifacts import read_model_facts; "
        f"facts = read_model_facts({registry.url!r}, {{{location!r}}})[{location!r}]; "
        "print(type(facts).__name__, 'python_function' in facts.flavors, 'mlflow' in sys.modules)"
    )
    assert printed_by(script) == ["ModelFacts", "True", "False"]


def printed_by(script: str) -> list[str]:
    """The words `script` prints, run in a fresh Python process (nothing imported yet)."""
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT, timeout=300
    )
    return found.stdout.split()


@pytest.mark.parametrize("over_rest", [True, False])
def test_an_unknown_endpoint_answer_is_the_same_one_line_error(
    registry: TestRegistry, monkeypatch: pytest.MonkeyPatch, over_rest: bool
) -> None:
    """A 500 answer that never recovers: the same message from either path."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setattr(rest, "usable", lambda uri: over_rest)
    with FaultProxy(registry.url) as proxy:
        proxy.always_fail = True
        with pytest.raises(RegistryError) as raised:
            read_snapshot(proxy.url, ALIASES)
    assert str(raised.value).startswith(f"MLflow at {proxy.url} failed with HTTP 500 after retries")


class Guarded(QuietHandler):
    """A stand-in MLflow that answers an empty registry to `Bearer good` or `Basic ci:secret`
    and 401 to anything else; it records the Authorization headers it saw."""

    seen: list[str] = []

    def do_GET(self) -> None:
        given = self.headers.get("Authorization", "")
        Guarded.seen.append(given)
        if given in ("Bearer good", "Basic " + base64.b64encode(b"ci:secret").decode()):
            self.answer(200, {})
        else:
            self.answer(401, {"error_code": "UNAUTHENTICATED", "message": "bad credentials"})


@pytest.mark.parametrize("over_rest", [True, False])
@pytest.mark.parametrize(
    ("settings", "accepted"),
    [
        ({"MLFLOW_TRACKING_TOKEN": "good"}, True),
        ({"MLFLOW_TRACKING_USERNAME": "ci", "MLFLOW_TRACKING_PASSWORD": "secret"}, True),
        ({"MLFLOW_TRACKING_TOKEN": "bad"}, False),
    ],
)
def test_credentials_from_the_environment_are_sent_alike(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, over_rest: bool, settings: dict[str, str], accepted: bool
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.mlflow/credentials
    for variable, value in settings.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setattr(rest, "usable", lambda uri: over_rest)
    Guarded.seen = []
    with serving(Guarded) as url:
        if accepted:
            assert read_snapshot(url, ALIASES).models == {}
        else:
            with pytest.raises(RegistryError) as raised:
                read_snapshot(url, ALIASES)
            assert str(raised.value) == (
                f"MLflow at {url} rejected the credentials: "
                "check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD"
            )
    assert len(Guarded.seen) == 1


def test_the_writer_side_client_is_still_mlflows(registry: TestRegistry) -> None:
    reader = RegistryReader(registry.url)
    assert isinstance(reader.api, rest.RestReader)
    assert type(reader.client).__name__ == "MlflowClient"
