"""Refuse runs that would do damage no registry change should cause. Pure.

A run that would remove more than the environment's `safety.max_removed_share` of its
deployments, or all of them, is refused unless `--allow-prune` is given. An empty registry
answer (no model carries any of the aliases) never wipes an environment, even with
`--allow-prune`: that is far more often a wrong URI or an empty database than a teardown.
"""

from __future__ import annotations

from generator.errors import ModelGitopsError
from generator.plan.planner import Plan


class PruneRefused(ModelGitopsError):
    """A run would remove too many deployments."""


def check_removals(
    plan: Plan, deployed_counts: dict[str, int], registry_empty: bool, allow_prune: bool
) -> None:
    for name, env_plan in plan.environments.items():
        deployed = deployed_counts.get(name, 0)
        removed = [c for c in env_plan.changes if c.kind == "remove"]
        if not deployed or not removed:
            continue
        if registry_empty:
            raise PruneRefused(
                f"{name}: the registry returned no model with any configured alias, "
                f"which would remove all {deployed} deployments",
                "check the tracking URI and the aliases; nothing was changed",
            )
        share = len(removed) / deployed
        too_many = share > env_plan.config.safety.max_removed_share or len(removed) == deployed
        if too_many and not allow_prune:
            names = ", ".join(c.model for c in removed[:5]) + (" ..." if len(removed) > 5 else "")
            raise PruneRefused(
                f"{name}: refusing to remove {len(removed)} of {deployed} deployments ({names})",
                "re-run with --allow-prune if this is intended",
            )
