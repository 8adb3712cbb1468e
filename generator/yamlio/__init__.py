"""The one place that configures ruamel.yaml: byte-stable dumping and safe loading (and, in
`edit`, round-trip edits of files people wrote: `set_values`).

Same documents in, same bytes out: block style, two-space indents, no line folding, keys in the
order the renderer built them, multi-line strings as literal blocks, a trailing newline. A string
is written plain only if YAML 1.2, YAML 1.1 and Go readers all read it back as that string
(`yamlio.plain`): `yes`, `on`, `1:20` are quoted. Characters outside the Basic Multilingual Plane
are written as themselves (never as surrogate-pair escapes, which Go's YAML rejects).

Both directions have a fast path for the thousands of manifests a large registry renders, with
ruamel's output and semantics as the reference: `yamlfast` writes the common shapes byte for byte
as ruamel would (anything else goes to ruamel), and loading parses with libyaml (through PyYAML,
when installed) but resolves and constructs every value with ruamel's YAML 1.2 safe resolver and
constructor; any input libyaml does not take cleanly is loaded by ruamel, errors included.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml import nodes as _nodes
from ruamel.yaml.error import YAMLError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString
from ruamel.yaml.tag import Tag

from generator.yamlio import fast, plain
from generator.yamlio.edit import set_values

try:  # libyaml's parser, through PyYAML; values are still resolved and built by ruamel
    from yaml import nodes as _libyaml_nodes
    from yaml._yaml import CParser as _LibyamlParser
    from yaml.resolver import BaseResolver as _PathResolver
except ImportError:  # pragma: no cover - PyYAML without libyaml: ruamel does all the loading
    _LibyamlParser = None


def _dumper() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Resolver = plain.QuotingResolver  # quotes `yes`, `on`, `1:20` ... (see yamlio.plain)
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


_RESOLVER = VersionedResolver()  # YAML 1.2, as the loader uses it
_FAST = fast.FastDumper(plain.reads_as_str, _literal_safe)


def dump(document: Any) -> str:
    """One YAML document as text."""
    try:
        return _FAST.dump(document)
    except fast.Unsupported:
        return dump_with_ruamel(document)


def dump_with_ruamel(document: Any) -> str:
    """`dump` without the fast path: the reference its output must equal byte for byte."""
    stream = io.StringIO()
    _dumper().dump(_prepare(document), stream)
    return stream.getvalue()


def dump_all(documents: list[Any]) -> str:
    """Several documents separated by `---`."""
    return "---\n".join(dump(document) for document in documents)


def load(text: str) -> Any:
    """Parse one YAML document safely; raises `YAMLError` (see `YAMLError`) on bad input."""
    if _libyaml_takes(text):
        try:
            return _libyaml_load(text, single=True)
        except Exception:  # noqa: BLE001, S110 - ruamel below decides, and raises its own error
            pass
    return _loader().load(text)


def load_all(text: str) -> list[Any]:
    """Parse a multi-document stream, dropping empty documents."""
    if _libyaml_takes(text):
        try:
            return [doc for doc in _libyaml_load(text, single=False) if doc is not None]
        except Exception:  # noqa: BLE001, S110 - ruamel below decides, and raises its own error
            pass
    return [doc for doc in _loader().load_all(text) if doc is not None]


def load_with_ruamel(text: str) -> list[Any]:
    """`load_all` without the fast path: the reference it must equal (for tests)."""
    return [doc for doc in _loader().load_all(text) if doc is not None]


def _libyaml_takes(text: str) -> bool:
    """No directives (%YAML 1.1 changes resolution) and no YAML 1.1-only line breaks."""
    return (
        _LibyamlParser is not None
        and not text.startswith("%")
        and "\n%" not in text
        and not any(char in text for char in "\x85\u2028\u2029")
    )


def _libyaml_load(text: str, single: bool) -> list[Any] | Any:
    """Parse with libyaml, resolve with ruamel's resolver, build values as ruamel's constructor does."""
    builder = _Builder()
    parser = _Libyaml(text)
    try:
        if single:
            node = parser.get_single_node()
            return None if node is None else builder.document(node)
        documents = []
        while parser.check_node():
            documents.append(builder.document(parser.get_node()))
        return documents
    finally:
        parser.dispose()


if _LibyamlParser is not None:
    _KINDS = {
        _libyaml_nodes.ScalarNode: _nodes.ScalarNode,
        _libyaml_nodes.SequenceNode: _nodes.SequenceNode,
        _libyaml_nodes.MappingNode: _nodes.MappingNode,
    }

    class _Libyaml(_LibyamlParser, _PathResolver):  # type: ignore[misc, valid-type]
        def __init__(self, text: str) -> None:
            _LibyamlParser.__init__(self, text)
            _PathResolver.__init__(self)

        def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> Any:
            if kind is not _libyaml_nodes.ScalarNode:
                return _RESOLVER.resolve(_KINDS[kind], value, implicit)
            key = (value, *implicit)
            tag = _SCALAR_TAGS.get(key)
            if tag is None:
                tag = _RESOLVER.resolve(_nodes.ScalarNode, value, implicit)
                if len(_SCALAR_TAGS) < _SCALAR_TAGS_LIMIT and len(value) < 100:
                    _SCALAR_TAGS[key] = tag  # keys and enum-like values repeat in every document
            return tag

    _SCALAR_TAGS: dict[tuple[str, bool, bool], Any] = {}


_SCALAR_TAGS_LIMIT = 100_000
_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{name}" for name in ("str", "seq", "map"))
_SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")
_SCALARS: dict[tuple[str, str], Any] = {}


class _Builder:
    """Values from libyaml's nodes exactly as ruamel's SafeConstructor builds them.

    Strings, lists and dicts are built here; every other scalar tag (int, float, bool, null,
    timestamp ...) goes through ruamel's constructor. Shapes where ruamel does more than that
    (explicit tags, merge keys, duplicate or unhashable keys) raise, so yamlio lets ruamel load.
    """

    def __init__(self) -> None:
        self.seen: dict[int, Any] = {}
        self.constructor: Any = None

    def document(self, node: Any) -> Any:
        self.seen = {}
        return self.build(node)

    def build(self, node: Any) -> Any:
        if not isinstance(node.tag, Tag):
            raise fast.Unsupported  # an explicit tag
        tag = str(node.tag)
        if isinstance(node, _libyaml_nodes.ScalarNode):
            return node.value if tag == _STR else self.scalar(tag, node)
        found = self.seen.get(id(node))
        if found is not None:
            return found  # an alias of a collection built before
        if isinstance(node, _libyaml_nodes.SequenceNode) and tag == _SEQ:
            items: list[Any] = []
            self.seen[id(node)] = items
            items.extend(self.build(item) for item in node.value)
            return items
        if not isinstance(node, _libyaml_nodes.MappingNode) or tag != _MAP:
            raise fast.Unsupported
        mapping: dict[Any, Any] = {}
        self.seen[id(node)] = mapping
        for key_node, value_node in node.value:
            key = self.build(key_node)
            if str(key_node.tag) in _SPECIAL_KEYS or isinstance(key, (list, dict)) or key in mapping:
                raise fast.Unsupported
            mapping[key] = self.build(value_node)
        return mapping

    def scalar(self, tag: str, node: Any) -> Any:
        key = (tag, node.value)
        if key in _SCALARS:
            return _SCALARS[key]
        if self.constructor is None:
            self.constructor = _loader().constructor
        ruamel = _nodes.ScalarNode(node.tag, node.value, node.start_mark, node.end_mark, node.style)
        value = self.constructor.construct_document(ruamel)
        if len(_SCALARS) < _SCALAR_TAGS_LIMIT and isinstance(value, (int, float, type(None))):
            _SCALARS[key] = value  # bool is an int: true/false and numbers repeat everywhere
        return value


__all__ = [
    "YAMLError",
    "dump",
    "dump_all",
    "dump_with_ruamel",
    "load",
    "load_all",
    "load_with_ruamel",
    "set_values",
]
