from __future__ import annotations

import pytest

from generator.config import Rewrite
from generator.config.loader import parse_environment
from generator.errors import ConfigError, ModelRejected
from generator.model import ModelVersion
from generator.plan.storage import check_source, model_uri


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


CATASTROPHIC = [
    (r"([\w:/-]+)+!", "s3://" + "a" * 40),  # nested quantifiers, no match possible
    (r"s3://[\w.-]+/(\w+/?)*artifacts/", "s3://bucket/" + "a" * 29),  # plausible, 41 characters
]


@pytest.mark.timeout(60)  # Python's backtracking `re` needs hours for these; RE2 microseconds
@pytest.mark.parametrize(("pattern", "source"), CATASTROPHIC)
def test_catastrophic_rewrites_finish_without_backtracking(pattern: str, source: str) -> None:
    config = parse_environment(
        f"namespace: m\nalias: dev\nstorage: {{rewrites: [{{from: '{pattern}', to: 'gs://x/'}}]}}\n",
        "prod.yaml",
    )
    assert len(source) > 40
    (rewrite,) = config.storage.rewrites
    assert model_uri(source.replace("s3://", "gs://"), [rewrite], "l") == source.replace("s3://", "gs://")
    assert model_uri(source, [rewrite], "l") == source  # no match: the location passes through


def test_groups_are_substituted_as_before() -> None:
    rewrites = [
        Rewrite.model_validate(
            {"from": r"mlflow-artifacts:/(\d+)/(?P<kind>\w+)/", "to": r"s3://b/\g<kind>/\1/"}
        ),
    ]
    assert model_uri("mlflow-artifacts:/7/models/m-1", rewrites, "l") == "s3://b/models/7/m-1"
    café = [Rewrite.model_validate({"from": "file:///data/(é+)/", "to": r"pvc://café-\1\\x/"})]
    assert model_uri("file:///data/éé/m", café, "l") == "pvc://café-éé\\x/m"


RE2_REFUSES = [
    (r"(s3://[^/]+)/\1", "storage.rewrites.0.from: the pattern uses a backreference"),
    (r"(?P<b>s3://)(?P=b)", "storage.rewrites.0.from: the pattern uses a backreference"),
    (r"s3://(?!private)", "storage.rewrites.0.from: the pattern uses a lookaround"),
    (r"(?<=x)s3://", "storage.rewrites.0.from: the pattern uses a lookaround"),
    (r"s3://\Z", r"storage.rewrites.0.from: the pattern uses \Z, which RE2 spells \z"),
    (r"a{5000}", "storage.rewrites.0.from: the pattern is not a regular expression RE2 accepts"),
]


@pytest.mark.parametrize(("pattern", "message"), RE2_REFUSES)
def test_patterns_re2_cannot_run_are_config_errors_naming_file_and_key(pattern: str, message: str) -> None:
    text = f"namespace: m\nalias: dev\nstorage:\n  rewrites:\n    - {{from: '{pattern}', to: 's3://x/'}}\n"
    with pytest.raises(ConfigError) as caught:
        parse_environment(text, "environments/prod.yaml")
    line = caught.value.one_line()
    assert line.startswith(f"environments/prod.yaml: {message}")
    assert "Value error" not in line and "\n" not in line


@pytest.mark.parametrize(
    ("to", "message"),
    [
        (r"s3://x/\2", "the replacement refers to group 2 but the pattern has 1"),
        (r"s3://x/\g<nope>", "the replacement refers to group 'nope', which the pattern does not name"),
        (
            r"s3://x/\q",
            "the replacement has '\\q': only \\1 to \\99, \\g<name> and \\\\ (a backslash) are understood",
        ),
    ],
)
def test_replacements_naming_missing_groups_are_config_errors(to: str, message: str) -> None:
    text = (
        f"namespace: m\nalias: dev\nstorage: {{rewrites: [{{from: 'mlflow-artifacts:/(x)', to: '{to}'}}]}}\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse_environment(text, "prod.yaml")
    assert caught.value.one_line().startswith(f"prod.yaml: storage.rewrites.0.to: {message}")


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
WITH_CREDENTIALS = [
    (f"s3://AKIAIOSFODNN7EXAMPLE:{SECRET}@bucket/models/m", "a user name, password or token in the URL"),
    (f"https://alice:{SECRET}@artifacts.example.com/m", "a user name, password or token in the URL"),
    (f"s3://bucket/m?X-Amz-Credential=AKIA&X-Amz-Signature={SECRET}", "the query parameter X-Amz-Credential"),
    (f"azureblob://acct/c/m?sv=2022&sig={SECRET}", "the query parameter sig"),
]


@pytest.mark.parametrize(("source", "kind"), WITH_CREDENTIALS)
def test_sources_with_credentials_are_refused_naming_model_and_version_not_the_secret(
    source: str, kind: str
) -> None:
    version = ModelVersion("fraud", "3", source, source, "run-1")
    with pytest.raises(ModelRejected) as caught:
        check_source(version, "prod: fraud version 3")
    message = caught.value.one_line()
    assert message.startswith("prod: fraud version 3: the version's source '")
    assert f"carries credentials ({kind})" in message and "env_secret_ref_name" in message
    assert SECRET not in message and "wJal" not in message


def test_an_artifact_location_with_credentials_is_refused_too() -> None:
    resolved = ModelVersion("fraud", "3", "runs:/abc/model", f"s3://KEY:{SECRET}@bucket/1/abc/model", "abc")
    with pytest.raises(
        ModelRejected, match="the version's artifact location 's3://\\*\\*\\*@bucket/1/abc/model'"
    ):
        check_source(resolved, "prod: fraud version 3")


def test_the_value_of_a_secret_variable_in_a_source_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "plain-secret-value-123")
    version = ModelVersion("m", "1", "s3://bucket/plain-secret-value-123/m", "s3://b/m", "r")
    with pytest.raises(ModelRejected, match="carries credentials \\(the value of AWS_SECRET_ACCESS_KEY\\)"):
        check_source(version, "dev: m version 1")


def test_clean_sources_pass() -> None:
    for source in ("s3://bucket/models/m", "models:/m-abc", "runs:/abc/model", "s3://b/m?versionId=3"):
        check_source(ModelVersion("m", "1", source, source, "r"), "dev: m version 1")


def test_a_rewrite_that_adds_credentials_is_refused() -> None:
    leaky = [Rewrite.model_validate({"from": "mlflow-artifacts:/", "to": f"s3://KEY:{SECRET}@b/"})]
    with pytest.raises(ModelRejected) as caught:
        model_uri("mlflow-artifacts:/1/m", leaky, "dev: m version 1")
    assert "the rewritten artifact location 's3://***@b/1/m' carries credentials" in caught.value.one_line()
    assert SECRET not in caught.value.one_line()
