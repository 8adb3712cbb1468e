"""Argo CD rendering: AppProject, Applications (golden files), sync policies, and the Lua health check."""

from __future__ import annotations

import pytest
from lupa import lua51  # Argo CD runs health checks in gopher-lua, a Lua 5.1

from generator import yamlio
from generator.config.loader import parse_environment
from generator.errors import ConfigError
from generator.model import CurrentState
from generator.plan.planner import plan
from generator.render import render
from generator.render.argocd import GitSource, public_url
from generator.targets.seldon_v1.health import HEALTH_KEY
from tests.support.golden import assert_golden
from tests.support.snapshots import snapshot

SOURCE = GitSource("https://github.com/acme/gitops.git", "main", "rendered")
SNAPSHOT = snapshot({"fraud-detector": {"champion": 2, "dev": 3, "staging": 3}})


def environments(**extra: str) -> dict:
    texts = {
        "dev": "namespace: models-dev\nalias: dev\n",
        "staging": "namespace: models-staging\nalias: staging\n",
        "prod": "namespace: models-prod\nalias: champion\n",
    }
    return {env: parse_environment(text + extra.get(env, ""), f"{env}.yaml") for env, text in texts.items()}


def argocd(envs: dict | None = None, source: GitSource = SOURCE) -> dict[str, dict]:
    documents = render(plan(envs or environments(), SNAPSHOT, CurrentState()), source)
    return {path: doc for path, doc in documents.items() if path.startswith("argocd/")}


def test_argocd_documents_match_golden() -> None:
    documents = argocd()
    assert sorted(documents) == [
        "argocd/application-dev.yaml",
        "argocd/application-prod.yaml",
        "argocd/application-staging.yaml",
        "argocd/appproject.yaml",
        "argocd/argocd-cm-patch.yaml",
        "argocd/kustomization.yaml",
    ]
    for path, document in documents.items():
        assert_golden(path, yamlio.dump(document))


def test_no_argocd_without_a_source() -> None:
    documents = render(plan(environments(), SNAPSHOT, CurrentState()))
    assert not [p for p in documents if p.startswith("argocd/")]


def test_prod_syncs_manually_and_the_others_automatically_by_default() -> None:
    documents = argocd()
    for env in ("dev", "staging"):
        policy = documents[f"argocd/application-{env}.yaml"]["spec"]["syncPolicy"]
        assert policy == {
            "automated": {"prune": True, "selfHeal": True},
            "syncOptions": ["CreateNamespace=true"],
        }
    prod = documents["argocd/application-prod.yaml"]["spec"]
    assert prod["syncPolicy"] == {"syncOptions": ["CreateNamespace=true"]}
    assert prod["source"] == {
        "repoURL": "https://github.com/acme/gitops.git",
        "targetRevision": "main",
        "path": "rendered/prod",
    }
    assert prod["destination"] == {"server": "https://kubernetes.default.svc", "namespace": "models-prod"}


def test_sync_policy_is_configurable() -> None:
    envs = environments(
        prod="argocd: {sync: automated, prune: false}\n",
        dev="argocd: {sync: manual}\n",
        staging="argocd: {self_heal: false, destination_server: 'https://staging.example.com:6443'}\n",
    )
    documents = argocd(envs)
    assert documents["argocd/application-prod.yaml"]["spec"]["syncPolicy"]["automated"] == {
        "prune": False,
        "selfHeal": True,
    }
    assert "automated" not in documents["argocd/application-dev.yaml"]["spec"]["syncPolicy"]
    staging = documents["argocd/application-staging.yaml"]["spec"]
    assert staging["syncPolicy"]["automated"] == {"prune": True, "selfHeal": False}
    assert staging["destination"]["server"] == "https://staging.example.com:6443"
    destinations = documents["argocd/appproject.yaml"]["spec"]["destinations"]
    assert {"server": "https://staging.example.com:6443", "namespace": "models-staging"} in destinations


