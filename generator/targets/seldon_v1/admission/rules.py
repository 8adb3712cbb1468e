"""Seldon Core v1.18.2's admission webhook for SeldonDeployments, rule by rule. Pure.

Source: SeldonIO/seldon-core v1.18.2, `operator/apis/machinelearning.seldon.io/v1/
seldondeployment_webhook.go` (`ValidateSeldonDeployment` and what it calls; the same function
validates v1alpha2 and v1alpha3) and `prepack.go` (`IsPrepack`). v1.18.2 has no defaulting
webhook (`Default()` runs later, in the controller), so the rules see the document as written.
Each comment names the Go function the rule comes from. Unknown implementations are looked up in
the default `seldon-config` (`config.servers`); a cluster whose ConfigMap registers more servers
accepts more.
"""

from __future__ import annotations

from generator.config.servers import PREDICTOR_SERVERS
from generator.targets.seldon_v1.admission.document import (
    Node,
    Predictor,
    Reader,
    Spec,
    nodes,
    quote,
    read_spec,
    shown,
)

PROTOCOLS = ("seldon", "tensorflow", "kfserving", "v2")
TRANSPORTS = ("rest", "grpc")
SERVER_TYPES = ("rpc", "kafka")
KAFKA_ENV = ("KAFKA_BROKER", "KAFKA_INPUT_TOPIC", "KAFKA_OUTPUT_TOPIC")
# Not prepackaged servers (prepack.go, IsPrepack); "UNKNOWN_IMPLEMENTATION" means a container of yours.
BUILT_IN = ("SIMPLE_MODEL", "SIMPLE_ROUTER", "RANDOM_ABTEST", "AVERAGE_COMBINER")
UNKNOWN_IMPLEMENTATION = "UNKNOWN_IMPLEMENTATION"
NO_TENSORFLOW_PROTOCOL = ("SKLEARN_SERVER", "XGBOOST_SERVER", "MLFLOW_SERVER", "HUGGINGFACE_SERVER")
NO_ENGINE = "seldon.io/no-engine"
SVC_NAME = "seldon.io/svc-name"
ENDPOINT_TRANSPORTS = {"REST": "rest", "GRPC": "grpc"}


def admission_problems(document: object) -> list[str]:
    """What Seldon's admission webhook would refuse in this SeldonDeployment, as field paths.

    A wrong shape (a mapping where a list belongs, a string for traffic) is reported alone, one
    problem per field: the webhook never sees such a document.
    """
    reader = Reader()
    spec = read_spec(document, reader)
    # The API server refuses a wrong shape against the CRD schema before the webhook runs.
    return reader.problems or spec_problems(spec)


def spec_problems(spec: Spec) -> list[str]:
    """`ValidateSeldonDeployment`, in its order."""
    problems = _enum_problems(spec)
    problems += _kafka_problems(spec)
    problems += _shadow_alone_problems(spec.predictors)
    problems += _svc_name_problems(spec.predictors)
    if not spec.predictors:
        problems.append("spec.predictors: at least one predictor is required")
    names: set[str] = set()
    for predictor in spec.predictors:
        problems += _no_engine_problems(predictor)
        if predictor.name in names:
            problems.append(f"{predictor.path}.name: duplicate predictor name {quote(predictor.name)}")
        names.add(predictor.name)
        problems += [
            problem for node in nodes(predictor.graph) for problem in _node_problems(node, predictor, spec)
        ]
    problems += _transport_problems(spec)
    problems += _traffic_problems(spec.predictors)
    return problems


def _enum_problems(spec: Spec) -> list[str]:
    """`ValidateSeldonDeployment`: protocol, transport and serverType, when set, are known values."""
    problems = []
    for key, value, allowed in (
        ("protocol", spec.protocol, PROTOCOLS),
        ("transport", spec.transport, TRANSPORTS),
        ("serverType", spec.server_type, SERVER_TYPES),
    ):
        if value and value not in allowed:
            problems.append(f"spec.{key}: {quote(value)} is not one of {', '.join(allowed)}")
    return problems


def _kafka_problems(spec: Spec) -> list[str]:
    """`validateKafka`: with serverType kafka every predictor's svcOrchSpec.env names the broker
    and both topics (Go counts the entries with one of the three names, so it needs three of them)."""
    if spec.server_type != "kafka":
        return []
    return [
        f"{p.path}.svcOrchSpec.env: serverType kafka needs the variables {', '.join(KAFKA_ENV)}"
        for p in spec.predictors
        if sum(name in KAFKA_ENV for name in p.orchestrator_env) < len(KAFKA_ENV)
    ]


def _shadow_alone_problems(predictors: list[Predictor]) -> list[str]:
    """`validateShadow`: a shadow cannot be the only predictor."""
    if len(predictors) == 1 and predictors[0].shadow:
        return [f"{predictors[0].path}.shadow: a shadow cannot be the only predictor"]
    return []


