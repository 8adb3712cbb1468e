"""Turn CustomResourceDefinitions into kubeconform JSON schemas. Pure on plain data.

No public catalog has a SeldonDeployment schema, and users have CRDs of their own, so this is a
feature (`model-gitops validate --crd FILE`): each served version's `openAPIV3Schema` becomes
`<group>/<kind>_<version>.json`, the layout of kubeconform's
`{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json` template. For strict mode every
object that lists `properties` gets `additionalProperties: false`, and Kubernetes extensions are
mapped to plain JSON Schema (`x-kubernetes-int-or-string` -> string or integer).

A null value for a field that is not required is accepted, as the API server accepts it: it drops
non-nullable nulls from a custom resource before validating it (k8s.io/apiextensions-apiserver,
`pkg/apiserver/schema/defaulting/prunenulls.go`, `PruneNonNullableNullsWithoutDefaults`), so
`componentSpecs: null` means no componentSpecs. A required field that is null is still refused.
"""

from __future__ import annotations

from typing import Any

SCHEMA_DIALECT = "http://json-schema.org/draft-04/schema#"
FORMAT = 3  # bump when the conversion changes: cached schemas are keyed by it


def crd_schemas(crd: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`{relative path: JSON schema}` for every version a CRD serves."""
    if crd.get("kind") != "CustomResourceDefinition":
        raise ValueError(f"not a CustomResourceDefinition (kind {crd.get('kind')!r})")
    spec = crd.get("spec") or {}
    group = spec["group"]
    kind = spec["names"]["kind"]
    schemas = {}
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        openapi = ((version.get("schema") or {}).get("openAPIV3Schema")) or {"type": "object"}
        schema = strict_schema(openapi)
        schema["$schema"] = SCHEMA_DIALECT
        schema.setdefault("properties", {})
        schema["properties"]["apiVersion"] = {"type": "string", "enum": [f"{group}/{version['name']}"]}
        schema["properties"]["kind"] = {"type": "string", "enum": [kind]}
        schemas[f"{group}/{kind.lower()}_{version['name']}.json"] = schema
    return schemas


def strict_schema(node: Any) -> Any:
    """A copy of an OpenAPI v3 schema node in kubeconform strict form."""
    if isinstance(node, list):
        return [strict_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key == "description":
            continue
        if key == "properties" and isinstance(value, dict):
            # Field names, not keywords: a field called `description` is kept (AppProject has one).
            result[key] = {name: strict_schema(field) for name, field in value.items()}
            continue
        result[key] = strict_schema(value)
    if node.get("x-kubernetes-int-or-string"):
        result.pop("type", None)
        result["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    if node.get("x-kubernetes-preserve-unknown-fields"):
        return {key: value for key, value in result.items() if key != "additionalProperties"}
    if "properties" in result:
        required = set(node.get("required") or [])
        result["properties"] = {
            name: value if name in required else _or_null(value)
            for name, value in result["properties"].items()
        }
        result.setdefault("additionalProperties", False)
    if isinstance(result.get("additionalProperties"), dict):
        result["additionalProperties"] = _or_null(result["additionalProperties"])
    if result.get("nullable"):
        result.pop("nullable")
        if isinstance(result.get("type"), str):
            result["type"] = [result["type"], "null"]
    return result


def _or_null(schema: Any) -> Any:
    """`schema` that also accepts null (a field the API server drops when it is null)."""
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        schema["type"] = [*kind, "null"]
    if "oneOf" in schema and {"type": "null"} not in schema["oneOf"]:
        schema["oneOf"] = [*schema["oneOf"], {"type": "null"}]
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema
