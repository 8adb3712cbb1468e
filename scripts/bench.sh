#!/usr/bin/env bash
# Benchmark `model-gitops sync` against a real MLflow server (SQLite) holding N registered models:
# full, naive-baseline, no-op and one-alias-moved syncs; MLflow requests, phases, peak RSS.
# Not part of the test suite. Prints a table and writes benchmarks/results/bench-<sizes>.json.
# Usage: scripts/bench.sh [--sizes 100,1000,3000] [--runs 3] [--naive-runs N] [--keep] ...
#        (scripts/bench.sh --help lists every option; default: --sizes 1000 --runs 3)
#        scripts/bench.sh webhook [--models 100] [--changes 20]: time-to-deploy through MLflow webhooks
#        scripts/bench.sh parallel-envs [--sizes 100,1000] [--runs 1]: per-environment syncs in parallel
#        scripts/bench.sh rule-cost [--models 1000] [--rounds 1]: alert rules per model vs per environment
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
source scripts/env.sh
if [ "${1:-}" = "webhook" ]; then  # time-to-deploy through MLflow webhooks (issue 8)
  shift
  exec python -m benchmarks.webhook_latency "$@"
fi
if [ "${1:-}" = "parallel-envs" ]; then  # three `sync -e ENV --push` at once vs one full sync (issue 15)
  shift
  exec python -m benchmarks.parallel_envs "$@"
fi
if [ "${1:-}" = "rule-cost" ]; then  # rule evaluation cost in a real Prometheus (issue 15)
  shift
  exec python -m benchmarks.rule_cost "$@"
fi
exec python -m benchmarks.bench "$@"
