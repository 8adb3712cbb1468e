"""The one place that configures ruamel.yaml: byte-stable dumping and safe loading.

Same documents in, same bytes out: block style, two-space indents, no line folding, keys in the
order the renderer built them, multi-line strings as literal blocks, a trailing newline.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString


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
        return {_key(str(key)): _prepare(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_prepare(item) for item in value]
    if isinstance(value, str) and "\n" in value and _literal_safe(value):
        return LiteralScalarString(value)
    if isinstance(value, str) and _needs_escapes(value):
        return DoubleQuotedScalarString(value)
    return value


def _key(text: str) -> str:
    return DoubleQuotedScalarString(text) if _needs_escapes(text) else text


def _needs_escapes(text: str) -> bool:
    """Untrusted text with characters a plain or single-quoted scalar would not keep exactly."""
    return not all(char.isprintable() or char == " " for char in text)


def _literal_safe(text: str) -> bool:
    """Literal blocks only for plain printable text without trailing spaces (e.g. Lua, JSON)."""
    lines = text.split("\n")
    return not text[:1].isspace() and all(line == line.rstrip() and line.isprintable() for line in lines)


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
