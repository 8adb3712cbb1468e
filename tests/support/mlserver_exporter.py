"""A stand-in for MLServer's REST metrics in a KServe pod, on 127.0.0.1, for a real Prometheus.

Serves (at `/prometheus`, where the test Prometheus scrapes) the histogram
`rest_server_request_duration_seconds` as MLServer 1.7.1's starlette-exporter writes it (labels
method, path, status_code, app_name), with the labels a KServe PodMonitor's relabelings add from the
pod (namespace, deployment_name, predictor_name, predictor_version: `kserve.promql.SCRAPE.labels`).
Each predictor's requests are inference calls; besides them, readiness probes hit
`/v2/models/{model_name}/ready` ten times as often, always answered 200, which the vocabulary must
not count as traffic.

`MLServerPod` is one pod's MLServer as Kubernetes would show it to Prometheus: one predictor's
series without any pod label, at `/metrics`; the PodMonitor's relabelings must add them.
"""

from __future__ import annotations

from tests.support.seldon_exporter import BUCKETS, SeldonExporter

METRIC = "rest_server_request_duration_seconds"
INFER = "/v2/models/{model_name}/infer"
READY = "/v2/models/{model_name}/ready"
PROBES_PER_REQUEST = 10


class MLServerExporter(SeldonExporter):
    pod_labels = True  # the labels the PodMonitor's relabelings add, written by the exporter itself

    def _pod(self, namespace: str, deployment: str, predictor: str, version: str) -> str:
        if not self.pod_labels:
            return ""
        return (
            f'namespace="{namespace}",deployment_name="{deployment}",predictor_name="{predictor}",'
            f'predictor_version="{version}",'
        )

    def _text(self) -> str:
        lines = [f"# HELP {METRIC} HTTP request duration, in seconds", f"# TYPE {METRIC} histogram"]
        probes: dict[tuple[str, str, str, str], float] = {}
        for key, counters in sorted(self.counters.items()):
            namespace, deployment, predictor, version, code = key
            pod = self._pod(namespace, deployment, predictor, version)
            labels = f'{pod}method="POST",path="{INFER}",status_code="{code}",app_name="mlserver"'
            for bound, inside in zip(BUCKETS, counters.buckets, strict=True):
                lines.append(f'{METRIC}_bucket{{{labels},le="{bound}"}} {inside}')
            lines.append(f'{METRIC}_bucket{{{labels},le="+Inf"}} {counters.count}')
            lines.append(f"{METRIC}_sum{{{labels}}} {counters.total}")
            lines.append(f"{METRIC}_count{{{labels}}} {counters.count}")
            pod_key = (namespace, deployment, predictor, version)
            probes[pod_key] = probes.get(pod_key, 0.0) + counters.count * PROBES_PER_REQUEST
        for (namespace, deployment, predictor, version), count in sorted(probes.items()):
            pod = self._pod(namespace, deployment, predictor, version)
            labels = f'{pod}method="GET",path="{READY}",status_code="200",app_name="mlserver"'
            lines.append(f'{METRIC}_bucket{{{labels},le="+Inf"}} {count}')
            lines.append(f"{METRIC}_sum{{{labels}}} {count * 0.001}")
            lines.append(f"{METRIC}_count{{{labels}}} {count}")
        return "\n".join(lines) + "\n"


class MLServerPod(MLServerExporter):
    """One pod: set one predictor's traffic; its series carry MLServer's labels only."""

    PATH = "/metrics"
    pod_labels = False
