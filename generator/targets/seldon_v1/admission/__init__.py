"""Seldon Core v1.18.2's admission webhook rules, applied before anything is committed. Pure.

`document` reads the fields the webhook looks at from a document of any shape (wrong shapes become
problems, never exceptions); `rules` applies the webhook's rules to them.
"""

from generator.targets.seldon_v1.admission.rules import admission_problems

__all__ = ["admission_problems"]
