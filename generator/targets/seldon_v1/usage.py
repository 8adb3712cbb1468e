"""Where a SeldonDeployment's model server runs, for `right-size`: its pods, container and
request counter. Pure.

Seldon Core v1's operator names a predictor's Kubernetes Deployment
`<SeldonDeployment>-<predictor>-<componentSpec index>-<its container names, joined by ->`, and
`seldon-<md5 of that name>` when it is longer than 63 characters (`GetDeploymentName` in
SeldonIO/seldon-core `operator/apis/machinelearning.seldon.io/v1/seldondeployment_types.go`); a
prepackaged server's container is named after its graph node and sits in the first componentSpec
(`DefaultSeldonDeployment` in `defaults.go` of the same package). What this target renders has one
graph node, `model`, so the serving predictor's pods are those of `<directory>-<predictor>-0-model`
and their `model` container runs the server; the executor (`seldon-container-engine`) shares the
pods but not that container. An operator started with `DEPLOYMENT_NAME_AS_PREFIX=true` names long
Deployments `<SeldonDeployment>-<md5>` instead: not read here.

The request rate comes from the executor's counter (`promql.COUNT`) by `deployment_name`, the
SeldonDeployment, every predictor included.
"""

from __future__ import annotations

import hashlib

from generator.model import Deployed
from generator.model.usage import UsageRequest
from generator.targets.seldon_v1.promql import COUNT
from generator.targets.seldon_v1.render import GRAPH_NODE

MAX_NAME = 63
HASHED_PREFIX = "seldon"
DEFAULT_PREDICTOR = "default"


def deployment_name(
    seldon_deployment: str, predictor: str, containers: tuple[str, ...] = (GRAPH_NODE,)
) -> str:
    """The Kubernetes Deployment Seldon's operator creates for a predictor's first componentSpec."""
    name = f"{seldon_deployment}-{predictor}-0-{'-'.join(containers)}"
    if len(name) <= MAX_NAME:
        return name
    return f"{HASHED_PREFIX}-{hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()}"


def usage_request(environment: str, model: str, namespace: str, deployed: Deployed) -> UsageRequest:
    """What to read for the serving predictor of one deployed model."""
    predictor = deployed.predictor or DEFAULT_PREDICTOR
    return UsageRequest(
        environment=environment,
        model=model,
        namespace=namespace,
        workload=deployment_name(deployed.directory, predictor),
        container=GRAPH_NODE,
        requests_metric=COUNT,
        requests_label="deployment_name",
        deployment=deployed.directory,
    )
