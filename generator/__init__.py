"""model-gitops: render MLflow registry state into validated Seldon Core manifests in Git."""

__version__ = "0.1.0"
