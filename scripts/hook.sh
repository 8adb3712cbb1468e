#!/usr/bin/env bash
# Run one check tool for pre-commit, preparing .venv/ and .tools/ first when they are missing
# (scripts/bootstrap.sh, idempotent), so the hooks work on a fresh clone.
# Usage: scripts/hook.sh TOOL [ARGS...]   (TOOL: ruff, mypy, lint-imports or actionlint)
set -euo pipefail
cd "$(dirname "$0")/.."
tool="$1"; shift
if [ "$tool" = actionlint ]; then path=".tools/bin/actionlint"; else path=".venv/bin/$tool"; fi
if [ ! -x "$path" ]; then
  echo "==> $path is missing: running scripts/bootstrap.sh dev (first time only)" >&2
  bash scripts/bootstrap.sh dev >&2
fi
exec "$path" "$@"
