"""The one place that configures ruamel.yaml: byte-stable dumping and safe loading.

Same documents in, same bytes out: block style, two-space indents, no line folding, keys in the
order the renderer built them, multi-line strings as literal blocks, a trailing newline.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString


def _dumper() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.explicit_start = False
    return yaml


def _loader() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = False
    return yaml


def _prepare(value: Any) -> Any:
    """Turn plain data into what the dumper should emit (literal blocks for multi-line text)."""
    if isinstance(value, dict):
        return {str(key): _prepare(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_prepare(item) for item in value]
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value if value.endswith("\n") else value + "\n")
    return value


def dump(document: Any) -> str:
    """One YAML document as text."""
    stream = io.StringIO()
    _dumper().dump(_prepare(document), stream)
    return stream.getvalue()


def dump_all(documents: list[Any]) -> str:
    """Several documents separated by `---`."""
    return "---\n".join(dump(document) for document in documents)


def load(text: str) -> Any:
    """Parse one YAML document safely; raises `YAMLError` (see `YAMLError`) on bad input."""
    return _loader().load(text)


def load_all(text: str) -> list[Any]:
    """Parse a multi-document stream, dropping empty documents."""
    return [doc for doc in _loader().load_all(text) if doc is not None]


__all__ = ["YAMLError", "dump", "dump_all", "load", "load_all"]
