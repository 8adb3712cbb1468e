"""The serving-target protocol: everything model-gitops knows about one serving stack. Pure.

A target turns one planned deployment (`generator.plan.planner.Target`: model, versions, strategy,
weights) into the document its cluster runs, and knows how to read that document back, what its
admission webhook refuses, where its CRD is published, how Argo CD judges its health, which
PromQL describes its traffic, and which MLflow flavor its model server needs. The rest of the
pipeline (plan, rollout, delivery, the CLI) never names a serving stack; `generator.targets`
holds the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from generator.config import SeldonSettings
from generator.model import Document
from generator.model.runtime import RuntimeProfile
from generator.plan.planner import Target


@dataclass(frozen=True)
class ReadBack:
    """What a rendered serving document says about itself: model, version, annotations, and the
    name of the predictor serving that version ("" when the target has no such notion)."""

    model: str
    version: str
    annotations: dict[str, str]
    predictor: str = ""
    served_by: str = ""  # what serves the version (`ServingTarget.served_by`) as the file says


class ServingTarget(Protocol):
    """One serving stack (Seldon Core v1, KServe, ...): registered by `name` in `TARGETS`."""

    name: str  # the value of `target:` in an environment file
    api_version: str
    kind: str
    file_name: str  # the serving document's name in rendered/<env>/<model>/
    health_checks: Mapping[str, str]  # Argo CD argocd-cm key -> Lua health check
    strategies: frozenset[str]  # the strategy types it can roll out (others are refused at load)

    @property
    def crd(self) -> str | tuple[str, ...]:
        """Where its CustomResourceDefinition is published (turned into a kubeconform schema); a
        target rendering several custom kinds names each one's ("" for a core kind: none)."""
        ...

    @property
    def metrics(self) -> Any:
        """The PromQL vocabulary of its traffic (see `generator.targets.seldon_v1.promql`)."""
        ...

    def render(self, deployment: Target) -> Document:
        """The serving document of one planned deployment."""
        ...

    def read_back(self, document: Mapping[str, Any]) -> ReadBack | None:
        """The deployment a rendered document records, or None if it is not one of ours."""
        ...

    def admission_problems(self, document: Mapping[str, Any]) -> list[str]:
        """What the target's admission webhook would refuse, beyond its CRD schema."""
        ...

    def served_by(self, settings: SeldonSettings) -> str:
        """What decides whether a version loads, as these settings render it (server, protocol...).

        A version already serving is checked again when this differs from the file's."""
        ...

    def runtime(self, settings: SeldonSettings) -> RuntimeProfile:
        """What runs the model with these settings: declared, else the server's built-in profile."""
        ...

    def required_flavor(self, settings: SeldonSettings) -> str | None:
        """The MLflow flavor a model must have to be served with these settings (None: any)."""
        ...
