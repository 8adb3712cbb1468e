from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from generator import yamlio
from generator.validate.crdschema import crd_schemas, strict_schema
from generator.validate.schemas import read_crd
from tests.conftest import seldon_crd


def test_objects_with_properties_become_closed() -> None:
    schema = strict_schema({"type": "object", "properties": {"a": {"type": "string", "description": "x"}}})
    assert schema == {
        "type": "object",
        "properties": {"a": {"type": ["string", "null"]}},
        "additionalProperties": False,
    }


def test_a_field_named_description_is_kept() -> None:
    """`description` is dropped as a keyword, never as a field name (Argo CD's AppProject spec)."""
    schema = strict_schema(
        {"type": "object", "description": "doc", "properties": {"description": {"type": "string"}}}
    )
    assert schema == {
        "type": "object",
        "properties": {"description": {"type": ["string", "null"]}},
        "additionalProperties": False,
    }


def test_null_is_accepted_where_the_api_server_drops_it() -> None:
    """Optional fields and map values may be null (pruned by the API server); required ones may not."""
    schema = strict_schema(
        {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "list": {"type": "array", "items": {"type": "string"}},
                "mode": {"type": "string", "enum": ["a", "b"]},
                "port": {"x-kubernetes-int-or-string": True},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    )
    properties = schema["properties"]
    assert properties["name"] == {"type": "string"}
    assert properties["list"] == {"type": ["array", "null"], "items": {"type": "string"}}
    assert properties["mode"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert properties["port"]["oneOf"] == [{"type": "string"}, {"type": "integer"}, {"type": "null"}]
    assert properties["labels"]["additionalProperties"] == {"type": ["string", "null"]}


def test_int_or_string_maps_to_one_of() -> None:
    schema = strict_schema(
        {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]}
    )
    assert schema["oneOf"] == [{"type": "string"}, {"type": "integer"}]
    assert "x-kubernetes-int-or-string" not in schema


def test_preserve_unknown_fields_stays_open() -> None:
    schema = strict_schema(
        {"type": "object", "properties": {"a": {}}, "x-kubernetes-preserve-unknown-fields": True}
    )
    assert "additionalProperties" not in schema


def test_seldon_crd_gives_one_schema_per_served_version() -> None:
    text = read_crd(seldon_crd(), Path(tempfile.gettempdir()) / "model-gitops-test-cache")
    schemas = crd_schemas(yamlio.load_all(text)[0])
    assert sorted(schemas) == [
        "machinelearning.seldon.io/seldondeployment_v1.json",
        "machinelearning.seldon.io/seldondeployment_v1alpha2.json",
        "machinelearning.seldon.io/seldondeployment_v1alpha3.json",
    ]
    v1 = schemas["machinelearning.seldon.io/seldondeployment_v1.json"]
    predictor = v1["properties"]["spec"]["properties"]["predictors"]["items"]
    assert predictor["additionalProperties"] is False
    assert v1["properties"]["apiVersion"]["enum"] == ["machinelearning.seldon.io/v1"]


def test_non_crd_documents_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a CustomResourceDefinition"):
        crd_schemas({"kind": "ConfigMap"})


HELM_TEMPLATED_CRD = """{{- if .Values.crd.create }}
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    example.com/from: '{{ .Release.Namespace }}/cert'
{{- with .Values.crd.annotations }}
{{- toYaml . | nindent 4}}
{{- end }}
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
{{- end }}
"""


def test_a_helm_templated_crd_is_read_without_its_directive_lines(tmp_path: Path) -> None:
    """Seldon's public CRD with recursive graph children is the helm chart's template."""
    from generator.validate.schemas import _documents

    (crd,) = _documents("widgets.yaml", HELM_TEMPLATED_CRD)
    assert crd["metadata"]["annotations"] == {"example.com/from": "{{ .Release.Namespace }}/cert"}
    assert list(crd_schemas(crd)) == ["example.com/widget_v1.json"]
