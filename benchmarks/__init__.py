"""Benchmarks of model-gitops (not part of the test suite): `bash scripts/bench.sh`."""
