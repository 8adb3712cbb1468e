"""Every bad environment file gives one clear message naming the file and the key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config.loader import load_environments, parse_environment
from generator.errors import ConfigError


def test_namespace_and_alias_are_enough() -> None:
    config = parse_environment("namespace: models-dev\nalias: dev\n", "dev.yaml")
    assert config.seldon.implementation == "MLFLOW_SERVER"
    assert config.seldon.replicas == 1
    assert config.models.selects("anything")


def test_overrides_inherit_unset_fields() -> None:
    text = """
namespace: p
alias: champion
seldon: {replicas: 3, protocol: v2, resources: {requests: {cpu: 500m}}}
overrides:
  fraud: {replicas: 5, resources: {limits: {memory: 2Gi}}}
"""
    config = parse_environment(text, "prod.yaml")
    fraud = config.seldon_for("fraud")
    assert (fraud.replicas, fraud.protocol) == (5, "v2")
    assert fraud.resources.limits.memory == "2Gi"
    assert config.seldon_for("other").replicas == 3


def test_include_and_exclude_globs() -> None:
    config = parse_environment(
        "namespace: p\nalias: a\nmodels: {include: ['fraud-*'], exclude: ['*-exp']}\n", "f"
    )
    assert config.models.selects("fraud-detector")
    assert not config.models.selects("fraud-detector-exp")
    assert not config.models.selects("churn")


BAD_FILES = [
    ("alias: dev\n", "prod.yaml: namespace: this key is required"),
    ("namespace: Models\nalias: dev\n", "prod.yaml: namespace: must be a DNS label"),
    ("namespace: m\nalias: dev\nreplicas: 2\n", "prod.yaml: replicas: unknown key"),
    (
        "namespace: m\nalias: dev\nseldon: {replicas: 0}\n",
        "prod.yaml: seldon.replicas: Input should be greater than or equal to 1",
    ),
    (
        "namespace: m\nalias: dev\nseldon: {protocol: grpc}\n",
        "prod.yaml: seldon.protocol: Input should be 'seldon' or 'v2'",
    ),
    (
        "namespace: m\nalias: dev\nseldon: {implementation: FOO}\n",
        "prod.yaml: seldon.implementation: Input should be",
    ),
    (
        "namespace: m\nalias: dev\nseldon: {resources: {requests: {cpu: lots}}}\n",
        "prod.yaml: seldon.resources.requests.cpu: must be a Kubernetes quantity",
    ),
    (
        "namespace: m\nalias: dev\noverrides: {fraud: {replica: 2}}\n",
        "prod.yaml: overrides.fraud.replica: unknown key",
    ),
    (
        "namespace: m\nalias: dev\nstorage: {rewrites: [{from: '(', to: x}]}\n",
        "prod.yaml: storage.rewrites.0.from: the pattern is not a regular expression RE2 accepts",
    ),
    ("namespace: [m\n", "prod.yaml: not valid YAML"),
    ("- a\n- b\n", "prod.yaml: expected a mapping"),
    ("namespace: m\nnamespace: n\nalias: a\n", "prod.yaml: not valid YAML"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_bad_files_name_file_and_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_environment(text, "prod.yaml")
    assert message in caught.value.one_line()
    assert "\n" not in caught.value.one_line()


def test_missing_directory_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pass --environments"):
        load_environments(tmp_path / "nope")


def test_unknown_environment_is_named(tmp_path: Path) -> None:
    (tmp_path / "dev.yaml").write_text("namespace: d\nalias: dev\n")
    with pytest.raises(ConfigError, match="unknown environment prod"):
        load_environments(tmp_path, ["prod"])


def test_environment_names_must_be_dns_labels(tmp_path: Path) -> None:
    (tmp_path / "Dev_1.yaml").write_text("namespace: d\nalias: dev\n")
    with pytest.raises(ConfigError, match="lowercase DNS labels"):
        load_environments(tmp_path)
