"""Pull-request delivery: one branch and one pull request per environment, kept in step with the plan.

For an environment with `delivery: pull-request` the change is committed on top of the synced
branch's head in a scratch worktree (so signing, identities and hooks follow the repository's
Git config) and pushed to the environment's own branch (`model-gitops/<env>` by default) with
`--force-with-lease`: that branch belongs to the tool, and a branch someone else moved since this
run looked is never overwritten (the run reads it again and retries). The pull request is opened
once and then updated (title, body, labels); when the change disappears (the alias moved back)
it is closed with a comment and its branch deleted. A branch that already holds exactly the
wanted change on an unchanged base is left alone, so reviews are not disturbed by no-op pushes.
The code host is a `provider.Provider` (GitHub pull requests, GitLab merge requests), chosen per
repository URL by `providers`; nothing here names one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import gitrepo
from generator.config.settings import Settings
from generator.delivery import messages
from generator.delivery.provider import Provider, PullRequest
from generator.delivery.providers import PROVIDER_ERRORS
from generator.errors import GitError
from generator.gitrepo import workspace
from generator.plan.planner import Plan
from generator.render.state import current_state
from generator.report import markdown, plain


@dataclass(frozen=True)
class PullRequestOutcome:
    """What happened to one environment's pull request in this run."""

    environment: str
    action: str  # opened | updated | unchanged | closed | none | skipped
    number: int | None = None
    url: str = ""
    commit: str | None = None
    models: tuple[str, ...] = ()
    withdrawn: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    noun: str = "pull request"  # the host's word: "merge request" on GitLab
    sign: str = "#"  # how the host writes a number: "!" on GitLab

    @property
    def is_open(self) -> bool:
        return self.action in ("opened", "updated", "unchanged")

    def describe(self) -> str:
        if self.action == "skipped":
            return f"{self.environment}: pull-request delivery needs --push; nothing delivered"
        if self.action == "none":
            return f"{self.environment}: no pull request needed"
        return f"{self.environment}: {self.action} {self.noun} {self.sign}{self.number} {self.url}".rstrip()


@dataclass(frozen=True)
class Request:
    """What every environment's pull request of one run shares."""

    repo: Any
    settings: Settings
    computed: Any  # app.Computed: plan, current, desired, changed
    provider: Provider
    base_branch: str
    base_commit: str
    author: gitrepo.Identity | None
    committer: gitrepo.Identity | None
    context: markdown.Context
    retry: Callable[[int], None] = field(default=lambda attempt: None)


def deliver(request: Request, environments: list[str]) -> list[PullRequestOutcome]:
    return [_with_retries(request, env) for env in environments]


