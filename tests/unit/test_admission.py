"""Seldon Core v1.18.2's admission webhook rules: one accepted and one refused document per rule.

Each row is (rule, document, the exact problems expected); `[]` means the webhook admits it.
The rules and their semantics are those of `seldondeployment_webhook.go` at v1.18.2.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator.targets.seldon_v1.admission import admission_problems

P0 = "spec.predictors[0]"
G0 = f"{P0}.graph"


def node(name: str = "model", **fields: Any) -> dict[str, Any]:
    return {"name": name, "implementation": "MLFLOW_SERVER", "modelUri": "s3://b/m", **fields}


def predictor(
    name: str = "default", traffic: int | None = None, graph: Any = None, **fields: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "graph": node() if graph is None else graph, **fields}
    if traffic is not None:
        spec["traffic"] = traffic
    return spec


def sdep(*predictors: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "machinelearning.seldon.io/v1",
        "kind": "SeldonDeployment",
        "metadata": {"name": "m"},
        "spec": {"predictors": list(predictors) or [predictor()], **spec},
    }


def container(name: str, image: str | None = None) -> dict[str, Any]:
    spec = {"name": name} if image is None else {"name": name, "image": image}
    return {"spec": {"containers": [spec]}}


KAFKA = [{"name": n, "value": "x"} for n in ("KAFKA_BROKER", "KAFKA_INPUT_TOPIC", "KAFKA_OUTPUT_TOPIC")]
CUSTOM = {"name": "mine"}  # no implementation: a container of yours
TWO_NODES = node("router", implementation="RANDOM_ABTEST", children=[node("a"), node("b")])
REST, GRPC = {"type": "REST"}, {"type": "GRPC"}
UNKNOWN_SERVER = (
    f"{G0}.implementation: 'MLFLOW_SEVER' is not a prepackaged server of Seldon's default seldon-config "
    "(MLFLOW_SERVER, SKLEARN_SERVER, TENSORFLOW_SERVER, XGBOOST_SERVER, TRITON_SERVER, HUGGINGFACE_SERVER, "
    "TEMPO_SERVER) nor a built-in one (SIMPLE_MODEL, SIMPLE_ROUTER, RANDOM_ABTEST, AVERAGE_COMBINER), and no "
    "container of the node's name sets an image"
)

RULES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("protocol", sdep(protocol="kfserving"), []),
    (
        "protocol",
        sdep(protocol="grpc"),
        ["spec.protocol: 'grpc' is not one of seldon, tensorflow, kfserving, v2"],
    ),
    ("transport", sdep(transport="grpc"), []),
    ("transport", sdep(transport="http"), ["spec.transport: 'http' is not one of rest, grpc"]),
    ("server type", sdep(serverType="rpc"), []),
    ("server type", sdep(serverType="queue"), ["spec.serverType: 'queue' is not one of rpc, kafka"]),
    ("kafka env", sdep(predictor(svcOrchSpec={"env": KAFKA}), serverType="kafka"), []),
    (
        "kafka env",
        sdep(predictor(svcOrchSpec={"env": KAFKA[:2]}), serverType="kafka"),
        [
            f"{P0}.svcOrchSpec.env: serverType kafka needs the variables KAFKA_BROKER, KAFKA_INPUT_TOPIC, "
            "KAFKA_OUTPUT_TOPIC"
        ],
    ),
    ("predictors present", sdep(predictor()), []),
    (
        "predictors present",
        {"kind": "SeldonDeployment", "spec": {"predictors": []}},
        ["spec.predictors: at least one predictor is required"],
    ),
    ("unique names", sdep(predictor("a", 50), predictor("b", 50)), []),
    (
        "unique names",
        sdep(predictor("a", 50), predictor("a", 50)),
        ["spec.predictors[1].name: duplicate predictor name 'a'"],
    ),
    ("shadow not alone", sdep(predictor("main"), predictor("s", shadow=True)), []),
    (
        "shadow not alone",
        sdep(predictor("s", shadow=True)),
        [f"{P0}.shadow: a shadow cannot be the only predictor"],
    ),
    ("one shadow", sdep(predictor("main", 100), predictor("s", shadow=True)), []),
    (
        "one shadow",
        sdep(predictor("main", 100), predictor("s1", shadow=True), predictor("s2", shadow=True)),
        ["spec.predictors[2].shadow: at most one shadow predictor is allowed"],
    ),
    ("shadow traffic range", sdep(predictor("main", 100), predictor("s", 100, shadow=True)), []),
    (
        "shadow traffic range",
        sdep(predictor("main", 100), predictor("s", 101, shadow=True)),
        ["spec.predictors[1].traffic: shadow traffic must be within 0..100, not 101"],
    ),
    ("traffic sums to 100", sdep(predictor("a", 90), predictor("b", 10), predictor("s", 5, shadow=True)), []),
    (
        "traffic sums to 100",
        sdep(predictor("a", 80), predictor("b", 10)),
        ["spec.predictors[].traffic: the non-shadow predictors' traffic sums to 90, not 100"],
    ),
    # a lone predictor may leave traffic unset or carry 100 or more; with a shadow next to it, anything
    ("single predictor traffic", sdep(predictor(traffic=150)), []),
    ("single predictor traffic", sdep(predictor("main", 30), predictor("s", shadow=True)), []),
    (
        "single predictor traffic",
        sdep(predictor(traffic=50)),
        [f"{P0}.traffic: a single predictor's traffic must be 100 when set, not 50"],
    ),
    (
        "svc-name unique",
        sdep(
            predictor("a", 50, annotations={"seldon.io/svc-name": "x"}),
            predictor("b", 50, annotations={"seldon.io/svc-name": "y"}),
        ),
        [],
    ),
    (
        "svc-name unique",
        sdep(
            predictor("a", 50, annotations={"seldon.io/svc-name": "x"}),
            predictor("b", 50, annotations={"seldon.io/svc-name": "x"}),
        ),
        ["spec.predictors[1].annotations.seldon.io/svc-name: 'x' is used by another predictor"],
    ),
    ("no-engine single node", sdep(predictor(annotations={"seldon.io/no-engine": "true"})), []),
    (
        "no-engine single node",
        sdep(predictor(graph=TWO_NODES, annotations={"seldon.io/no-engine": "false"})),
        [
            f"{P0}.annotations.seldon.io/no-engine: running without the engine needs a single-node graph, "
            "this one has 3 nodes"
        ],
    ),
    (
        "endpoint types agree",
        sdep(
            predictor(
                graph={**TWO_NODES, "endpoint": GRPC, "children": [node("a", endpoint=GRPC), node("b")]}
            )
        ),
        [],
    ),
    (
        "endpoint types agree",
        sdep(
            predictor(
                graph={**TWO_NODES, "endpoint": GRPC, "children": [node("a", endpoint=REST), node("b")]}
            )
        ),
        ["spec.predictors[].graph: endpoint types GRPC, REST are mixed (use spec.transport)"],
    ),
    ("endpoint type vs transport", sdep(predictor(graph=node(endpoint=REST)), transport="rest"), []),
    (
        "endpoint type vs transport",
        sdep(predictor(graph=node(endpoint=REST)), transport="grpc"),
        ["spec.transport: 'grpc' disagrees with the graph's endpoint type REST"],
    ),
    (
        "node without implementation",
        sdep(predictor(graph=CUSTOM, componentSpecs=[container("mine", "me/x:1")])),
        [],
    ),
    (
        "node without implementation",
        sdep(
            predictor(
                graph={**CUSTOM, "implementation": "UNKNOWN_IMPLEMENTATION"},
                componentSpecs=[container("other", "me/x:1")],
            )
        ),
        [
            f"{G0}: node 'mine' has no implementation, "
            f"so it needs a container named 'mine' in {P0}.componentSpecs"
        ],
    ),
    (
        "UNKNOWN_TYPE methods",
        sdep(
            predictor(
                graph={**CUSTOM, "type": "UNKNOWN_TYPE", "methods": ["transform_input"]},
                componentSpecs=[container("mine", "me/x:1")],
            )
        ),
        [],
    ),
    (
        "UNKNOWN_TYPE methods",
        sdep(
            predictor(
                graph={**CUSTOM, "type": "UNKNOWN_TYPE", "methods": []},
                componentSpecs=[container("mine", "me/x:1")],
            )
        ),
        [f"{G0}.methods: type UNKNOWN_TYPE needs the methods the node implements"],
    ),
    ("logger mode", sdep(predictor(graph=node(logger={"mode": "all"}))), []),
    (
        "logger mode",
        sdep(predictor(graph=node(logger={"url": "http://log"}))),
        [f"{G0}.logger.mode: a logger needs a mode"],
    ),
    ("known implementation", sdep(predictor(graph=node(implementation="TEMPO_SERVER"))), []),
    (
        "known implementation",
        sdep(
            predictor(
                graph=node(
                    implementation="MLFLOW_SEVER",
                ),
                componentSpecs=[container("model", "me/server:1")],
            )
        ),
        [],
    ),
    ("known implementation", sdep(predictor(graph=node(implementation="MLFLOW_SEVER"))), [UNKNOWN_SERVER]),
    (
        "known implementation",
        sdep(predictor(graph=node(implementation="MLFLOW_SEVER"), componentSpecs=[container("model", "")])),
        [UNKNOWN_SERVER],
    ),
    ("modelUri", sdep(predictor(graph=node(implementation="HUGGINGFACE_SERVER", modelUri=""))), []),
    (
        "modelUri",
        sdep(predictor(graph=node(implementation="TRITON_SERVER", modelUri=""))),
        [f"{G0}.modelUri: TRITON_SERVER needs a modelUri"],
    ),
    (
        "tensorflow protocol",
        sdep(predictor(graph=node(implementation="TENSORFLOW_SERVER")), protocol="tensorflow"),
        [],
    ),
    (
        "tensorflow protocol",
        sdep(predictor(graph=node(implementation="HUGGINGFACE_SERVER")), protocol="tensorflow"),
        [f"{G0}.implementation: HUGGINGFACE_SERVER does not serve the tensorflow protocol"],
    ),
    ("componentSpecs null", sdep(predictor(componentSpecs=None)), []),
    (
        "componentSpecs null",
        sdep(predictor(componentSpecs={"spec": {}})),
        [f"{P0}.componentSpecs: must be a list, not a mapping"],
    ),
]


@pytest.mark.parametrize(
    ("rule", "document", "expected"), RULES, ids=[f"{r[0]}-{i}" for i, r in enumerate(RULES)]
)
def test_webhook_rule(rule: str, document: dict[str, Any], expected: list[str]) -> None:
    assert admission_problems(copy.deepcopy(document)) == expected


def test_every_rule_has_an_accepted_and_a_refused_row() -> None:
    accepted = {rule for rule, _, expected in RULES if not expected}
    refused = {rule for rule, _, expected in RULES if expected}
    assert accepted == refused and len(accepted) == 22


def test_nested_nodes_are_checked_with_their_path() -> None:
    graph = node("router", implementation="SIMPLE_ROUTER", children=[node("a"), node("b", modelUri="")])
    problems = admission_problems(sdep(predictor(graph=graph)))
    assert problems == [f"{G0}.children[1].modelUri: MLFLOW_SERVER needs a modelUri"]


# Shapes found among Seldon's own example SeldonDeployments (v1.18.2 repository), written anew.
LIKE_SELDON_EXAMPLES: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "v1alpha2 canary without traffic",
        {**sdep(predictor("main"), predictor("canary")), "apiVersion": "machinelearning.seldon.io/v1alpha2"},
        ["spec.predictors[].traffic: the non-shadow predictors' traffic sums to 0, not 100"],
    ),
    (
        "custom node whose container is in the second pod",
        sdep(
            predictor(graph=CUSTOM, componentSpecs=[container("other", "x:1"), container("mine", "me/x:1")])
        ),
        [],
    ),
    (
        "empty graph",
        sdep(predictor(graph={})),
        [f"{G0}: node '' has no implementation, so it needs a container named '' in {P0}.componentSpecs"],
    ),
    (
        "executor-style child without container",
        sdep(
            predictor(
                graph={**CUSTOM, "children": [{"name": "child"}]}, componentSpecs=[container("mine", "x:1")]
            )
        ),
        [
            f"{G0}.children[0]: node 'child' has no implementation, "
            f"so it needs a container named 'child' in {P0}.componentSpecs"
        ],
    ),
    (
        "triton v2 with componentSpecs null",
        sdep(predictor(graph=node(implementation="TRITON_SERVER"), componentSpecs=None), protocol="v2"),
        [],
    ),
]


@pytest.mark.parametrize(
    ("case", "document", "expected"), LIKE_SELDON_EXAMPLES, ids=[c[0] for c in LIKE_SELDON_EXAMPLES]
)
def test_documents_like_seldons_examples(case: str, document: dict[str, Any], expected: list[str]) -> None:
    assert admission_problems(document) == expected
