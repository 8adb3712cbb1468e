"""Read the fields Seldon's admission webhook looks at out of a SeldonDeployment of any shape. Pure.

A hand-edited document can hold anything: `children` as a mapping, `traffic: "abc"`, a list where
the spec should be. The API server refuses such a document before the webhook runs; here each
wrong shape becomes one problem naming the field, the field reads as Go's zero value (empty,
0, false, absent), and no shape raises. Fields the webhook does not read are left to kubeconform.

Which fields are read, and what an absent one means, follows the Go types in SeldonIO/seldon-core
v1.18.2 `operator/apis/machinelearning.seldon.io/v1/seldondeployment_types.go`: `implementation`,
`type`, `methods`, `logger` and `endpoint` are pointers (absent differs from empty), the rest are
values (absent is "" / 0 / false).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Kubernetes stores at most 1.5 MiB per object, a few tens of thousands of graph nodes: more can
# only come from YAML aliases (a node listed as its own child, or an alias bomb).
MAX_NODES = 100_000
SHOWN_DEPTH = 30  # graph paths deeper than this name the depth, not every level
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_./-]+")


@dataclass
class Node:
    """One graph node (PredictiveUnit)."""

    path: str
    name: str = ""
    implementation: str | None = None
    type: str | None = None
    methods: list[Any] | None = None
    model_uri: str = ""
    logger_mode: str | None = None  # None: no logger
    endpoint_type: str = ""
    children: list[Node] = field(default_factory=list)


@dataclass
class Predictor:
    path: str
    graph: Node
    name: str = ""
    traffic: int = 0
    shadow: bool = False
    annotations: dict[str, str] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)  # componentSpecs container name -> image
    orchestrator_env: list[str] = field(default_factory=list)  # svcOrchSpec.env names


@dataclass
class Spec:
    protocol: str = ""
    transport: str = ""
    server_type: str = ""
    predictors: list[Predictor] = field(default_factory=list)


class Reader:
    """Typed reads of untrusted values; each wrong shape is recorded in `problems`.

    A value is read at `path` + `key`; the two are joined only for a problem (graphs are large).
    """

    def __init__(self) -> None:
        self.problems: list[str] = []

    def mapping(self, value: object, path: str, key: str = "") -> dict[Any, Any]:
        return self._expect(value, dict, path, key, "a mapping") or {}

    def items(self, value: object, path: str, key: str = "") -> list[Any]:
        return self._expect(value, list, path, key, "a list") or []

    def text(self, value: object, path: str, key: str = "") -> str:
        return self._expect(value, str, path, key, "a string") or ""

    def optional_text(self, value: object, path: str, key: str = "") -> str | None:
        return None if value is None else self.text(value, path, key)

    def integer(self, value: object, path: str, key: str = "") -> int:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value or 0
        if isinstance(value, float) and value.is_integer():  # 50.0: Kubernetes reads JSON numbers so
            return int(value)
        self.problems.append(f"{join(path, key)}: must be an integer, not {describe(value)}")
        return 0

    def flag(self, value: object, path: str, key: str = "") -> bool:
        return bool(self._expect(value, bool, path, key, "true or false"))

    def _expect(self, value: object, kind: type, path: str, key: str, wanted: str) -> Any:
        if value is None or isinstance(value, kind):
            return value
        self.problems.append(f"{join(path, key)}: must be {wanted}, not {describe(value)}")
        return None


def join(path: str, key: str) -> str:
    """`path.key`, or `path[3]` for an index key `[3]`."""
    return path if not key else f"{path}{key}" if key.startswith("[") else f"{path}.{key}"


def quote(text: str, limit: int = 40) -> str:
    """`text` quoted for a message: escaped (no raw control or bidi characters) and cut short."""
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def shown(text: str) -> str:
    """`text` as is when it is a plain word (letters, digits, `_./-`), else quoted."""
    return text if _PLAIN_KEY.fullmatch(text) and len(text) <= 253 else quote(text)


def describe(value: object) -> str:
    """A value's shape in words, quoting scalars briefly and safely (no raw control characters)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f"the string {quote(value)}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return type(value).__name__


def key_path(path: str, key: object) -> str:
    """`path.key`, or `path['key']` quoted and escaped when the key is not plain (a hostile key)."""
    return f"{path}.{key}" if isinstance(key, str) and _PLAIN_KEY.fullmatch(key) else f"{path}[{key!r}]"


def read_spec(document: object, reader: Reader) -> Spec:
    """The spec fields the webhook reads, from a document of any shape."""
    spec = reader.mapping(reader.mapping(document, "document").get("spec"), "spec")
    result = Spec(
        protocol=reader.text(spec.get("protocol"), "spec", "protocol"),
        transport=reader.text(spec.get("transport"), "spec", "transport"),
        server_type=reader.text(spec.get("serverType"), "spec", "serverType"),
    )
    for index, raw in enumerate(reader.items(spec.get("predictors"), "spec", "predictors")):
        result.predictors.append(_read_predictor(raw, f"spec.predictors[{index}]", reader))
    return result


