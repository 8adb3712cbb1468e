#!/usr/bin/env bash
# The action's install step: model-gitops (this action's source unless PACKAGE names another
# requirement), kubeconform and promtool when missing. Needs GITHUB_PATH and RUNNER_TEMP.
set -euo pipefail
package="${PACKAGE:-${ACTION_PATH:?}}"
# An action used by tag (v0.1.0) is a source archive without Git metadata: version it by the tag.
version="${ACTION_REF:-}"
version="${version#v}"
if [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  export SETUPTOOLS_SCM_PRETEND_VERSION_FOR_MODEL_GITOPS="$version"
fi
python -m pip install --quiet --disable-pip-version-check "$package"
if [ "${COMMAND:-}" = serve-check ]; then
  # serve-check builds MLServer virtualenvs with uv, from the Pythons on the runner.
  python -m pip install --quiet --disable-pip-version-check "uv>=0.5"
fi

bin="${RUNNER_TEMP:?}/model-gitops-bin"
mkdir -p "$bin"
if ! command -v kubeconform >/dev/null; then
  GOBIN="$bin" go install "github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION:-v0.7.0}"
fi
echo "$bin" >> "${GITHUB_PATH:?}"
export PATH="$bin:$PATH"
if ! command -v promtool >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus
fi
command -v kubectl >/dev/null || { echo "::error::kubectl is required (it includes kustomize)"; exit 1; }
kubeconform -v
model-gitops --version
