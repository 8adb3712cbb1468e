#!/usr/bin/env bash
# Set up everything model-gitops needs on a fresh machine, idempotently:
#   .venv/ with the package (editable) and its dev/test extras (uv among them: `serve-check` builds
#   its MLServer venvs with it, from Python interpreters already on the machine, never downloaded),
#   .tools/bin/ with kubeconform and actionlint (built with `go install`),
#   promtool (always: validation needs it) and prometheus (Debian package `prometheus`) when missing,
#   and a check that kubectl (with kustomize) is on PATH.
# Usage: scripts/bootstrap.sh [runtime|dev]   (default: dev)
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-dev}"
say() { printf '==> %s\n' "$*" >&2; }

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
stamp=".venv/.installed-$profile-$(sha256sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  say "installing model-gitops[$profile] into .venv (first run takes a few minutes)"
  .venv/bin/pip install --quiet --disable-pip-version-check --upgrade pip
  if [ "$profile" = runtime ]; then extras="demo"; else extras="dev"; fi
  .venv/bin/pip install --quiet --disable-pip-version-check -e ".[$extras]"
  touch "$stamp"
fi

mkdir -p .tools/bin
export GOBIN="$PWD/.tools/bin"
if [ ! -x .tools/bin/kubeconform ]; then
  say "installing kubeconform v0.7.0 into .tools/bin"
  go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0
fi
if [ "$profile" = dev ] && [ ! -x .tools/bin/actionlint ]; then
  say "installing actionlint v1.7.12 into .tools/bin"
  go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
fi
# promtool validates the generated alert rules on every run; prometheus runs in the e2e tests.
if ! command -v promtool >/dev/null || { [ "$profile" = dev ] && ! command -v prometheus >/dev/null; }; then
  say "installing Prometheus and promtool (Debian package prometheus)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
# actionlint runs shellcheck on the workflows' run: scripts when it is on PATH.
if [ "$profile" = dev ] && ! command -v shellcheck >/dev/null; then
  say "installing shellcheck (Debian package shellcheck) for actionlint"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
fi
if [ "$profile" = dev ] && ! .venv/bin/uv --version >/dev/null 2>&1; then
  say "installing uv into .venv (serve-check builds MLServer venvs with it)"
  .venv/bin/pip install --quiet --disable-pip-version-check "uv>=0.5"
fi
command -v kubectl >/dev/null || { echo "kubectl is required (it includes kustomize)" >&2; exit 1; }
