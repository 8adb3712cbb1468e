#!/usr/bin/env bash
# Every static check: ruff (lint + format), mypy, import-linter layers, actionlint, hadolint.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
source scripts/env.sh
ruff check generator tests
ruff format --check generator tests
mypy
lint-imports
actionlint
hadolint Dockerfile
