"""Which strings yamlio may write unquoted: those every YAML reader reads back as the same string.

Readers disagree about plain scalars. YAML 1.2 (ruamel, yamlio's own loader) reads `yes`, `on`,
`y`, `1:20` and `012` as strings; YAML 1.1 readers (PyYAML, Go's yaml.v2 behind kubectl, kustomize
and kubeconform) read them as a boolean, a sexagesimal and an octal number. Go's YAML libraries also
take whatever `strconv` parses (`0X1F`, `0B1`, `.5e3`, `1_0` with the underscores removed). A
string that any of them would read as something else (boolean, number, null, timestamp, merge key)
is quoted, so a model named `yes` stays the string `yes` everywhere.

Both dump paths ask this module: the fast path through `reads_as_str`, ruamel through
`QuotingResolver` (its serializer quotes a string whose plain form resolves to another tag).
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import nodes
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

STR_TAG = "tag:yaml.org,2002:str"
_YAML_12 = VersionedResolver()
_YAML_11 = VersionedResolver(version=(1, 1))
# strconv.ParseInt(s, 0, 64) / ParseUint and yaml's float pattern, after Go's YAML drops every `_`
_GO_NUMBER = re.compile(
    r"[-+]?(?:0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)"
)
_GO_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?")  # strconv.ParseFloat, underscores kept
_NOT_STR = Tag(suffix="tag:yaml.org,2002:int")


def _tag(resolver: VersionedResolver, text: str) -> str:
    return str(resolver.resolve(nodes.ScalarNode, text, (True, False)))


def _go_number(text: str) -> bool:
    """Whether Go's yaml.v2/v3 read this plain scalar as a number."""
    first = text[:1]
    if first == ".":
        return _GO_DOT_FLOAT.fullmatch(text) is not None
    return first != "" and first in "+-0123456789" and _GO_NUMBER.fullmatch(text.replace("_", "")) is not None


def reads_as_str(text: str) -> bool:
    """Whether `text`, written plain, reads back as this string in YAML 1.2, YAML 1.1 and Go."""
    return _tag(_YAML_12, text) == STR_TAG and _tag(_YAML_11, text) == STR_TAG and not _go_number(text)


class QuotingResolver(VersionedResolver):
    """ruamel's resolver for dumping: a string not every reader takes for a string gets another tag.

    The serializer compares a string's own tag with what its plain form resolves to; when they
    differ, the emitter quotes it (and writes no tag, since the quoted form reads as a string).
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        tag = super().resolve(kind, value, implicit)
        if kind is nodes.ScalarNode and implicit[0] and str(tag) == STR_TAG and not reads_as_str(value):
            return _NOT_STR
        return tag
