"""Runtime profiles: the image that serves a model, its Python and the package versions that decide
whether an MLflow model loads in it. Pure data.

Built-in profiles describe Seldon Core v1.18.2's prepackaged servers; users declare their own
(`seldon.runtime` in an environment file or a model override).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RuntimeProfile:
    """One serving runtime. `packages` maps normalised names (lower case, '-' not '_') to versions."""

    name: str
    image: str | None
    python: str | None  # "3.8": major.minor, None when unknown
    packages: dict[str, str] = field(default_factory=dict)
    mlserver: str | None = None  # MLServer version when the runtime is MLServer (serve check builds it)
    source: str = ""  # where these facts come from
