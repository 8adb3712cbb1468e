# Sourced by the scripts: tools on PATH and, when the shared offline schemas sit next to the
# repository (as in CI), validation pointed at them instead of the public locations.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/.tools/bin:$root/.venv/bin:$PATH"
shared="${MODEL_GITOPS_SHARED:-$root/../shared}"
if [ -d "$shared/kubeconform-schemas" ]; then
  shared="$(cd "$shared" && pwd)"
  export MODEL_GITOPS_SHARED="$shared"
  if [ -z "${MODEL_GITOPS_SCHEMA_LOCATIONS:-}" ]; then
    core='{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json'
    custom='{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'
    export MODEL_GITOPS_SCHEMA_LOCATIONS="$shared/kubeconform-schemas/$core $shared/kubeconform-schemas/$custom"
  fi
  if [ -z "${MODEL_GITOPS_CRDS:-}" ]; then
    export MODEL_GITOPS_CRDS="$shared/crds/machinelearning.seldon.io_seldondeployments.yaml"
    kserve_crd="$shared/crds/serving.kserve.io_inferenceservices.yaml"
    if [ -f "$kserve_crd" ]; then MODEL_GITOPS_CRDS="$MODEL_GITOPS_CRDS $kserve_crd"; fi
    for crd in mlops.seldon.io_models.yaml mlops.seldon.io_experiments.yaml; do  # Seldon Core 2
      if [ -f "$shared/crds/$crd" ]; then MODEL_GITOPS_CRDS="$MODEL_GITOPS_CRDS $shared/crds/$crd"; fi
    done
  fi
fi