def test_disabled_environment_gets_no_application_and_no_destination() -> None:
    documents = argocd(environments(dev="argocd: {enabled: false}\n"))
    assert "argocd/application-dev.yaml" not in documents
    assert "application-dev.yaml" not in documents["argocd/kustomization.yaml"]["resources"]
    namespaces = [d["namespace"] for d in documents["argocd/appproject.yaml"]["spec"]["destinations"]]
    assert namespaces == ["models-prod", "models-staging"]


def test_repository_credentials_never_reach_the_manifests() -> None:
    documents = argocd(source=GitSource("https://x-access-token:ghs_secret@github.com/acme/gitops.git"))
    text = "".join(yamlio.dump(d) for d in documents.values())
    assert "ghs_secret" not in text
    assert "https://github.com/acme/gitops.git" in text
    assert public_url("git@github.com:acme/gitops.git") == "git@github.com:acme/gitops.git"
    assert public_url("ssh://git@github.com/acme/gitops.git") == "ssh://github.com/acme/gitops.git"


def test_an_environment_named_argocd_is_refused() -> None:
    envs = {"argocd": parse_environment("namespace: n\nalias: dev\n", "argocd.yaml")}
    with pytest.raises(ConfigError, match=r"rename environments/argocd\.yaml"):
        argocd(envs)


def test_application_path_follows_the_rendered_directory() -> None:
    documents = argocd(source=GitSource("https://example.com/r.git", "HEAD", "./deploy/rendered/"))
    assert documents["argocd/application-dev.yaml"]["spec"]["source"]["path"] == "deploy/rendered/dev"


# The health check, executed as Argo CD does: the resource is the global `obj`, the script returns a table.


def health_script() -> str:
    patch = argocd()["argocd/argocd-cm-patch.yaml"]
    assert patch["metadata"] == {
        "name": "argocd-cm",
        "namespace": "argocd",
        "labels": {"app.kubernetes.io/name": "argocd-cm", "app.kubernetes.io/part-of": "argocd"},
    }
    # what Argo CD reads is the YAML text, so go through it
    return yamlio.load(yamlio.dump(patch))["data"][HEALTH_KEY]


def run_health(resource: dict) -> dict[str, str]:
    lua = lua51.LuaRuntime(unpack_returned_tuples=True)
    lua.globals().obj = to_lua(lua, resource)
    result = lua.execute(health_script())
    return {key: result[key] for key in result}


def to_lua(lua, value):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return lua.table_from({k: to_lua(lua, v) for k, v in value.items()})
    if isinstance(value, list):
        return lua.table_from([to_lua(lua, v) for v in value])
    return value


def seldon(status: dict | None) -> dict:
    resource = {
        "apiVersion": "machinelearning.seldon.io/v1",
        "kind": "SeldonDeployment",
        "metadata": {"name": "fraud-detector", "namespace": "models-prod"},
        "spec": {"predictors": [{"name": "default", "replicas": 1}]},
    }
    if status is not None:
        resource["status"] = status
    return resource


@pytest.mark.parametrize(
    ("status", "expected", "message"),
    [
        ({"state": "Available", "replicas": 1}, "Healthy", "SeldonDeployment is available"),
        ({"state": "Creating"}, "Progressing", "SeldonDeployment is being created"),
        (
            {"state": "Failed", "description": "Cannot find field: modelUri"},
            "Degraded",
            "SeldonDeployment failed: Cannot find field: modelUri",
        ),
        ({"state": "Failed", "description": ""}, "Degraded", "SeldonDeployment failed"),
        ({"state": "Paused"}, "Unknown", "SeldonDeployment has state Paused"),
        ({"deploymentStatus": {}}, "Progressing", "Waiting for the Seldon operator to report status.state"),
        (None, "Progressing", "Waiting for the Seldon operator to report status.state"),
    ],
)
def test_health_check_maps_seldon_states(status: dict | None, expected: str, message: str) -> None:
    assert run_health(seldon(status)) == {"status": expected, "message": message}


def test_health_check_reports_the_operator_description_while_creating() -> None:
    result = run_health(seldon({"state": "Creating", "description": "Waiting for 1 replica"}))
    assert result == {
        "status": "Progressing",
        "message": "SeldonDeployment is being created: Waiting for 1 replica",
    }
