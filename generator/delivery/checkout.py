"""Before a sync writes anything: a checkout it may deliver from, and what it threw away.

A sync renders committed configuration only: edited, new, deleted or git-ignored environment
files refuse the run (the remote would otherwise hold manifests its own `environments/` does not
produce). `plan` and `render` still preview local edits. `rendered/` belongs to the tool and is
reset to the last commit first (a killed run's leftovers are re-rendered anyway); files that
reset removes or edits it discards are named in a warning, so nothing disappears silently.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from generator import gitrepo
from generator.config.settings import Settings
from generator.errors import GitError
from generator.gitrepo.status import inside, uncommitted
from generator.printable import printable

SHOWN = 5  # paths named in one message; the rest are counted
ENVIRONMENT_FILES = (".yaml", ".yml")


def prepare(settings: Settings, repo: Any) -> list[str]:
    """Refuse uncommitted configuration, reset rendered/ to HEAD; the warnings to show."""
    refuse_uncommitted_environments(repo, Path(repo.working_tree_dir) / settings.environments_dir)
    removed, reverted = gitrepo.discard_uncommitted(repo, [settings.rendered_dir])
    warnings = []
    if removed:
        warnings.append(
            f"removed untracked {listed(removed)} ({settings.rendered_dir}/ belongs to model-gitops and is "
            "reset to the last commit before each sync; keep your own files outside it)"
        )
    if reverted:
        warnings.append(f"discarded uncommitted edits to {listed(reverted)} (reset to the last commit)")
    return warnings


def refuse_uncommitted_environments(repo: Any, directory: Path) -> None:
    """Raise when an environment file differs from HEAD (edited, new, deleted or ignored)."""
    relative = inside(repo, directory)
    if relative is None:  # configuration outside the repository: not Git's to check
        return
    changed = [
        path
        for path in uncommitted(repo, relative)
        if str(PurePosixPath(path).parent) == relative and path.endswith(ENVIRONMENT_FILES)
    ]
    if changed:
        raise GitError(
            f"{listed(changed)} {'has' if len(changed) == 1 else 'have'} uncommitted changes, and sync "
            "renders only committed configuration (the remote must hold what its own environments "
            "produce)",
            "commit and push them, or `git stash -u` them, then sync again (`plan` previews local "
            "edits); nothing was written",
        )


def listed(paths: list[str]) -> str:
    """`a, b, c` with at most `SHOWN` names, the rest counted; escaped for one line."""
    shown = ", ".join(printable(path) for path in paths[:SHOWN])
    more = f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else ""
    return shown + more
