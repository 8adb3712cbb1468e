"""The `model-gitops` command line."""

from generator.cli.main import cli, main

__all__ = ["cli", "main"]