def _with_retries(request: Request, env: str) -> PullRequestOutcome:
    attempts = request.settings.delivery.push_attempts
    for attempt in range(1, attempts + 1):
        try:
            return _deliver(request, env)
        except gitrepo.PushRejected as rejected:
            if attempt >= attempts:
                raise GitError(f"{rejected.message}; gave up after {attempt} tries", rejected.hint) from None
            request.retry(attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _deliver(request: Request, env: str) -> PullRequestOutcome:
    settings, plan = request.settings, request.computed.plan
    config = plan.environments[env].config
    branch = config.delivery.branch_for(env)
    directory = f"{settings.rendered_dir}/{env}"
    touched = [p for p in request.computed.changed if p.startswith(f"{env}/")]
    tip = gitrepo.fetch(request.repo, settings.remote, branch)
    pull = request.provider.open_pull(branch, request.base_branch)
    proposed = _proposed(plan, env, touched)
    withdrawn = tuple(sorted(_on_branch(request, env, tip, directory) - proposed)) if tip else ()
    if not touched:
        return _withdraw(request, env, branch, tip, pull, withdrawn)
    wanted = {p[len(env) + 1 :]: c for p, c in request.computed.desired.items() if p.startswith(f"{env}/")}
    commit = tip
    if tip is None or not _up_to_date(request, tip, directory, wanted):
        commit = _push_change(request, env, branch, tip, wanted, touched)
    title = markdown.pull_request_title(plan, env, touched)
    body = markdown.pull_request_body(plan, env, touched, request.context, touched)
    warnings: list[str] = []
    if pull is None:
        pull, action = _open(request, env, title, body, branch, warnings)
    elif pull.title != title or pull.body != body:
        pull, action = request.provider.update_pull(pull.number, title=title, body=body), "updated"
    else:
        action = "unchanged" if commit == tip else "updated"
    missing = [label for label in config.delivery.labels if label not in pull.labels]
    if missing:
        request.provider.add_labels(pull.number, missing)
    models = tuple(sorted({model for model, _ in proposed}))
    return _outcome(
        request,
        env,
        action,
        pull,
        commit=commit,
        models=models,
        withdrawn=withdrawn,
        warnings=tuple(warnings),
    )


def _outcome(request: Request, env: str, action: str, pull: PullRequest, **fields: Any) -> PullRequestOutcome:
    """An outcome naming `pull` the way its host does (`pull request #3`, `merge request !3`)."""
    provider = request.provider
    return PullRequestOutcome(
        env, action, pull.number, pull.url, noun=provider.noun, sign=provider.sign, **fields
    )


def _proposed(plan: Plan, env: str, touched: list[str]) -> set[tuple[str, str]]:
    changes = plain.all_changes(Plan({env: plan.environments[env]}), touched)
    return {(c.model, c.to_version) for c in changes if c.to_version}


def _on_branch(request: Request, env: str, tip: str, directory: str) -> set[tuple[str, str]]:
    """The versions the branch proposes today (those differing from what the base deploys)."""
    files = gitrepo.read_files(request.repo, tip, directory)
    there = current_state({f"{env}/{path}": content for path, content in files.items()})
    here = request.computed.current.deployed.get(env, {})
    return {
        (model, deployed.version)
        for model, deployed in there.deployed.get(env, {}).items()
        if model not in here or here[model].version != deployed.version
    }


def _up_to_date(request: Request, tip: str, directory: str, wanted: dict[str, bytes]) -> bool:
    """The branch holds exactly `wanted`, on a parent whose environment equals the base's."""
    repo, base = request.repo, request.base_commit
    parent = gitrepo.rev(repo, f"{tip}^")
    if parent is None or not gitrepo.is_ancestor(repo, parent, base):
        return False
    if gitrepo.rev(repo, f"{parent}:{directory}") != gitrepo.rev(repo, f"{base}:{directory}"):
        return False
    return gitrepo.read_files(repo, tip, directory) == wanted


def _push_change(
    request: Request, env: str, branch: str, tip: str | None, wanted: dict[str, bytes], touched: list[str]
) -> str:
    settings = request.settings
    directory = f"{settings.rendered_dir}/{env}"
    sub = Plan({env: request.computed.plan.environments[env]})
    message = messages.commit_message(sub, touched, settings.delivery.message_template)
    with gitrepo.scratch_worktree(request.repo, request.base_commit) as scratch:
        root = Path(scratch.working_tree_dir)
        files = {f"{env}/{path}": content for path, content in wanted.items()}
        workspace.write_tree(root / settings.rendered_dir, files, [env])
        commit = gitrepo.commit_paths(scratch, [directory], message, request.author, request.committer)
    if commit is None:
        raise GitError(f"{env}: the change to propose is already on {request.base_branch}")
    gitrepo.push_branch(request.repo, settings.remote, commit, branch, tip)
    return commit


def _open(
    request: Request, env: str, title: str, body: str, branch: str, warnings: list[str]
) -> tuple[PullRequest, str]:
    provider, delivery = request.provider, request.computed.plan.environments[env].config.delivery
    try:
        pull = provider.create_pull(title, body, branch, request.base_branch, delivery.draft)
    except PROVIDER_ERRORS:
        existing = provider.open_pull(branch, request.base_branch)  # another run opened it meanwhile
        if existing is None:
            raise
        return provider.update_pull(existing.number, title=title, body=body), "updated"
    if delivery.reviewers or delivery.team_reviewers:
        try:
            provider.request_reviewers(pull.number, delivery.reviewers, delivery.team_reviewers)
        except PROVIDER_ERRORS as exc:
            warnings.append(f"{env}: {exc.one_line()}")
    return pull, "opened"


def _withdraw(
    request: Request,
    env: str,
    branch: str,
    tip: str | None,
    pull: PullRequest | None,
    withdrawn: tuple[tuple[str, str], ...],
) -> PullRequestOutcome:
    """Nothing to propose any more: close the pull request and delete the branch."""
    if pull is not None:
        comment = (
            f"Closed by model-gitops: `{request.base_branch}` already holds what the registry wants "
            f"for `{env}` (the alias moved back or the change landed another way)."
        )
        pull = request.provider.close_pull(pull.number, comment)
    delivery = request.computed.plan.environments[env].config.delivery
    if tip is not None and delivery.delete_branch:
        with contextlib.suppress(gitrepo.PushRejected):  # moved meanwhile: the next run decides
            gitrepo.delete_branch(request.repo, request.settings.remote, branch, tip)
    if pull is None:
        return PullRequestOutcome(env, "none", withdrawn=withdrawn)
    return _outcome(request, env, "closed", pull, withdrawn=withdrawn)