def _read_predictor(raw: object, path: str, reader: Reader) -> Predictor:
    predictor = reader.mapping(raw, path)
    annotations = reader.mapping(predictor.get("annotations"), path, "annotations")
    return Predictor(
        path=path,
        graph=read_graph(predictor.get("graph"), f"{path}.graph", reader),
        name=reader.text(predictor.get("name"), path, "name"),
        traffic=reader.integer(predictor.get("traffic"), path, "traffic"),
        shadow=reader.flag(predictor.get("shadow"), path, "shadow"),
        annotations={
            str(key): value
            if isinstance(value, str)
            else reader.text(value, key_path(f"{path}.annotations", key))
            for key, value in annotations.items()
        },
        images=_container_images(predictor.get("componentSpecs"), f"{path}.componentSpecs", reader),
        orchestrator_env=_env_names(predictor.get("svcOrchSpec"), f"{path}.svcOrchSpec", reader),
    )


def read_graph(raw: object, path: str, reader: Reader) -> Node:
    """The graph below `raw`, read breadth first without recursion (a graph may be nested deeply
    by hand, or refer to itself through YAML aliases: reading stops at MAX_NODES)."""
    root = Node(path)
    pending = deque([(raw, root, 0)])
    room = MAX_NODES - 1
    while pending:
        value, node, depth = pending.popleft()
        unit = reader.mapping(value, node.path)
        _read_node_fields(unit, node, reader)
        children = reader.items(unit.get("children"), node.path, "children")
        if len(children) > room:
            if room >= 0:
                reader.problems.append(
                    f"{path}: more than {MAX_NODES} nodes (a graph that refers to itself?)"
                )
            room = -1  # reported once; no more nodes are read
            continue
        for index, child in enumerate(children):
            node.children.append(Node(_child_path(path, node.path, index, depth + 1)))
            pending.append((child, node.children[-1], depth + 1))
        room -= len(children)
    return root


def _child_path(root: str, parent: str, index: int, depth: int) -> str:
    """The full path while it stays short; below SHOWN_DEPTH the depth instead (keeps paths linear)."""
    if depth <= SHOWN_DEPTH:
        return f"{parent}.children[{index}]"
    return f"{root}.children[...{depth} levels down...][{index}]"


def nodes(root: Node) -> Iterator[Node]:
    """Every node of a graph, parents before children, without recursion."""
    pending = [root]
    while pending:
        node = pending.pop()
        yield node
        pending.extend(reversed(node.children))


def _read_node_fields(unit: dict[str, Any], node: Node, reader: Reader) -> None:
    path = node.path
    node.name = reader.text(unit.get("name"), path, "name")
    node.implementation = reader.optional_text(unit.get("implementation"), path, "implementation")
    node.type = reader.optional_text(unit.get("type"), path, "type")
    if unit.get("methods") is not None:
        node.methods = reader.items(unit["methods"], path, "methods")
    node.model_uri = reader.text(unit.get("modelUri"), path, "modelUri")
    if unit.get("logger") is not None:
        logger = reader.mapping(unit["logger"], path, "logger")
        node.logger_mode = reader.text(logger.get("mode"), path, "logger.mode")
    endpoint = reader.mapping(unit.get("endpoint"), path, "endpoint")
    node.endpoint_type = reader.text(endpoint.get("type"), path, "endpoint.type")


def _container_images(raw: object, path: str, reader: Reader) -> dict[str, str]:
    """Container name -> image over every componentSpec; the first container of a name wins
    (as `GetContainerForPredictiveUnit` in seldondeployment_webhook.go)."""
    images: dict[str, str] = {}
    for index, component in enumerate(reader.items(raw, path)):
        where = f"{path}[{index}]"
        pod = reader.mapping(reader.mapping(component, where).get("spec"), where, "spec")
        for number, raw_container in enumerate(reader.items(pod.get("containers"), where, "spec.containers")):
            at = f"{where}.spec.containers[{number}]"
            container = reader.mapping(raw_container, at)
            name = reader.text(container.get("name"), at, "name")
            images.setdefault(name, reader.text(container.get("image"), at, "image"))
    return images


def _env_names(raw: object, path: str, reader: Reader) -> list[str]:
    orchestrator = reader.mapping(raw, path)
    variables = reader.items(orchestrator.get("env"), path, "env")
    return [
        reader.text(
            reader.mapping(variable, f"{path}.env[{index}]").get("name"), f"{path}.env[{index}]", "name"
        )
        for index, variable in enumerate(variables)
    ]
