"""model-gitops: render MLflow registry state into validated Seldon Core manifests in Git.

`__version__` is the installed distribution's version (from the Git tag at build time, see
pyproject's `[tool.setuptools_scm]`); a source tree that was never installed says `0+unknown`.
"""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "model-gitops"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"
