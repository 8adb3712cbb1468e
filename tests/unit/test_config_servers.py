"""Server/protocol pairs with no image in Seldon's default seldon-config are refused at config load."""

from __future__ import annotations

import pytest

from generator.config.loader import parse_environment
from generator.config.servers import default_image
from generator.errors import ConfigError

BASE = "namespace: d\nalias: dev\n"
WHY = "in Seldon Core v1.18.2's default seldon-config, so its pods would start without one"


@pytest.mark.parametrize(
    ("implementation", "protocol", "image"),
    [
        ("MLFLOW_SERVER", "seldon", "seldonio/mlflowserver:1.18.2"),
        ("MLFLOW_SERVER", "v2", "seldonio/mlserver:1.3.5-mlflow"),
        ("SKLEARN_SERVER", "v2", "seldonio/mlserver:1.3.5-sklearn"),
        ("XGBOOST_SERVER", "seldon", "seldonio/xgboostserver:1.18.2"),
        ("TENSORFLOW_SERVER", "seldon", "seldonio/tfserving-proxy:1.18.2"),
        ("TRITON_SERVER", "v2", "nvcr.io/nvidia/tritonserver:21.08-py3"),
        ("HUGGINGFACE_SERVER", "v2", "seldonio/mlserver:1.3.5-huggingface"),
        ("HUGGINGFACE_SERVER", "kfserving", "seldonio/mlserver:1.3.5-huggingface"),  # v2 stands in
        ("TEMPO_SERVER", "", None),  # empty protocol means seldon
        ("TRITON_SERVER", "seldon", None),
        ("TENSORFLOW_SERVER", "v2", None),
        ("MLFLOW_SEVER", "v2", None),
    ],
)
def test_default_images(implementation: str, protocol: str, image: str | None) -> None:
    assert default_image(implementation, protocol) == image


@pytest.mark.parametrize(
    ("seldon", "message"),
    [
        (
            "{implementation: TRITON_SERVER}",
            f"seldon.implementation: TRITON_SERVER has no image for protocol seldon (seldon.protocol) {WHY}; "
            "TRITON_SERVER runs with protocol v2, or declare seldon.runtime with an image",
        ),
        (
            "{implementation: HUGGINGFACE_SERVER, protocol: seldon}",
            "seldon.implementation: HUGGINGFACE_SERVER has no image for protocol seldon "
            f"(seldon.protocol) {WHY}; "
            "HUGGINGFACE_SERVER runs with protocol v2, or declare seldon.runtime with an image",
        ),
        (
            "{implementation: TENSORFLOW_SERVER, protocol: v2}",
            f"seldon.implementation: TENSORFLOW_SERVER has no image for protocol v2 (seldon.protocol) {WHY}; "
            "TENSORFLOW_SERVER runs with protocol seldon, or declare seldon.runtime with an image",
        ),
    ],
)
def test_environment_pair_without_image_is_refused(seldon: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_environment(f"{BASE}seldon: {seldon}\n", "environments/dev.yaml")
    assert str(error.value) == f"environments/dev.yaml: {message}"


def test_pairs_with_an_image_load() -> None:
    for seldon in ("{implementation: TRITON_SERVER, protocol: v2}", "{implementation: TENSORFLOW_SERVER}"):
        parse_environment(f"{BASE}seldon: {seldon}\n", "environments/dev.yaml")


def test_an_override_is_checked_with_what_it_inherits() -> None:
    text = f"""{BASE}seldon: {{implementation: TRITON_SERVER, protocol: v2}}
overrides:
  ok: {{replicas: 2}}
  tf: {{implementation: TENSORFLOW_SERVER}}
  back: {{protocol: seldon}}
"""
    with pytest.raises(ConfigError) as error:
        parse_environment(text, "environments/prod.yaml")
    assert str(error.value) == (
        "environments/prod.yaml: overrides.tf.implementation: TENSORFLOW_SERVER has no image for "
        f"protocol v2 (seldon.protocol) {WHY}; TENSORFLOW_SERVER runs with protocol seldon, "
        "or declare seldon.runtime with an image; "
        f"environments/prod.yaml: overrides.back.protocol: TRITON_SERVER has no image for protocol seldon "
        f"(overrides.back.protocol) {WHY}; TRITON_SERVER runs with protocol v2, "
        "or declare seldon.runtime with an image"
    )


def test_an_override_that_fixes_the_pair_loads() -> None:
    text = f"{BASE}overrides:\n  hf: {{implementation: HUGGINGFACE_SERVER, protocol: v2}}\n"
    config = parse_environment(text, "environments/dev.yaml")
    assert (config.seldon_for("hf").implementation, config.seldon_for("hf").protocol) == (
        "HUGGINGFACE_SERVER",
        "v2",
    )


RUNTIME = "{image: ghcr.io/acme/triton:24.01, python: '3.11'}"


def test_a_declared_runtime_gives_the_image_a_pair_lacks() -> None:
    text = f"{BASE}seldon: {{implementation: TRITON_SERVER, protocol: seldon, runtime: {RUNTIME}}}\n"
    config = parse_environment(text, "environments/dev.yaml")
    assert config.seldon.runtime is not None and config.seldon.runtime.image == "ghcr.io/acme/triton:24.01"


def test_an_override_with_its_own_runtime_may_use_a_pair_without_image() -> None:
    text = (
        f"{BASE}overrides:\n  tf: {{implementation: TENSORFLOW_SERVER, protocol: v2, runtime: {RUNTIME}}}\n"
    )
    config = parse_environment(text, "environments/dev.yaml")
    assert config.seldon_for("tf").runtime == config.overrides["tf"].runtime


@pytest.mark.parametrize(
    ("runtime", "message"),
    [
        ("{python: '3.11'}", "seldon.runtime.image: this key is required"),
        ("{image: 'Bad Image', python: '3.11'}", "seldon.runtime.image: must be a container image reference"),
        ("{image: a/b:1, python: '3'}", "seldon.runtime.python: must be a Python major.minor version"),
        (
            "{image: a/b:1, python: '3.11', packages: {mlflow: '>=3'}}",
            "must be an exact version such as 3.17.2",
        ),
        ("{image: a/b:1, python: '3.11', pakages: {}}", "seldon.runtime.pakages"),
        ("{image: a/b:1, python: 3.10}", "seldon.runtime.python: write the version in quotes ('3.1')"),
        ("{image: a/b:1, python: '3.11', packages: {mlflow: 3.10}}", "mlflow: write the version in quotes"),
    ],
)
def test_a_bad_runtime_is_refused_naming_the_key(runtime: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_environment(f"{BASE}seldon: {{runtime: {runtime}}}\n", "environments/dev.yaml")
    assert message in str(error.value)
    assert str(error.value).startswith("environments/dev.yaml: ")
