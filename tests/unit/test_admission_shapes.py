"""Hand-edited SeldonDeployments of any shape: one problem naming the field, never an exception."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.targets.seldon_v1.admission import admission_problems, document

GOOD: dict[str, Any] = {
    "apiVersion": "machinelearning.seldon.io/v1",
    "kind": "SeldonDeployment",
    "metadata": {"name": "m"},
    "spec": {
        "protocol": "v2",
        "predictors": [
            {
                "name": "default",
                "traffic": 100,
                "annotations": {"version": "3"},
                "componentSpecs": [{"spec": {"containers": [{"name": "model", "image": "x"}]}}],
                "graph": {
                    "name": "model",
                    "type": "MODEL",
                    "implementation": "MLFLOW_SERVER",
                    "modelUri": "s3://b/m",
                    "logger": {"mode": "all"},
                    "endpoint": {"type": "REST"},
                    "children": [],
                },
            }
        ],
    },
}
KEYS = sorted(
    {
        "spec", "predictors", "graph", "children", "name", "implementation", "traffic", "shadow",
        "annotations", "componentSpecs", "containers", "image", "modelUri", "logger", "mode", "endpoint",
        "type", "methods", "svcOrchSpec", "env", "protocol", "transport", "serverType", "metadata",
        "seldon.io/no-engine", "seldon.io/svc-name",
    }
)  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
JSON_LIKE = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=40,
)


def at(document: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


PREDICTOR = ["spec", "predictors", 0]
GRAPH = [*PREDICTOR, "graph"]


P0 = "spec.predictors[0]"
WRONG_SHAPES = [
    ([*GRAPH, "children"], {"a": 1}, f"{P0}.graph.children: must be a list, not a mapping"),
    (["spec", "predictors"], {"name": "x"}, "spec.predictors: must be a list, not a mapping"),
    ([*PREDICTOR, "traffic"], "abc", f"{P0}.traffic: must be an integer, not the string 'abc'"),
    ([*PREDICTOR, "traffic"], True, f"{P0}.traffic: must be an integer, not true"),
    (GRAPH, [1, 2], f"{P0}.graph: must be a mapping, not a list"),
    (["spec"], "x", "spec: must be a mapping, not the string 'x'"),
    ([*GRAPH, "children"], [7], f"{P0}.graph.children[0]: must be a mapping, not the number 7"),
    ([*GRAPH, "logger"], "all", f"{P0}.graph.logger: must be a mapping, not the string 'all'"),
    (
        [*PREDICTOR, "componentSpecs", 0, "spec", "containers"],
        {},
        f"{P0}.componentSpecs[0].spec.containers: must be a list, not a mapping",
    ),
    (
        [*PREDICTOR, "annotations", "seldon.io/no-engine"],
        True,
        f"{P0}.annotations.seldon.io/no-engine: must be a string, not true",
    ),
    ([*GRAPH, "name"], 5, f"{P0}.graph.name: must be a string, not the number 5"),
    (
        [*PREDICTOR, "annotations"],
        {"a\nb": 1},
        f"{P0}.annotations['a\\nb']: must be a string, not the number 1",
    ),
]


@pytest.mark.parametrize(("path", "value", "problem"), WRONG_SHAPES)
def test_a_wrong_shape_is_one_problem_naming_the_field(path: list[Any], value: Any, problem: str) -> None:
    assert admission_problems(at(GOOD, path, value)) == [problem]


def test_a_long_or_hostile_value_is_quoted_short_and_escaped() -> None:
    problems = admission_problems(at(GOOD, ["spec", "protocol"], 5))
    assert problems == ["spec.protocol: must be a string, not the number 5"]
    (problem,) = admission_problems(at(GOOD, [*PREDICTOR, "traffic"], "\u202e\n" + "x" * 100))
    assert "\n" not in problem and "\u202e" not in problem and problem.endswith("...")


@pytest.mark.parametrize("document", [[GOOD], "SeldonDeployment", None, 5, {}, {"spec": None}])
def test_documents_that_are_not_deployments_are_refused_not_crashed(document: object) -> None:
    problems = admission_problems(document)
    assert len(problems) == 1
    assert problems[0].startswith(("document: must be a mapping", "spec.predictors: at least one"))


def test_the_valid_base_document_is_admitted() -> None:
    assert admission_problems(GOOD) == []


def test_a_deep_graph_is_read_without_recursion() -> None:
    graph: dict[str, Any] = {"name": "leaf", "implementation": "SIMPLE_MODEL"}
    for level in range(20_000):
        graph = {"name": f"n{level}", "implementation": "SIMPLE_MODEL", "children": [graph]}
    assert admission_problems(at(GOOD, GRAPH, graph)) == []


def test_a_graph_that_contains_itself_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MAX_NODES", 1000)  # the real bound (100,000) takes seconds
    graph: dict[str, Any] = {"name": "loop", "implementation": "SIMPLE_MODEL"}
    graph["children"] = [graph, graph]  # what YAML aliases can build
    problems = admission_problems(at(GOOD, GRAPH, graph))
    assert problems == ["spec.predictors[0].graph: more than 1000 nodes (a graph that refers to itself?)"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_LIKE)
def test_any_json_like_document_gives_problems_not_exceptions(document: Any) -> None:
    problems = admission_problems({"kind": "SeldonDeployment", "spec": document})
    assert isinstance(problems, list) and all(isinstance(p, str) and p.isprintable() for p in problems)


def _paths(value: Any, prefix: list[Any]) -> list[list[Any]]:
    found = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found += _paths(child, [*prefix, key])
    return found


PATHS = _paths(GOOD, [])


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PATHS), JSON_LIKE)
def test_any_value_anywhere_in_a_valid_document_gives_problems_not_exceptions(
    path: list[Any], value: Any
) -> None:
    problems = admission_problems(at(GOOD, path, value))
    assert all(isinstance(p, str) and p.isprintable() for p in problems)


def test_validation_names_environment_resource_file_and_field() -> None:
    from generator import yamlio
    from generator.validate.runner import admission
    from generator.validate.scope import Sources

    bad = at(GOOD, [*PREDICTOR, "traffic"], "abc")
    files = {"kustomization.yaml": b"resources: [m/sdep.yaml]\n", "m/sdep.yaml": yamlio.dump(bad).encode()}
    (problem,) = admission("dev", [bad], Sources(files))
    assert problem == (
        "dev/m (SeldonDeployment in dev/m/sdep.yaml): "
        "spec.predictors[0].traffic: must be an integer, not the string 'abc'"
    )
    hostile = at(bad, ["metadata", "name"], "x\nforged: line")
    (problem,) = admission("dev", [hostile])
    assert problem.startswith("dev/'x\\nforged: line' (SeldonDeployment): ") and problem.isprintable()