def _svc_name_problems(predictors: list[Predictor]) -> list[str]:
    """`validateSvcNameAnnotations`: `seldon.io/svc-name` values are unique across predictors."""
    seen: set[str] = set()
    problems = []
    for predictor in predictors:
        if SVC_NAME not in predictor.annotations:
            continue
        value = predictor.annotations[SVC_NAME]
        if value in seen:
            problems.append(
                f"{predictor.path}.annotations.{SVC_NAME}: {quote(value)} is used by another predictor"
            )
        seen.add(value)
    return problems


def _no_engine_problems(predictor: Predictor) -> list[str]:
    """`ValidateSeldonDeployment`: `seldon.io/no-engine` (any value) only on a single-node graph."""
    size = sum(1 for _ in nodes(predictor.graph))
    if NO_ENGINE in predictor.annotations and size > 1:
        return [
            f"{predictor.path}.annotations.{NO_ENGINE}: running without the engine needs a "
            f"single-node graph, this one has {size} nodes"
        ]
    return []


def _node_problems(node: Node, predictor: Predictor, spec: Spec) -> list[str]:
    """`checkPredictiveUnits` for one node (the Go function recurses over the children)."""
    problems = []
    implementation = node.implementation
    if implementation is None or implementation == UNKNOWN_IMPLEMENTATION:
        if node.name not in predictor.images:
            problems.append(
                f"{node.path}: node {quote(node.name)} has no implementation, so it needs a container named "
                f"{quote(node.name)} in {predictor.path}.componentSpecs"
            )
        if node.type == "UNKNOWN_TYPE" and not node.methods:
            problems.append(f"{node.path}.methods: type UNKNOWN_TYPE needs the methods the node implements")
    elif implementation and implementation not in BUILT_IN:  # IsPrepack
        problems += _prepackaged_problems(node, implementation, predictor, spec)
    if node.logger_mode == "":
        problems.append(f"{node.path}.logger.mode: a logger needs a mode")
    return problems


def _prepackaged_problems(node: Node, implementation: str, predictor: Predictor, spec: Spec) -> list[str]:
    """`checkPredictiveUnits`, prepackaged-server branch."""
    problems = []
    if not node.model_uri and implementation != "HUGGINGFACE_SERVER":  # HuggingFace can load from the Hub
        problems.append(f"{node.path}.modelUri: {shown(implementation)} needs a modelUri")
    if spec.protocol == "tensorflow" and implementation in NO_TENSORFLOW_PROTOCOL:
        problems.append(
            f"{node.path}.implementation: {implementation} does not serve the tensorflow protocol"
        )
    # A container of the node's name with an image of its own skips the server lookup.
    if not predictor.images.get(node.name) and implementation not in PREDICTOR_SERVERS:
        problems.append(
            f"{node.path}.implementation: {quote(implementation)} is not a prepackaged server of "
            f"Seldon's default seldon-config ({', '.join(PREDICTOR_SERVERS)}) nor a built-in one "
            f"({', '.join(BUILT_IN)}), and no container of the node's name sets an image"
        )
    return problems


def _transport_problems(spec: Spec) -> list[str]:
    """`ValidateSeldonDeployment` with `collectTransports`: at most one endpoint type over every
    graph, and it agrees with spec.transport when both are set."""
    types = sorted({n.endpoint_type for p in spec.predictors for n in nodes(p.graph) if n.endpoint_type})
    listed = ", ".join(map(shown, types))
    if len(types) > 1:
        return [f"spec.predictors[].graph: endpoint types {listed} are mixed (use spec.transport)"]
    if types and spec.transport and ENDPOINT_TRANSPORTS.get(types[0], spec.transport) != spec.transport:
        return [f"spec.transport: {quote(spec.transport)} disagrees with the graph's endpoint type {listed}"]
    return []


def _traffic_problems(predictors: list[Predictor]) -> list[str]:
    """`checkTraffic`: one shadow at most, its traffic within 0..100; several non-shadow predictors
    sum to exactly 100; a lone predictor's traffic, when set (> 0), is at least 100."""
    problems = []
    shadows = [p for p in predictors if p.shadow]
    problems += [f"{p.path}.shadow: at most one shadow predictor is allowed" for p in shadows[1:]]
    problems += [
        f"{p.path}.traffic: shadow traffic must be within 0..100, not {p.traffic}"
        for p in shadows
        if not 0 <= p.traffic <= 100
    ]
    total = sum(p.traffic for p in predictors if not p.shadow)
    if total != 100 and len(predictors) - len(shadows) > 1:
        problems.append(
            f"spec.predictors[].traffic: the non-shadow predictors' traffic sums to {total}, not 100"
        )
    if 0 < total < 100 and len(predictors) == 1:
        problems.append(
            f"{predictors[0].path}.traffic: a single predictor's traffic must be 100 when set, not {total}"
        )
    return problems
