#!/usr/bin/env bash
# Set up and run the whole test suite (unit and end-to-end against real MLflow, Git, kubectl,
# kubeconform and Prometheus, all started and stopped by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
source scripts/env.sh
exec python -m pytest "$@"
