#!/usr/bin/env bash
# Set up and run the main job on the embedded default: a local SQLite MLflow registry with
# example models and a local Git repository (.demo/), no server needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh runtime
source scripts/env.sh
exec model-gitops demo "$@"
