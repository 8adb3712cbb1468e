"""Everything that talks to MLflow lives in this package (reading, example data)."""

from generator.registry.reader import RegistryReader, read_snapshot, translate_errors

__all__ = ["RegistryReader", "read_snapshot", "translate_errors"]
