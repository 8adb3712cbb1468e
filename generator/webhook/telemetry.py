"""The receiver's Prometheus metrics and their Markdown summary (for the GitHub job summary).

One `CollectorRegistry` per receiver (not the process-global one), exposed at /metrics:

    model_gitops_webhook_events_received_total{event}        authenticated deliveries (signed, fresh,
                                                             not replayed)
    model_gitops_webhook_events_rejected_total{reason}       unsigned, bad_signature, stale_timestamp,
                                                             replayed, malformed, too_large,
                                                             bad_request, timeout
    model_gitops_webhook_events_ignored_total{reason}        event_type, own_tag, model_not_selected,
                                                             alias_not_followed
    model_gitops_webhook_runs_triggered_total{mode}          syncs run / dispatches sent
    model_gitops_webhook_runs_completed_total{mode,result}   success, rejected (some models), error
    model_gitops_webhook_run_duration_seconds{mode}          histogram
    model_gitops_webhook_last_success_timestamp_seconds      Unix time of the last successful run
    model_gitops_webhook_pending_events                      events waiting for the next run
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from generator.webhook.events import KNOWN

PREFIX = "model_gitops_webhook"
DURATION_BUCKETS = (0.5, 1, 2, 3, 5, 7.5, 10, 15, 30, 60, 120, 300)


class Telemetry:
    """Counters of one receiver."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.registry = CollectorRegistry(auto_describe=True)
        self.received = Counter(
            f"{PREFIX}_events_received",
            "Authenticated webhook deliveries (signed, fresh, not replayed).",
            ["event"],
            registry=self.registry,
        )
        self.rejected = Counter(
            f"{PREFIX}_events_rejected",
            "Deliveries and requests refused, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.ignored = Counter(
            f"{PREFIX}_events_ignored",
            "Valid events that cannot change what is deployed.",
            ["reason"],
            registry=self.registry,
        )
        self.triggered = Counter(
            f"{PREFIX}_runs_triggered",
            "Runs started (syncs or dispatches).",
            ["mode"],
            registry=self.registry,
        )
        self.completed = Counter(
            f"{PREFIX}_runs_completed",
            "Runs finished, by result.",
            ["mode", "result"],
            registry=self.registry,
        )
        self.duration = Histogram(
            f"{PREFIX}_run_duration_seconds",
            "Wall time of a run.",
            ["mode"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.last_success = Gauge(
            f"{PREFIX}_last_success_timestamp_seconds",
            "Unix time of the last successful run (0: none yet).",
            registry=self.registry,
        )
        self.pending = Gauge(
            f"{PREFIX}_pending_events", "Accepted events waiting for the next run.", registry=self.registry
        )

    last_success_at: float | None = None

    def succeeded(self, now: float) -> None:
        self.last_success_at = now
        self.last_success.set(now)

    def receive(self, kind: str | None) -> None:
        self.received.labels(kind if kind in KNOWN else "other").inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def values(self) -> dict[str, float]:
        """Every sample as `name{labels}` -> value (for the job summary and tests)."""
        found: dict[str, float] = {}
        for family in self.registry.collect():
            for sample in family.samples:
                if sample.name.endswith(("_created", "_bucket")):
                    continue
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
        return found

    def total(self, name: str, **labels: str) -> float:
        """Sum of `name`'s samples whose labels include `labels`."""
        total = 0.0
        for family in self.registry.collect():
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    total += sample.value
        return total


def summary_markdown(telemetry: Telemetry) -> str:
    """The counters as a Markdown section for $GITHUB_STEP_SUMMARY."""
    lines = [
        "### model-gitops webhook receiver",
        "",
        f"Mode: {telemetry.mode}",
        "",
        "| metric | value |",
        "| --- | ---: |",
    ]
    for name, value in sorted(telemetry.values().items()):
        shown = f"{value:.3f}" if value != int(value) else f"{int(value)}"
        lines.append(f"| `{name.replace('|', '/')}` | {shown} |")
    return "\n".join(lines) + "\n"


BEGIN = "<!-- model-gitops webhook summary -->"
END = "<!-- /model-gitops webhook summary -->"


def replace_section(existing: str, section: str) -> str:
    """`existing` with its previous receiver section (if any) replaced by `section`."""
    start, stop = existing.find(BEGIN), existing.find(END)
    if start != -1 and stop > start:
        existing = existing[:start] + existing[stop + len(END) :].lstrip("\n")
    separator = "" if not existing or existing.endswith("\n") else "\n"
    return f"{existing}{separator}{BEGIN}\n{section}{END}\n"
