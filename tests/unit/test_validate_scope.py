"""Which files a validation run builds: only what changed, large environments in chunks."""

from __future__ import annotations

import pytest

from generator import yamlio
from generator.validate import scope
from generator.validate.scope import builds


def kustomization(resources: list[str], **extra: object) -> bytes:
    document = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", **extra}
    return yamlio.dump({**document, "namespace": "models-dev", "resources": resources}).encode()


def tree(models: int, **changes: bytes) -> dict[str, bytes]:
    resources = [f"m{i}/seldondeployment.yaml" for i in range(models)]
    files = {f"dev/{r}": f"kind: SeldonDeployment # {r}\n".encode() for r in resources}
    files["dev/kustomization.yaml"] = kustomization(resources)
    files["prod/kustomization.yaml"] = kustomization([])
    return {**files, **changes}


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scope, "CHUNK", 2)


def resources_of(build: scope.Build) -> list[str]:
    return yamlio.load(build.files["kustomization.yaml"].decode())["resources"]


def test_without_previous_everything_is_built_in_chunks_of_per_resource_kustomizations() -> None:
    found = builds(tree(5), "dev")
    assert [resources_of(b) for b in found] == [
        ["m0/seldondeployment.yaml", "m1/seldondeployment.yaml"],
        ["m2/seldondeployment.yaml", "m3/seldondeployment.yaml"],
        ["m4/seldondeployment.yaml"],
    ]
    assert [b.index for b in found] == [0, 1, 2]
    assert sorted(found[2].files) == ["kustomization.yaml", "m4/seldondeployment.yaml"]
    narrowed = yamlio.load(found[0].files["kustomization.yaml"].decode())
    assert narrowed["namespace"] == "models-dev"


def test_a_small_environment_is_built_at_once_as_written() -> None:
    files = tree(2)
    [build] = builds(files, "dev")
    assert build.files["kustomization.yaml"] == files["dev/kustomization.yaml"]


def test_nothing_changed_means_nothing_to_build() -> None:
    assert builds(tree(5), "dev", previous=tree(5)) == []


def test_only_changed_resources_are_built() -> None:
    changed = tree(5, **{"dev/m3/seldondeployment.yaml": b"kind: SeldonDeployment # new\n"})
    [build] = builds(changed, "dev", previous=tree(5))
    assert resources_of(build) == ["m3/seldondeployment.yaml"]


@pytest.mark.parametrize(
    "previous",
    [
        tree(4),  # a model was added: the kustomization changed
        tree(5, **{"dev/m5/seldondeployment.yaml": b"kind: SeldonDeployment\n"}),  # a file was deleted
        tree(5, **{"dev/notes.txt": b"old\n"}),  # a file that is not a resource changed
    ],
)
def test_other_changes_build_the_whole_environment(previous: dict[str, bytes]) -> None:
    files = tree(5, **{"dev/notes.txt": b"new\n"}) if "dev/notes.txt" in previous else tree(5)
    found = builds(files, "dev", previous=previous)
    assert [r for b in found for r in resources_of(b)] == [f"m{i}/seldondeployment.yaml" for i in range(5)]


def test_a_kustomization_with_other_transformers_is_built_at_once_as_written() -> None:
    resources = [f"m{i}/seldondeployment.yaml" for i in range(5)]
    files = tree(5, **{"dev/kustomization.yaml": kustomization(resources, patches=[{"path": "p.yaml"}])})
    [build] = builds(files, "dev")
    assert build.files == {
        path.removeprefix("dev/"): c for path, c in files.items() if path.startswith("dev/")
    }


def test_an_environment_without_kustomization_is_not_built() -> None:
    assert builds({"dev/m0/seldondeployment.yaml": b"x\n"}, "dev") == []
