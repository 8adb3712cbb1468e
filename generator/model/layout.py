"""Names shared by the renderer and the reader of the rendered tree."""

KUSTOMIZATION_FILE = "kustomization.yaml"
ANNOTATION_PREFIX = "model-gitops.io/"
ARGOCD_DIR = "argocd"  # rendered/argocd: Argo CD applications (never an environment name)
