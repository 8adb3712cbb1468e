"""Argo CD health of a KServe `InferenceService`: Argo CD's own, so the target ships none.

Argo CD has a built-in health check for `serving.kserve.io/InferenceService` since v2.8
(argoproj/argo-cd `resource_customizations/serving.kserve.io/InferenceService/health.lua`, added in
PR #14177, with its test data in `testdata/`): Healthy when every status condition is True and
`status.modelStatus.transitionStatus` is UpToDate; Progressing while a condition is Unknown or the
model transition is InProgress; Degraded when a condition is False or the transition failed
(e.g. BlockedByFailedLoad); Suspended when the `Stopped` condition is True. It covers both
deployment modes and a canary in progress (its conditions stay True). A `resource.customizations.
health.serving.kserve.io_InferenceService` key in `argocd-cm` would replace it, so the target
adds nothing to the `argocd-cm` patch.
"""

from __future__ import annotations

from collections.abc import Mapping

HEALTH_CHECKS: Mapping[str, str] = {}
BUILT_IN = "argoproj/argo-cd resource_customizations/serving.kserve.io/InferenceService/health.lua"
