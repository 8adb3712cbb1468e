"""Deliver a sync: commit and push race-safely, keep pull requests in step, write back to MLflow.

The last step of `app.sync`. First the checkout is prepared (`checkout.prepare`: committed
configuration only, rendered/ reset to HEAD). Environments with `delivery: commit` are committed
to the branch being synced and pushed, never forced, together with any local commit the remote
lacks (a `--push` run leaves the remote holding all it reports, or fails). When the push is
rejected because the remote moved (an overlapping run, a human commit), the run drops its own
unpushed commit, moves to the new head, re-plans there (`replan`: the same compute on the
updated tree), and tries again after a jittered exponential backoff, a bounded number of times;
nothing anyone else pushed is lost.
Environments with `delivery: pull-request` then get their branch and pull request
(`generator.delivery.pullrequests`), on the code host of the push remote (`providers`: GitHub, or
GitLab merge requests). Last, deployment tags go back to the registry (`--no-write-back` turns
that off), with how each merged pull request was approved; a failed write-back is a warning,
since Git already holds the truth.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import gitrepo, timing
from generator.config.loader import reviewed
from generator.config.settings import Settings
from generator.delivery import checkout, messages, providers, pullrequests, writeback
from generator.delivery.argocd_source import managed_directories
from generator.delivery.provider import Provider
from generator.delivery.pullrequests import PullRequestOutcome
from generator.errors import GitError, RegistryError
from generator.gitrepo import workspace
from generator.model import CurrentState
from generator.plan.planner import Plan
from generator.registry.writer import tag_versions
from generator.render.state import current_state
from generator.report import markdown


@dataclass(frozen=True)
class Delivery:
    """What a sync delivered."""

    computed: Any  # app.Computed of the last attempt
    commit: str | None
    pushed: bool
    message: str
    attempts: int = 1
    pull_requests: list[PullRequestOutcome] = field(default_factory=list)
    tagged: int = 0
    warnings: list[str] = field(default_factory=list)
    earlier: int = 0  # local commits from before this run that it pushed too


APPROVAL_LOOKUPS = 50  # pull requests whose end one run records at most


def reviewed_environments(plan: Plan) -> list[str]:
    """Environments whose changes go through a pull request."""
    return reviewed({name: env_plan.config for name, env_plan in plan.environments.items()})


@dataclass
class _Run:
    """What the steps of one delivery share."""

    settings: Settings
    repo: Any
    sleep: Callable[[float], None]
    author: gitrepo.Identity | None = None
    committer: gitrepo.Identity | None = None
    branch: str = ""
    provider: Provider | None = None
    earlier: int = 0  # local commits the remote did not have when the run started

    def wait(self, attempt: int) -> None:
        options = self.settings.delivery
        self.sleep(backoff(attempt, options.backoff_seconds, options.backoff_cap_seconds))


def deliver(
    settings: Settings, repo: Any, replan: Callable[[Path], Any], sleep: Callable[[float], None] = time.sleep
) -> Delivery:
    """Plan, commit and push (re-planning on a moved remote), then pull requests and write-back."""
    options = settings.delivery
    run = _Run(settings, repo, sleep)
    run.author = gitrepo.Identity.parse(settings.author) if settings.author else None
    run.committer = gitrepo.Identity.parse(options.committer) if options.committer else None
    if options.message_template is not None:
        messages.check_template(options.message_template)
    warnings = checkout.prepare(settings, repo)
    if settings.push:
        run.branch = gitrepo.current_branch(repo, settings.branch)
        gitrepo.fast_forward(repo, settings.remote, run.branch)
        run.earlier = gitrepo.unpushed(repo, settings.remote, run.branch)
    computed, message, commit, attempts = _commit_and_push(run, replan)
    reviewed = reviewed_environments(computed.plan)
    pulls = [PullRequestOutcome(env, "skipped") for env in reviewed]
    if reviewed and run.provider is not None:
        head = str(repo.head.commit.hexsha)
        context = markdown_context(settings, computed)
        request = pullrequests.Request(
            repo,
            settings,
            computed,
            run.provider,
            run.branch,
            head,
            run.author,
            run.committer,
            context,
            run.wait,
        )
        pulls = pullrequests.deliver(request, reviewed)
    warnings += [w for outcome in pulls for w in outcome.warnings]
    tagged = 0
    if settings.push and options.write_back:
        with timing.phase("write-back"):
            tagged, failed = write_back(settings, computed, str(repo.head.commit.hexsha), pulls, run.provider)
        warnings += failed
    pushed = settings.push and (commit is not None or run.earlier > 0)
    return Delivery(computed, commit, pushed, message, attempts, pulls, tagged, warnings, run.earlier)


def _commit_and_push(run: _Run, replan: Callable[[Path], Any]) -> tuple[Any, str, str | None, int]:
    """Plan, commit, push; when the remote moved, drop the commit, re-plan on its head, retry.

    Whatever the remote lacks is pushed, this run's commit or not: commits of an earlier sync
    without --push, or of one whose push the remote refused, reach it with this run.
    """
    settings, repo = run.settings, run.repo
    attempt = 0
    while True:
        attempt += 1
        computed = replan(Path(repo.working_tree_dir))
        reviewed = reviewed_environments(computed.plan)
        if reviewed and settings.push and run.provider is None:  # fail before writing anything
            remote_url = gitrepo.remote_url(Path(repo.working_tree_dir), settings.remote)
            run.provider = providers.connect(remote_url, settings.delivery)
        try:
            with timing.phase("write+git"):
                message, commit = _commit(settings, repo, computed, reviewed, run.author, run.committer)
                if settings.push and (commit is not None or run.earlier):
                    gitrepo.push(repo, settings.remote, run.branch)
            return computed, message, commit, attempt
        except gitrepo.PushRejected as rejected:
            if commit is None or run.earlier:  # never rebased, merged or dropped: a human decides
                raise GitError(
                    f"{rejected.message}, and the local branch has {run.earlier} earlier commit(s) "
                    f"that are not on {settings.remote}/{run.branch}",
                    "bring them onto it yourself (e.g. `git pull --rebase`) and sync again",
                ) from None
            if attempt >= settings.delivery.push_attempts:
                with contextlib.suppress(GitError):  # leave the checkout on the remote, not diverged
                    gitrepo.reset_to_remote(repo, settings.remote, run.branch, commit)
                raise GitError(f"{rejected.message}; gave up after {attempt} tries", rejected.hint) from None
            run.wait(attempt)
            gitrepo.reset_to_remote(repo, settings.remote, run.branch, commit)


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter: half fixed, half random, so racing runs spread out."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not cryptography


def _commit(
    settings: Settings,
    repo: Any,
    computed: Any,
    reviewed: list[str],
    author: gitrepo.Identity | None,
    committer: gitrepo.Identity | None,
) -> tuple[str, str | None]:
    """Write and commit the commit-mode environments; pull-request ones stay as the base has them."""
    direct = [env for env in computed.plan.environments if env not in reviewed]
    sub = Plan({env: computed.plan.environments[env] for env in direct})
    owned = managed_directories(sub, computed.desired)  # rendered/argocd goes with direct commits
    touched = [p for p in computed.changed if p.split("/")[0] in owned]
    message = messages.commit_message(sub, touched, settings.delivery.message_template)
    if not owned:
        return message, None
    desired = {p: c for p, c in computed.desired.items() if p.split("/")[0] in owned}
    root = Path(repo.working_tree_dir) / settings.rendered_dir
    workspace.write_tree(root, desired, owned, known=computed.current.files)  # read by this run
    directories = [f"{settings.rendered_dir}/{name}" for name in owned]
    return message, gitrepo.commit_paths(repo, directories, message, author, committer)


def after_state(computed: Any) -> CurrentState:
    """What Git holds once the plan is applied (only the changed files are parsed again)."""
    fresh = current_state({p: computed.desired[p] for p in computed.changed if p in computed.desired})
    deployed = {env: dict(models) for env, models in computed.current.deployed.items()}
    removed = {tuple(p.split("/")[:2]) for p in computed.changed if p not in computed.desired}
    for env, models in list(deployed.items()):
        deployed[env] = {m: d for m, d in models.items() if (env, d.directory) not in removed}
    for env, models in fresh.deployed.items():
        deployed.setdefault(env, {}).update(models)
    return CurrentState(deployed=deployed, files={})


def markdown_context(settings: Settings, computed: Any) -> markdown.Context:
    snapshot = getattr(computed, "snapshot", None)
    return markdown.Context(
        before=computed.current,
        after=after_state(computed),
        run_metrics=dict(getattr(snapshot, "run_metrics", None) or {}),
        versions=dict(getattr(snapshot, "versions", None) or {}),
        ui_url=settings.delivery.mlflow_ui_url or markdown.ui_base(settings.tracking_uri),
        delivery={env: ep.config.delivery.mode for env, ep in computed.plan.environments.items()},
    )


def write_back(
    settings: Settings,
    computed: Any,
    base_commit: str,
    pulls: list[PullRequestOutcome],
    provider: Provider | None = None,
) -> tuple[int, list[str]]:
    """Tag model versions with their deployment state (and, with a `provider`, how their merged
    pull requests were approved); (versions tagged, warnings)."""
    delivered = writeback.Delivered(
        base_commit=base_commit,
        proposals={
            o.environment: writeback.Proposal(o.commit or "", o.url, frozenset(o.models))
            for o in pulls
            if o.is_open
        },
        skipped=frozenset(o.environment for o in pulls if o.action == "skipped"),
        withdrawn={o.environment: o.withdrawn for o in pulls if o.withdrawn},
    )
    tags = writeback.deployment_tags(computed.plan, computed.changed, after_state(computed), delivered)
    warnings = record_approvals(tags, computed, pulls, provider) if provider is not None else []
    try:
        tag_versions(settings.tracking_uri, tags)
    except RegistryError as exc:
        return 0, [*warnings, f"write-back to MLflow failed ({exc.one_line()}); the next run retries"]
    return len(tags), warnings


def record_approvals(
    tags: writeback.Tags, computed: Any, pulls: list[PullRequestOutcome], provider: Provider
) -> list[str]:
    """Add how each newly merged (or closed) pull request ended to `tags`; warnings.

    At most `APPROVAL_LOOKUPS` pull requests per run (the rest wait for the next); the first
    failure stops the lookups (a rate limit or an outage would fail them all), and the next run
    retries, since only recorded outcomes are skipped.
    """
    versions = dict(getattr(getattr(computed, "snapshot", None), "versions", None) or {})
    open_urls = {o.environment: o.url for o in pulls if o.is_open}
    due = writeback.approvals_due(computed.plan, computed.current, versions, open_urls)
    for item in due[:APPROVAL_LOOKUPS]:
        try:
            approval = provider.approval(item.url)
        except providers.PROVIDER_ERRORS as exc:
            what = f"{item.environment}: could not read how {item.url} ended"
            return [f"{what} ({exc.one_line()}); the next run retries"]
        if approval is not None:
            writeback.add(tags, (item.model, item.version), writeback.approval_tags(item, approval))
    return []
