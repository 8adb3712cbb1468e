"""Edit a YAML file people wrote, keeping what they wrote: a ruamel round trip.

`set_values(text, {("overrides", "fraud-detector", "replicas"): 3})` sets each value at its key
path, creating the mappings on the way (appended after the existing keys), and leaves everything
else as it was: comments, key order, quoting, flow or block style, and the file's indentation
(guessed from the text: this repository's files indent mappings by 2 and put a sequence's dash 2
further in). A new mapping whose values are all scalars is written in flow style, as the
environment files write them (`requests: {cpu: 300m, memory: 512Mi}`); a string that would read
back as another type (`"2"`, `"1.5"`) is double-quoted.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML, nodes
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

_RESOLVER = VersionedResolver()
_KEY_LINE = re.compile(r"^(?P<indent> *)[^\s#-][^:#]*:\s*(#.*)?$")  # `key:` opening a block
_DASH = re.compile(r"^(?P<indent> *)- ")


def set_values(text: str, values: Mapping[tuple[str, ...], Any]) -> str:
    """`text` (a YAML mapping) with each key path set to its value; the rest kept as written."""
    yaml = _round_trip(text)
    document = yaml.load(text)
    if document is None:
        document = CommentedMap()
    if not isinstance(document, CommentedMap):
        raise ValueError("the document is not a mapping")
    for path, value in values.items():
        _set(document, path, value)
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


def _round_trip(text: str) -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping, offset = guess_indent(text)
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    return yaml


def guess_indent(text: str) -> tuple[int, int]:
    """(mapping indent, sequence dash offset) of `text`; (2, 2) when it does not say."""
    mapping = offset = None
    parent: int | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        dash = _DASH.match(line)
        if parent is not None and dash and offset is None and indent >= parent:
            offset = indent - parent  # a sequence under `key:` (its dash may sit under the key)
        elif parent is not None and not dash and mapping is None and indent > parent:
            mapping = indent - parent
        key = _KEY_LINE.match(line)
        parent = len(key.group("indent")) if key else None
    return mapping or 2, offset if offset is not None else 2


def _set(document: CommentedMap, path: tuple[str, ...], value: Any) -> None:
    here = document
    for key in path[:-1]:
        found = here.get(key)
        if not isinstance(found, CommentedMap):
            found = CommentedMap()
            here[key] = found
        found.fa.set_block_style()
        here = found
    here[path[-1]] = _node(value)


def _node(value: Any) -> Any:
    """Plain data as round-trip nodes: flow style for a mapping of scalars only."""
    if isinstance(value, Mapping):
        node = CommentedMap((key, _node(item)) for key, item in value.items())
        if all(not isinstance(item, (Mapping, list)) for item in value.values()):
            node.fa.set_flow_style()
        else:
            node.fa.set_block_style()
        return node
    if isinstance(value, list):
        return [_node(item) for item in value]
    if isinstance(value, str) and _reads_as_other(value):
        return DoubleQuotedScalarString(value)
    return value


def _reads_as_other(text: str) -> bool:
    tag = _RESOLVER.resolve(nodes.ScalarNode, text, (True, False))
    return str(tag) != "tag:yaml.org,2002:str"
