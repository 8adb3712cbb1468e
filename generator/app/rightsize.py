"""`model-gitops right-size`: what each deployed model used over a window -> proposed
`overrides.<model>` edits of environments/<env>.yaml, with the evidence. Never applied silently:
printed, written in place with `--write`, or proposed as a pull request with `--pull-request`.

The deployed models are read from rendered/ (the serving predictor of each), their settings from
the environment files (`seldon` with the model's override), their usage from Prometheus through
`metrics.usage` (what to read comes from the environment's target: Seldon Core v1 only; another
target's environments are skipped, or refused when named with `-e`). The rule is
`plan.rightsize`. Edits keep the files as people wrote them (`yamlio.set_values`) and are checked
by loading the edited file as any run would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import gitrepo, targets, yamlio
from generator.app.environments import load_selected
from generator.config import EnvironmentConfig
from generator.config.loader import parse_environment
from generator.config.settings import Settings
from generator.delivery import proposals as pulls
from generator.delivery.github import GitHub
from generator.errors import ConfigError
from generator.gitrepo import workspace
from generator.metrics.usage import read_usage
from generator.model.usage import UsageRequest
from generator.plan.rightsize import Current, Proposal, Rule, propose
from generator.render.state import current_state
from generator.report import rightsize as report

BRANCH = "model-gitops/right-size"
SUPPORTED = "Seldon Core v1"


@dataclass(frozen=True)
class Window:
    seconds: int
    resolution_seconds: int


@dataclass(frozen=True)
class RightSizing:
    """The proposals of one run, and the environments it could not read (why, one line each)."""

    proposals: list[Proposal]
    window: Window
    skipped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[Proposal]:
        return [p for p in self.proposals if p.changed]


def right_size(settings: Settings, root: Path, window: Window, rule: Rule) -> RightSizing:
    """Read what the selected environments' deployed models used, and propose."""
    environments = load_selected(settings, root)
    current = current_state(workspace.read_tree(root / settings.rendered_dir))
    wanted: list[UsageRequest] = []
    skipped = []
    for env, config in sorted(environments.items()):
        request = _usage_request(config)
        if request is None:
            skipped.append(f"{env}: target {config.target} is not read (right-size reads {SUPPORTED} pods)")
            continue
        for model, deployed in sorted(current.deployed.get(env, {}).items()):
            wanted.append(request(env, model, config.namespace, deployed))
    if settings.only and skipped:
        raise ConfigError(
            f"right-size cannot read {'; '.join(skipped)}", f"name {SUPPORTED} environments with -e"
        )
    usage = read_usage(settings.prometheus_url, wanted, window.seconds, window.resolution_seconds)
    found = [
        propose(
            r.environment,
            r.model,
            usage.get(r.key),
            Current.of(environments[r.environment].seldon_for(r.model)),
            rule,
        )
        for r in wanted
    ]
    return RightSizing(found, window, skipped)


def _usage_request(config: EnvironmentConfig) -> Callable[..., UsageRequest] | None:
    """The target's `usage_request` (optional in the target protocol)."""
    found = getattr(targets.get(config.target), "usage_request", None)
    return found if callable(found) else None


def edited(texts: dict[str, str], sizing: RightSizing, shown: Callable[[str], str]) -> dict[str, str]:
    """The environment files (by environment) with the changed models' overrides set; each one
    loaded again as a run would, so an edit never leaves a file the next sync refuses."""
    found = {}
    capabilities = {name: target.strategies for name, target in targets.TARGETS.items()}
    for env in sorted({p.environment for p in sizing.changed}):
        values: dict[tuple[str, ...], Any] = {}
        for proposal in (p for p in sizing.changed if p.environment == env):
            for key, value in proposal.override.items():
                values[("overrides", proposal.model, key)] = value
        text = yamlio.set_values(texts[env], values)
        parse_environment(text, shown(env), capabilities)
        found[env] = text
    return found


def environment_file(directory: Path, env: str) -> Path:
    """`<env>.yaml`, or the `.yml` file the environment was loaded from."""
    path = directory / f"{env}.yaml"
    other = directory / f"{env}.yml"
    return other if not path.exists() and other.exists() else path


def write(settings: Settings, root: Path, sizing: RightSizing) -> list[str]:
    """Edit the environment files in place; the paths written (relative to the repository)."""
    directory = root / settings.environments_dir
    paths = {env: environment_file(directory, env) for env in {p.environment for p in sizing.changed}}
    texts = {env: path.read_text("utf-8") for env, path in paths.items()}
    written = []
    for env, text in edited(texts, sizing, lambda e: str(paths[e].relative_to(root))).items():
        workspace.write_atomic(paths[env], text.encode("utf-8"))
        written.append(str(paths[env].relative_to(root)))
    return sorted(written)


def pull_request(settings: Settings, repo: Any, sizing: RightSizing) -> tuple[pulls.Outcome, str]:
    """Commit the edits on `model-gitops/right-size` and open or update its pull request (closed
    when nothing is left to propose); the outcome and the branch."""
    delivery = settings.delivery
    github = GitHub.from_environment(
        delivery.github_repository, delivery.github_api_url, purpose="right-size --pull-request"
    )
    at = pulls.base(repo, settings.remote, settings.branch)
    directory = settings.environments_dir.strip("/")
    at_base = gitrepo.read_files(repo, at.commit, directory)
    names = {env: _name_at(at_base, env) for env in {p.environment for p in sizing.changed}}
    texts = {env: at_base[name].decode("utf-8") for env, name in names.items()}
    files = {
        f"{directory}/{names[env]}": text.encode("utf-8")
        for env, text in edited(texts, sizing, lambda e: f"{directory}/{names[e]}").items()
    }
    proposal = pulls.Proposal(
        BRANCH,
        files,
        report.title(sizing.proposals),
        report.pull_request_body(sizing.proposals, sizing.window.seconds, sorted(files)),
        report.commit_message(sizing.proposals, sizing.window.seconds),
        "Closed by model-gitops right-size: the latest usage proposes no change.",
    )
    author = gitrepo.Identity.parse(settings.author) if settings.author else None
    return pulls.deliver(repo, settings.remote, github, at, proposal, author), BRANCH


def _name_at(files: dict[str, bytes], env: str) -> str:
    for name in (f"{env}.yaml", f"{env}.yml"):
        if name in files:
            return name
    raise ConfigError(
        f"environments/{env}.yaml is not on the base branch", "commit and push the environment file first"
    )
