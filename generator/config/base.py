"""Building blocks shared by every config model: strictness, Kubernetes value types, and the
plain words that replace a pattern's regular expression in error messages.

Every `pattern=` of the config models is registered here with `described()`, so a bad value reads
"must be a DNS label: lowercase letters, digits and '-' ..." instead of pydantic's raw regex; a
test checks that every pattern in the JSON Schema has its words.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

PATTERN_WORDS: dict[str, str] = {}


def described(pattern: str, words: str) -> str:
    """Register the words shown instead of `pattern` when a value does not match it."""
    PATTERN_WORDS[pattern] = words
    return pattern


DNS_LABEL = described(
    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
    "must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter "
    "or digit, at most 63 characters",
)
SECRET_NAME = described(  # a name pattern, not a secret
    r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$",
    "must be a Kubernetes Secret name: lowercase letters, digits, '-' and '.', starting and ending "
    "with a letter or digit, at most 253 characters",
)
QUANTITY = described(
    r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$",
    "must be a Kubernetes quantity: a number with an optional unit (m, k, M, G, T, P, E, Ki, Mi, "
    "Gi, Ti, Pi, Ei), e.g. 500m, 2 or 1Gi",
)
HTTP_URL = described(r"^https?://[^\s]+$", "must be an http:// or https:// URL without spaces")
HTTPS_URL = described(r"^https://[^\s]+$", "must be an https:// URL without spaces")

Quantity = Annotated[str, Field(pattern=QUANTITY)]


def pattern_words(pattern: str) -> str:
    """The words for `pattern` (the pattern itself, quoted, if it was never described)."""
    return PATTERN_WORDS.get(pattern, f"must match the pattern {pattern!r}")


class Strict(BaseModel):
    """Base for every config model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)
