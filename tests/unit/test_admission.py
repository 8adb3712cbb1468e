from __future__ import annotations

from typing import Any

from generator.targets.seldon_v1.admission import admission_problems


def deployment(*predictors: dict[str, Any], protocol: str = "seldon") -> dict[str, Any]:
    return {"spec": {"protocol": protocol, "predictors": list(predictors)}}


def predictor(name: str, traffic: int | None = None, shadow: bool = False, **graph: Any) -> dict[str, Any]:
    node = {"name": "model", "implementation": "MLFLOW_SERVER", "modelUri": "s3://b/m", **graph}
    spec: dict[str, Any] = {"name": name, "graph": node}
    if traffic is not None:
        spec["traffic"] = traffic
    if shadow:
        spec["shadow"] = True
    return spec


def test_a_single_predictor_at_100_is_valid() -> None:
    assert admission_problems(deployment(predictor("default", 100))) == []


def test_two_predictors_must_sum_to_100() -> None:
    assert admission_problems(deployment(predictor("stable", 90), predictor("canary", 10))) == []
    problems = admission_problems(deployment(predictor("stable", 80), predictor("canary", 10)))
    assert problems == ["spec.predictors[].traffic: traffic sums to 90, must be 100"]


def test_single_predictor_with_partial_traffic_is_rejected() -> None:
    assert admission_problems(deployment(predictor("default", 50)))


def test_duplicate_predictor_names_are_rejected() -> None:
    problems = admission_problems(deployment(predictor("a", 50), predictor("a", 50)))
    assert any("duplicate predictor name" in p for p in problems)


def test_shadow_rules() -> None:
    assert admission_problems(deployment(predictor("main", 100), predictor("shadow", shadow=True))) == []
    assert admission_problems(deployment(predictor("shadow", shadow=True)))
    two = deployment(predictor("main", 100), predictor("s1", shadow=True), predictor("s2", shadow=True))
    assert any("at most one shadow" in p for p in admission_problems(two))


def test_prepackaged_servers_need_a_model_uri() -> None:
    problems = admission_problems(deployment(predictor("default", 100, modelUri="")))
    assert problems == ["spec.predictors[0].graph.modelUri: MLFLOW_SERVER needs a modelUri"]


def test_protocol_rules() -> None:
    assert admission_problems(deployment(predictor("default", 100), protocol="grpc"))
    problems = admission_problems(deployment(predictor("default", 100), protocol="tensorflow"))
    assert any("does not serve the tensorflow protocol" in p for p in problems)
