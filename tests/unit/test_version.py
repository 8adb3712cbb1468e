"""`model-gitops --version`: the installed distribution's version, from its Git tag."""

from __future__ import annotations

from importlib.metadata import version

from tests.support.cli import invoke


def test_version_prints_the_installed_distribution_version() -> None:
    result = invoke(["--version"])
    assert result.code == 0
    assert result.out == f"model-gitops {version('model-gitops')}\n"
