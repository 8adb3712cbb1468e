"""Kubernetes names from registry names: DNS-1123, at most 63 characters, collision-free.

A name that is already valid is used as it is. When sanitising changes it (case, characters,
length), a short hash of the original is appended, so two different model names never map to
the same resource name or directory.
"""

from __future__ import annotations

import hashlib
import re

MAX_LENGTH = 63
_INVALID = re.compile(r"[^a-z0-9-]+")
_DASHES = re.compile(r"-{2,}")
_VALID = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def resource_name(model_name: str, max_length: int = MAX_LENGTH) -> str:
    """The DNS-1123 name used for the model's resources and its directory under rendered/."""
    if len(model_name) <= max_length and _VALID.match(model_name):
        return model_name
    cleaned = _DASHES.sub("-", _INVALID.sub("-", model_name.lower())).strip("-")
    suffix = short_hash(model_name)
    base = cleaned[: max_length - len(suffix) - 1].rstrip("-") or "model"
    return f"{base}-{suffix}"


def is_dns_label(value: str) -> bool:
    return len(value) <= MAX_LENGTH and bool(_VALID.match(value))


def unsafe_text_reason(field: str, value: str, max_length: int = 1024) -> str | None:
    """Why a registry string cannot go into a manifest (control characters, size), or None."""
    if len(value) > max_length:
        return f"{field} is longer than {max_length} characters"
    if any(not (char.isprintable() or char == " ") for char in value):
        return f"{field} contains control or invisible formatting characters"
    return None
