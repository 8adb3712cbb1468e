"""`seldon.runtime`: the image that serves an environment's (or one model's) versions, declared.

Declaring a runtime replaces the target's default image (rendered on the graph's container) and
tells the compatibility rules (`generator.plan.compat`) and the serve check what is inside it.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from generator.config.base import Strict, described
from generator.model.runtime import RuntimeProfile, normalised

IMAGE = described(
    r"^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[a-f0-9]{64})?$",
    "must be a container image reference such as ghcr.io/acme/mlserver:1.7.1 (lowercase "
    "registry/repository, optional :tag and @sha256:digest)",
)
PYTHON = described(r"^3\.[0-9]{1,2}$", "must be a Python major.minor version such as 3.11")
VERSION = described(
    r"^[0-9][0-9A-Za-z.+!-]*$", "must be an exact version such as 3.17.2 (no ranges like >=3)"
)


class RuntimeSettings(Strict):
    """What runs the models: image, Python, and the pinned packages that decide loading."""

    image: str = Field(pattern=IMAGE, description="The serving image (rendered on the graph container).")
    python: str = Field(pattern=PYTHON, description='Python major.minor inside the image, e.g. "3.11".')
    packages: dict[str, str] = Field(
        default_factory=dict,
        description="Pinned versions of the packages in the image that decide whether a model loads "
        "(mlflow, scikit-learn, numpy, pandas, cloudpickle, skops, xgboost, ...).",
    )
    mlserver: str | None = Field(
        None, pattern=VERSION, description="MLServer version in the image (the serve check builds it)."
    )

    @field_validator("python", "mlserver", mode="before")
    @classmethod
    def _quoted(cls, value: object) -> object:
        return _unquoted_number(value, "")

    @field_validator("packages", mode="before")
    @classmethod
    def _quoted_pins(cls, packages: object) -> object:
        if isinstance(packages, dict):
            for name, pinned in packages.items():
                _unquoted_number(pinned, f"{name}: ")
        return packages

    @field_validator("packages")
    @classmethod
    def _exact_versions(cls, packages: dict[str, str]) -> dict[str, str]:
        for name, pinned in packages.items():
            if not re.fullmatch(VERSION, str(pinned)):
                raise ValueError(f"packages.{name}: {pinned!r} must be an exact version such as 3.17.2")
        return {normalised(name): str(pinned) for name, pinned in sorted(packages.items())}

    def profile(self) -> RuntimeProfile:
        """As a runtime profile, named after the image."""
        return RuntimeProfile(
            name=self.image,
            image=self.image,
            python=self.python,
            packages=dict(self.packages),
            mlserver=self.mlserver or self.packages.get("mlserver"),
            source="seldon.runtime",
        )


def _unquoted_number(value: object, where: str) -> object:
    """YAML reads `3.10` as the number 3.1: versions must be written in quotes."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f"{where}write the version in quotes ('{value}'): YAML reads an unquoted 3.10 as 3.1"
        )
    return value
