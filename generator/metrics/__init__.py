"""Metrics from the cluster: `prometheus` is the only module that talks to Prometheus."""
